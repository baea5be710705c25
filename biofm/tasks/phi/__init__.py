"""The ``phi`` task, in one folder: protected health information, a token classifier OR-ed with validated rules.

- :mod:`.kind`     PHI spans, the adapter (recall-first threshold, shape checks, rules), the TaskKind
- :mod:`.testing`  inputs for the table-driven test of every task

Rules, validation, synthetic notes, evaluation and the de-identification gate stay in :mod:`biofm.phi` (task-free).
"""

from biofm.tasks.base import register
from biofm.tasks.phi.kind import DEFAULT_THRESHOLD, PhiEntity, PhiKind, PhiTagger

KIND = register(PhiKind())

__all__ = ["DEFAULT_THRESHOLD", "KIND", "PhiEntity", "PhiKind", "PhiTagger"]

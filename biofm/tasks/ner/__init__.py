"""The ``ner`` task, in one folder: biomedical named entities with exact character offsets.

- :mod:`.kind`     predictions, adapter (sliding windows, words snapped to written words), the TaskKind
- :mod:`.parts`    CoNLL files, the entity explanation objective, the review codec (spans), the trainer's files
- :mod:`.train`    fine-tuning a token classifier, model selection on dev entity F1
- :mod:`.testing`  inputs for the table-driven test of every task
"""

from biofm.tasks.base import register
from biofm.tasks.ner.kind import NerKind, NerPredictions, NerTagger, Word, snap_to_words

KIND = register(NerKind())

__all__ = ["KIND", "NerKind", "NerPredictions", "NerTagger", "Word", "snap_to_words"]

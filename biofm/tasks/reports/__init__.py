"""The ``reports`` task, in one folder: CheXpert observations of radiology reports (model OR-ed with rules).

- :mod:`.kind`     predictions, adapter (one head per observation), the TaskKind
- :mod:`.parts`    the observation explanation objective and review codec
- :mod:`.train`    training on generated reports or a CheXpert-style file, metrics, the card
- :mod:`.testing`  inputs for the table-driven test of every task

The report generator, rules and observation list stay in :mod:`biofm.reports` (task-free).
"""

from biofm.tasks.base import register
from biofm.tasks.reports.kind import ReportLabeler, ReportPredictions, ReportsKind

KIND = register(ReportsKind())

__all__ = ["KIND", "ReportLabeler", "ReportPredictions", "ReportsKind"]

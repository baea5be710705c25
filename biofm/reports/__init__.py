"""Chest imaging reports: the 14 CheXpert observations, by rules with evidence and by a fine-tuned model."""

from biofm.reports.combine import MODEL_ONLY_THRESHOLD, FinalLabel, combine
from biofm.reports.observations import LABELS, OBSERVATIONS, PATHOLOGIES, chexpert_value
from biofm.reports.rules import ObservationLabel, ReportLabels, label_report, label_reports

__all__ = ["LABELS", "MODEL_ONLY_THRESHOLD", "OBSERVATIONS", "PATHOLOGIES", "FinalLabel", "ObservationLabel",
           "ReportLabels", "chexpert_value", "combine", "label_report", "label_reports"]

"""Chest imaging reports: the 14 CheXpert observations, by rules with evidence and by a fine-tuned model."""

from biofm.reports.observations import LABELS, OBSERVATIONS, chexpert_value
from biofm.reports.rules import ObservationLabel, ReportLabels, label_report, label_reports

__all__ = ["LABELS", "OBSERVATIONS", "ObservationLabel", "ReportLabels", "chexpert_value", "label_report",
           "label_reports"]

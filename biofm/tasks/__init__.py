"""Task adapters, looked up by name. Each splits into preprocess / forward / postprocess."""

from __future__ import annotations

from biofm.tasks.ner import NerPredictions, NerTagger
from biofm.tasks.text_classify import TextClassifier, TextPredictions

def _report_labeler():
    from biofm.reports.model import ReportLabeler

    return ReportLabeler


TASKS = {
    "text-classify": TextClassifier,
    "ner": NerTagger,
}


def task_adapter(task: str):
    """The adapter class for a task name."""
    if task == "reports":
        return _report_labeler()
    if task == "molecules":
        from biofm.chem.model import MoleculePredictor

        return MoleculePredictor
    try:
        return TASKS[task]
    except KeyError:
        raise ValueError(f"unknown task {task!r}; known: {', '.join([*TASKS, 'reports', 'molecules'])}") from None


__all__ = ["TASKS", "NerPredictions", "NerTagger", "TextClassifier", "TextPredictions", "task_adapter"]

"""The task registry and the built-in tasks. Importing this package registers every built-in TaskKind, and every task
that is a folder of its own (``biofm/tasks/custom/``)."""

from biofm.tasks.base import TASKS, Adapter, Option, Predictions, TaskKind, get_task, guess_task, register, task_names
from biofm.tasks import text_classify, ner, reports, molecules, phi  # noqa: E402,F401  (registration)


def _load_task_folders() -> None:
    """Import every task that is one folder (``biofm/tasks/<task>/__init__.py`` registers it): adding such a folder
    adds the task, with no other file to edit."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            importlib.import_module(f"{__name__}.{info.name}")


_load_task_folders()

__all__ = ["TASKS", "Adapter", "Option", "Predictions", "TaskKind", "get_task", "guess_task", "register", "task_names"]

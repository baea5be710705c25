"""The task registry and every task. A task is one folder, ``biofm/tasks/<task>/``, whose ``__init__.py`` registers
its :class:`TaskKind`; importing this package imports every such folder, so adding a folder adds the task with no
other file to edit. Inside a folder: ``kind.py`` (predictions, adapter, the TaskKind), ``parts.py`` (review codec,
explanation objective, file handling) where the task has them, ``train.py`` (its trainer) and ``testing.py`` (inputs
for the table-driven test of every task). :func:`task_names` lists tasks by their kinds' ``order``.

``base.py`` (the registry, :class:`TaskKind`, the base adapter) and ``windows.py`` (sliding windows) are shared.
"""

from biofm.tasks.base import TASKS, Adapter, Option, Predictions, TaskKind, get_task, guess_task, register, task_names


def _load_task_folders() -> None:
    """Import every task that is one folder (``biofm/tasks/<task>/__init__.py`` registers it), in name order."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg:
            importlib.import_module(f"{__name__}.{info.name}")


_load_task_folders()

__all__ = ["TASKS", "Adapter", "Option", "Predictions", "TaskKind", "get_task", "guess_task", "register", "task_names"]

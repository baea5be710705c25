"""The task registry and every task. A task is one folder, ``biofm/tasks/<task>/``, whose ``__init__.py`` registers
its :class:`TaskKind`; importing this package imports every such folder, so adding a folder adds the task with no
other file to edit. Inside a folder: ``kind.py`` (predictions, adapter, the TaskKind), ``parts.py`` (review codec,
explanation objective, file handling) where the task has them, ``train.py`` (its trainer) and ``testing.py`` (inputs
for the table-driven test of every task). :func:`task_names` lists tasks by their kinds' ``order``.

``base.py`` (the registry, :class:`TaskKind`, the base adapter) and ``windows.py`` (sliding windows) are shared.
"""

from biofm.tasks.base import TASKS, Adapter, Option, Predictions, TaskKind, get_task, guess_task, register, task_names


TASK_DIRS_ENV = "BIOFM_TASK_DIRS"  # more folders of task folders (os.pathsep-separated), e.g. a lab's own tasks


def load_task_folders() -> list[str]:
    """Import every task that is one folder, ``biofm/tasks/<task>/__init__.py`` or ``<dir>/<task>/__init__.py``
    for each ``dir`` of ``BIOFM_TASK_DIRS`` (each registers its TaskKind): adding such a folder adds the task,
    with no other file to edit. Safe to call again (a folder is imported once); returns the folders' module
    names."""
    import importlib
    import os
    import pkgutil

    for extra in os.environ.get(TASK_DIRS_ENV, "").split(os.pathsep):
        if extra and os.path.isdir(extra) and os.path.abspath(extra) not in map(os.path.abspath, __path__):
            __path__.append(os.path.abspath(extra))
    names = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg:
            names.append(importlib.import_module(f"{__name__}.{info.name}").__name__)
    return names


_load_task_folders = load_task_folders


_load_task_folders()

__all__ = ["TASK_DIRS_ENV", "load_task_folders", "TASKS", "Adapter", "Option", "Predictions", "TaskKind", "get_task", "guess_task", "register", "task_names"]

"""The task registry and every task. A task is one folder, ``biofm/tasks/<task>/``, whose ``__init__.py`` registers
its :class:`TaskKind`; importing this package imports every such folder, so adding a folder adds the task with no
other file to edit. Inside a folder: ``kind.py`` (predictions, adapter, the TaskKind), ``parts.py`` (review codec,
explanation objective, file handling) where the task has them, ``train.py`` (its trainer) and ``testing.py`` (inputs
for the table-driven test of every task). :func:`task_names` lists tasks by their kinds' ``order``.

``base.py`` (the registry, :class:`TaskKind`, the base adapter) and ``windows.py`` (sliding windows) are shared.
"""

from biofm.tasks.base import TASKS, Adapter, Option, Predictions, TaskKind, get_task, guess_task, register, task_names


TASK_DIRS_ENV = "BIOFM_TASK_DIRS"  # more folders of task folders (os.pathsep-separated), e.g. a lab's own tasks

SKIPPED_FOLDERS: dict[str, str] = {}  # a task folder of BIOFM_TASK_DIRS that was not loaded -> why (shown by the app)


def load_task_folders() -> list[str]:
    """Import every task that is one folder, ``biofm/tasks/<task>/__init__.py`` or ``<dir>/<task>/__init__.py``
    for each ``dir`` of ``BIOFM_TASK_DIRS`` (each registers its TaskKind): adding such a folder adds the task,
    with no other file to edit. Safe to call again (a folder is imported once); returns the folders' module
    names.

    The shipped folders load first. A folder of ``BIOFM_TASK_DIRS`` that fails to import (an exception or a syntax
    error in its code, a task name :func:`register` refuses), that registers a name another task already has, or
    whose name another folder or a module of ``biofm/tasks`` already takes, is skipped: a warning (the
    ``biofm.tasks`` logger) names the folder and the reason, which stays in :data:`SKIPPED_FOLDERS`; the shipped
    tasks and the other folders load as before."""
    import importlib
    import os
    import pkgutil

    shipped = __path__[0]
    for extra in os.environ.get(TASK_DIRS_ENV, "").split(os.pathsep):
        if not extra:
            continue
        if not os.path.isdir(extra):
            _skip(extra, f"{TASK_DIRS_ENV} names it, but it is not a folder")
        elif os.path.isfile(os.path.join(extra, "__init__.py")):  # one task, not a folder of tasks
            _skip(extra, f"it is a task folder itself; {TASK_DIRS_ENV} names the folder that holds task folders "
                         f"({os.path.dirname(os.path.abspath(extra))})")
        elif os.path.abspath(extra) not in map(os.path.abspath, __path__):
            __path__.append(os.path.abspath(extra))
    own = list(pkgutil.iter_modules([shipped]))
    taken = {m.name: os.path.join(shipped, m.name + ("" if m.ispkg else ".py")) for m in own}
    names = []
    for info in sorted(own, key=lambda m: m.name):
        if info.ispkg:
            names.append(importlib.import_module(f"{__name__}.{info.name}").__name__)
    for root in __path__[1:]:
        for info in sorted(pkgutil.iter_modules([root]), key=lambda m: m.name):
            folder = os.path.join(root, info.name)
            if not info.ispkg:
                continue
            if taken.get(info.name, folder) != folder:
                _skip(folder, f"the name {info.name!r} is already taken by {taken[info.name]}; rename the folder")
                continue
            taken[info.name] = folder
            module = _load_lab_folder(f"{__name__}.{info.name}", folder)
            if module:
                names.append(module)
    return names


def _load_lab_folder(module: str, folder: str) -> str | None:
    """Import one folder of ``BIOFM_TASK_DIRS``; on failure (or a clash of task names) the registry is as it was
    before, and the folder is skipped with a warning. The module name, or None."""
    import importlib
    import sys

    from biofm.review import codec as review_codec

    if module in sys.modules:
        return module
    tasks, codecs = dict(TASKS), dict(review_codec.CODECS)
    try:
        importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001  (a lab's code: whatever it raises, the other tasks still load)
        problem = f"{type(exc).__name__}: {exc}"
    else:
        clash = sorted(n for n in tasks if TASKS.get(n) is not tasks[n])
        if not clash:
            SKIPPED_FOLDERS.pop(folder, None)
            if set(TASKS) == set(tasks):  # loaded, but no task: a helper package, or a register() forgotten
                import logging

                logging.getLogger(__name__).warning("biofm: the task folder %s registers no task (its __init__.py "
                                                    "calls register(YourKind()) to add one)", folder)
            return module
        problem = (f"it registers the task name(s) {', '.join(map(repr, clash))}, already registered by "
                   f"{', '.join(sorted({_where(tasks[n]) for n in clash}))}; give its TaskKind another name")
    TASKS.clear()
    TASKS.update(tasks)
    review_codec.CODECS.clear()
    review_codec.CODECS.update(codecs)
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        del sys.modules[name]
    globals().pop(module.rpartition(".")[2], None)  # the package's attribute for the submodule, if it was set
    _skip(folder, problem)
    return None


def _where(kind) -> str:
    """The folder (or module) that defined a kind, for messages."""
    import os
    import sys

    path = getattr(sys.modules.get(type(kind).__module__), "__file__", None)
    return os.path.dirname(path) if path else type(kind).__module__


def _skip(folder: str, problem: str) -> None:
    import logging

    if SKIPPED_FOLDERS.get(folder) != problem:  # once per folder and reason (the app reloads on every run)
        logging.getLogger(__name__).warning("biofm: skipped the task folder %s: %s", folder, problem)
    SKIPPED_FOLDERS[folder] = problem


_load_task_folders = load_task_folders


_load_task_folders()

__all__ = ["SKIPPED_FOLDERS", "TASK_DIRS_ENV", "load_task_folders", "TASKS", "Adapter", "Option", "Predictions",
           "TaskKind", "get_task", "guess_task", "register", "task_names"]

"""The task registry and the built-in tasks. Importing this package registers every built-in TaskKind."""

from biofm.tasks.base import TASKS, Adapter, Option, Predictions, TaskKind, get_task, guess_task, register, task_names
from biofm.tasks import text_classify, ner, reports, molecules, phi  # noqa: E402,F401  (registration)
from biofm.tasks import custom  # noqa: E402,F401  (a task that is one folder)

__all__ = ["TASKS", "Adapter", "Option", "Predictions", "TaskKind", "get_task", "guess_task", "register", "task_names"]

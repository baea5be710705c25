"""The task registry. A task is one :class:`TaskKind`: everything that differs between modalities lives on it.

Pages, the CLI, review, training and batch jobs ask the registry (:func:`get_task`, :func:`task_names`) and call
the kind's hooks; nothing outside ``biofm/tasks`` names a task. A new task is one folder, ``biofm/tasks/<task>/``:
``kind.py`` defines its TaskKind, ``__init__.py`` calls :func:`register`, ``testing.py`` holds the inputs of the
table-driven test (see ``biofm/tasks/__init__.py``); chemprop's ``utils/registry.py`` is the pattern. Registering a
kind also registers its review codec with the review store (:func:`biofm.review.codec.register_codec`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from biofm.inference import EngineOutputs, Progress, run_batched
from biofm.io.writers import write_rows  # noqa: F401  (tasks import it from here)
from biofm.models.load import LoadedModel
from biofm.review.codec import register_codec

TASKS: dict[str, "TaskKind"] = {}
TASK_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # a CLI sub-command, a widget key, a column of the review store


def register(kind: "TaskKind") -> "TaskKind":
    """Add a task kind under its name (a later registration of the same name replaces it), and its review codec
    to the review store's (:func:`biofm.review.codec.register_codec`). ValueError when the name is not lower-case
    letters, digits, ``-`` and ``_`` (at most 64, starting with a letter or digit)."""
    if not isinstance(kind.name, str) or not TASK_NAME.fullmatch(kind.name):
        raise ValueError(f"task name {kind.name!r} of {type(kind).__name__}: use lower-case letters, digits, '-' and "
                         "'_' (at most 64, starting with a letter or digit), e.g. 'side-effects'")
    TASKS[kind.name] = kind
    if kind.codec is not None:
        register_codec(kind.name, kind.codec)
    return kind


def get_task(name: str) -> "TaskKind":
    _load_builtin()
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; known: {', '.join(task_names())}") from None


def task_names(verb: str | None = None) -> list[str]:
    """Registered task names by their kinds' ``order`` (then registration), optionally only those that support a
    verb (predict, explain, embed, train)."""
    _load_builtin()
    kinds = sorted(TASKS.items(), key=lambda item: item[1].order)  # stable: equal orders keep registration order
    return [n for n, k in kinds if verb is None or verb in k.verbs]


def guess_task(labels) -> str | None:
    """The task a plain Hugging Face model with these labels is for: the kind that claims them most specifically."""
    _load_builtin()
    scored = [(k.claims(labels), n) for n, k in TASKS.items()]
    best = max(scored, default=(0, None))
    return best[1] if best[0] else None


def _load_builtin() -> None:
    import biofm.tasks  # noqa: F401  (registers the built-in kinds)


@dataclass(frozen=True)
class Option:
    """One task option: a CLI flag, a form field in the app and a key of the JSON training config, at once."""

    name: str
    help: str = ""
    default: Any = None
    type: type = str  # str | int | float | bool | list (comma-separated)
    choices: tuple = ()
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


ID_COLUMN = Option("id_column", "column or key holding the id (default: guessed or row number)")


@dataclass
class Prepared:
    """What preprocess hands the engine: token-id sequences, and whatever postprocess needs to rebuild documents."""

    sequences: list[list[int]]
    context: Any = None


class Adapter:
    """preprocess / forward / postprocess around the one batching engine; :meth:`predict` is written once here."""

    token_outputs: tuple[str, ...] = ()
    chunk_size: int = 4096  # records tokenised ahead (in a background thread) while the engine runs

    def __init__(self, loaded: LoadedModel, **options) -> None:
        self.loaded = loaded
        self.spec = loaded.spec
        self.tokenizer = loaded.tokenizer
        self.model = loaded.model
        self.options = options

    @property
    def pad_id(self) -> int:
        return self.tokenizer.pad_token_id or 0

    @property
    def precision(self) -> str:
        return self.loaded.precision

    def preprocess(self, records: Sequence) -> Prepared:
        raise NotImplementedError

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def postprocess(self, records: Sequence, prepared: Prepared, outputs: EngineOutputs):
        raise NotImplementedError

    def screen(self, records: Sequence) -> tuple[list, list]:
        """The records the model can take, and a row error (``RowError``) for each it cannot: a record is never cut
        or dropped silently. Text tasks window long documents, so they take every record."""
        return list(records), []

    def predict(self, records: Sequence, batch_size: int | None = None, progress: Progress | None = None,
                max_tokens: int | None = None):
        """Labels, scores and pooled embeddings for every record, from one pass of the model.

        Records :meth:`screen` turns away are in the predictions' ``rejected`` list (row errors), not in its rows.
        Past :attr:`chunk_size` records the work is pipelined: a background thread tokenises the next chunk (one
        batched tokenizer call) while the engine runs the current one. ``batch_size`` and ``max_tokens`` cap a
        batch's rows and padded tokens (default: the device's limits, :func:`biofm.inference.engine_limits`)."""
        records, rejected = self.screen(records)
        size = max(1, self.chunk_size)
        chunks = [records[i:i + size] for i in range(0, len(records), size)] or [records]
        total = len(records)

        def run(chunk, prepared: Prepared, offset: int):
            def report(done, n, offset=offset, k=len(chunk)):  # windows done -> records done, over all chunks
                progress(offset + (k * done) // max(n, 1), total)
            outputs = run_batched(prepared.sequences, self.forward, device=self.loaded.device, pad_id=self.pad_id,
                                  batch_size=batch_size, max_tokens=max_tokens, precision=self.precision,
                                  token_outputs=self.token_outputs, progress=report if progress else None) \
                if prepared.sequences else EngineOutputs(0)
            return self.postprocess(chunk, prepared, outputs)

        if len(chunks) == 1:
            preds = run(chunks[0], self.preprocess(chunks[0]), 0)
        else:
            parts = []
            with ThreadPoolExecutor(1, thread_name_prefix="biofm-tokenize") as pool:
                upcoming = pool.submit(self.preprocess, chunks[0])
                for k, chunk in enumerate(chunks):
                    prepared = upcoming.result()
                    if k + 1 < len(chunks):
                        upcoming = pool.submit(self.preprocess, chunks[k + 1])
                    parts.append(run(chunk, prepared, k * size))
            preds = type(parts[0]).concat(parts)
        preds.rejected = rejected
        return preds


@dataclass
class Predictions:
    """The row protocol every writer and page reads: ``rows()`` flat for tables/CSV, ``rows(True)`` for JSONL."""

    ids: list[str]
    texts: list[str]
    embeddings: Any
    model: str
    windows: list[int] = field(default_factory=list)
    rejected = ()  # row errors for records the model could not take (set by Adapter.predict)

    @classmethod
    def concat(cls, parts: list["Predictions"]) -> "Predictions":
        """Predictions of consecutive chunks as one: per-record lists and arrays are joined in order; fields
        marked ``shared`` (label names, targets) and plain values (model name) are the same in every part."""
        values = {}
        for f in fields(cls):
            got = [getattr(p, f.name) for p in parts]
            present = [g for g in got if g is not None]  # a part with no records may have no embeddings
            first = present[0] if present else None
            if f.metadata.get("shared") or not isinstance(first, (list, np.ndarray)):
                values[f.name] = first
            elif isinstance(first, np.ndarray):
                values[f.name] = np.concatenate(present)
            else:
                values[f.name] = [x for part in present for x in part]
        return cls(**values)

    @property
    def n_windowed(self) -> int:
        return sum(1 for w in self.windows if w > 1)

    def outputs(self) -> list[tuple]:
        """The typed output fields of these predictions: ``(field, names, value)`` per field
        (:mod:`biofm.tasks.fields`), the reviewable one first. Rows, review items, map colours and metrics are
        built from them, once per field type; a task whose outputs are not fields overrides those instead."""
        return []

    def rows(self, detail: bool = False) -> list[dict]:
        """``id,text``, each output field's columns, ``windows`` and ``true_label`` (when the input had one), from
        :meth:`outputs`; ``detail``: the JSONL form (lists kept as lists)."""
        outputs = self.outputs()
        if not outputs:
            raise NotImplementedError(f"{type(self).__name__} has no output fields: it writes its own rows")
        truth = list(getattr(self, "true_labels", None) or [])
        has_truth = any(t is not None for t in truth)
        out = []
        for i, (rid, text) in enumerate(zip(self.ids, self.texts)):
            row = {"id": rid, "text": text}
            for f, names, value in outputs:
                row.update(f.columns(names, value, i, detail))
            row["windows"] = int(self.windows[i]) if i < len(self.windows) else 1
            if has_truth:
                row["true_label"] = truth[i]
            out.append(row)
        return out


class TaskKind:
    """Everything task-specific. Subclasses set the attributes and override the hooks they need."""

    name: str = ""
    order: int = 100  # place in task_names() (pages' choices, CLI help); the built-in tasks take 10 to 60
    title: str = ""
    input_kind: str = "text"
    default_model: str = ""
    adapter_class: type[Adapter] = Adapter
    verbs: tuple[str, ...] = ("predict", "explain", "embed", "train", "review")
    read_options: tuple[Option, ...] = ()
    predict_options: tuple[Option, ...] = ()
    explain_predict_options: dict = {}  # adapter options for the prediction pass behind an explanation
    keeps_rejected_rows: bool = False  # outputs keep unreadable rows in place (with their reason)
    flat_rows: bool = True  # rows() fit a CSV; False: predictions nest (entities) and are written as JSONL
    train_options: tuple[Option, ...] = ()
    train_file_types: tuple[str, ...] = ("csv",)
    upload_types: tuple[str, ...] = ("txt", "csv", "jsonl", "zip")
    explain_methods: tuple[str, ...] = ("ig", "gxi", "occlusion")
    codec: Any = None  # a biofm.review.codec.ReviewCodec
    example: str = ""  # a file in assets/examples that "Try the example" runs
    example_options: dict = {}  # read options for it (its columns)
    train_example: str = ""  # a labelled file in assets/examples to fine-tune on
    model_flags: dict = {}  # extra CLI flags naming the model, flag -> help (e.g. custom's --labels)
    page: str = ""  # the app page made for this task ("": the More tasks page runs it, from its output fields)

    # models ------------------------------------------------------------------------------------------------
    def build(self, spec, device: torch.device) -> tuple[object, torch.nn.Module]:
        """Tokenizer and model for a spec. Default: the kind's Hugging Face head class (``auto_class()``) with the
        spec's labels as its outputs (:func:`biofm.models.load.build_labelled`); a task with its own network
        overrides this."""
        auto_class = getattr(self, "auto_class", None)
        if auto_class is None:
            raise NotImplementedError(f"{self.name} builds its own network: it needs build() or auto_class()")
        from biofm.models.load import build_labelled

        return build_labelled(spec, auto_class())

    def adapter(self, loaded: LoadedModel, **options) -> Adapter:
        return self.adapter_class(loaded, **options)

    def resolve_model(self, model, settings=None):
        """A spec for ``model`` the task resolves itself (a custom task's label-set file), or None: the registry
        resolves it (a registered name, a model directory or a hub id)."""
        return None

    def claims(self, labels: Sequence[str]) -> int:
        """How well a plain Hugging Face model's labels fit this task: 0 not, 1 as a fallback, 2 specifically."""
        return 0

    # input and output --------------------------------------------------------------------------------------
    def read_example(self, **options):
        """Records and row errors of the task's example file (``None`` when the task has none)."""
        from biofm.config import EXAMPLES_DIR

        return self.read(EXAMPLES_DIR / self.example, **{**self.example_options, **options}) if self.example else None

    def read(self, path: str | Path, **options):
        """Records and row errors from a file (readers never raise on a bad row)."""
        from biofm.io import read_text_file

        return read_text_file(path, **options)

    def read_upload(self, data: bytes, filename: str, **options):
        from biofm.io import read_text_upload

        return read_text_upload(data, filename, **options)

    def read_paste(self, text: str, **options):
        from biofm.io import read_paste

        return read_paste(text, **options)

    def guess_text_column(self, columns: list[str]) -> str | None:
        from biofm.io.text import guess_column

        return guess_column(columns, "text")

    def output_rows(self, preds: Predictions, read_result=None, detail: bool = False) -> list[dict]:
        """The rows ``biofm predict`` and ``biofm batch`` write (``detail``: the JSONL form), each followed by the
        input's other columns (:func:`biofm.io.writers.with_input_columns`) when ``read_result`` holds the records
        the predictions were made for."""
        from biofm.io.writers import with_input_columns

        rows = preds.rows(detail=detail or not self.flat_rows)
        records = getattr(read_result, "records", None) or []
        if [getattr(r, "id", None) for r in records] != list(preds.ids):
            return rows
        return with_input_columns(rows, [(getattr(r, "meta", None) or {}).get("columns") for r in records])

    def output_formats(self, input_path=None) -> dict[str, str]:
        """Output suffix -> format ``biofm predict`` writes for this input (checked before any work)."""
        return {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"} if self.flat_rows else {".jsonl": "jsonl",
                                                                                          ".json": "jsonl"}

    def write(self, preds: Predictions, out: Path, read_result=None) -> None:
        """Write predictions by the output's suffix: CSV rows, or JSONL detail rows."""
        detail = out.suffix.lower() in (".jsonl", ".json") or not self.flat_rows
        write_rows(self.output_rows(preds, read_result, detail), out, fmt="jsonl" if detail else None)

    def summary(self, preds: Predictions) -> str:
        return f"{len(preds.ids)} prediction(s)"

    # explanations ------------------------------------------------------------------------------------------
    def targets(self, preds: Predictions, i: int) -> list:
        """What can be explained for document ``i``; the predicted target first (default: from the first output
        field, :meth:`biofm.tasks.fields.OutputField.targets`)."""
        outputs = preds.outputs()
        if not outputs:
            raise NotImplementedError(f"{self.name} names its own explanation targets")
        f, names, value = outputs[0]
        return f.targets(names, value, i)

    def target_label(self, preds: Predictions, i: int, target) -> str:
        return str(target)

    def target_from_text(self, preds: Predictions, i: int, text: str | None) -> list:
        """Targets named on the command line (None: the default, predicted target)."""
        targets = self.targets(preds, i)
        if text is None:
            return targets[:1]
        return [t for t in targets if text in (str(t), self.target_label(preds, i, t))] or [text]

    def cli_targets(self, preds: Predictions, i: int, target: str | None, span: str | None = None) -> list:
        """Targets from the command line's ``--target`` (and ``--entity START-END`` for span tasks)."""
        return self.target_from_text(preds, i, target)

    def explain(self, loaded: LoadedModel, text: str, target, method: str = "ig", **options):
        from biofm.explain import attribute

        return attribute(loaded, text, target, method, objective=self.objective, **options)

    objective: Any = None  # a biofm.explain.attribution objective (None: class probability)

    # maps --------------------------------------------------------------------------------------------------
    def colour_columns(self, preds: Predictions, records: Sequence) -> dict[str, list]:
        """Columns a map can be coloured by (name -> one value per item): every output field's
        (:meth:`biofm.tasks.fields.OutputField.colours`), the true label of the records beside the first."""
        truth = [getattr(r, "label", None) for r in records]
        cols: dict[str, list] = {}
        for k, (f, names, value) in enumerate(preds.outputs()):
            cols.update(f.colours(names, value, truth if k == 0 else None))
        return cols

    def evaluate(self, loaded: LoadedModel, records: Sequence) -> dict:
        """Scores of a model on labelled records, for comparing models (tasks with the 'compare' verb)."""
        raise NotImplementedError(f"{self.name} models cannot be compared on a dev file yet")

    def colour_map(self) -> dict[str, str] | None:
        """Fixed colours for categorical values on maps (None: a default palette)."""
        return None

    def has_reference(self, spec) -> bool:
        """Whether the model ships training inputs to overlay (cheap: reads nothing big)."""
        return False

    def reference_records(self, spec, limit: int = 1000) -> list | None:
        """Up to ``limit`` of the model's training inputs (a seeded sample), to overlay on a map (None where the
        model does not ship them)."""
        return None

    # training ----------------------------------------------------------------------------------------------
    def check_training_file(self, path: str | Path, config: dict) -> str:
        raise NotImplementedError

    def train(self, config: dict, progress: Callable[[dict], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> str:
        """Train a model from ``config`` (the train options' values); writes weights, spec and card; a summary."""
        raise NotImplementedError

    def option_defaults(self) -> dict:
        return {o.name: o.default for o in self.train_options}

    def training_config(self, values: dict) -> dict:
        """The task's defaults overlaid with the given values (one set of defaults for CLI, page and jobs)."""
        known = {o.name for o in self.train_options}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training option(s) for {self.name}: {', '.join(unknown)}")
        config = {**self.option_defaults(), **{k: v for k, v in values.items() if v is not None}}
        missing = [o.flag for o in self.train_options if o.required and config.get(o.name) in (None, "")]
        if missing:
            raise ValueError(f"training {self.name} needs {', '.join(missing)}")
        return config

    def command_line(self, config: dict) -> str:
        """The ``biofm train`` command that reproduces ``config`` (for the model card)."""
        import shlex

        parts = ["biofm", "train", self.name]
        for o in self.train_options:
            value = config.get(o.name)
            if value is None or value == o.default or o.name == "resume":
                continue
            if o.type is bool:
                parts.append(o.flag) if value else None
            else:
                parts += [o.flag, ",".join(map(str, value)) if isinstance(value, list) else str(value)]
        return " ".join(shlex.quote(p) for p in parts)


def common_train_options(*, epochs: int, batch_size: int, lr: float | None = None, method: str | None = "lora",
                         max_length: int | None = 256, base: bool | str = True) -> tuple[Option, ...]:
    """The options every trainer takes, with the task's own defaults (``base="auto"``: adapt the task's shipped
    model when the file's labels are among its labels, see :func:`biofm.train.common.start_model`)."""
    opts = [Option("train", "training file", required=True), Option("dev", "dev file (default: a split of --train)"),
            Option("out", "output model directory", required=True), Option("name", "model name (default: out's name)"),
            Option("epochs", "epochs", epochs, int), Option("lr", "learning rate (default: by method)", lr, float),
            Option("batch_size", "batch size", batch_size, int), Option("seed", "random seed", 13, int),
            Option("device", "auto, cpu or cuda", "auto", choices=("auto", "cpu", "cuda")),
            Option("description", "one line for the card", ""), Option("licence", "data licence for the card", "")]
    if method is not None:
        opts.append(Option("method", "LoRA or full fine-tuning", method, choices=("lora", "full")))
    if max_length is not None:
        opts.append(Option("max_length", "tokens per training example", max_length, int))
    if base == "auto":
        opts.append(Option("base", "model to start from: auto (the task's shipped model when the file's labels are "
                                   "among its labels, else a new classifier on the embedded encoder), a registered "
                                   "model's name or directory, or an encoder: embedded, a directory or a hub id",
                           "auto"))
    elif base:
        opts.append(Option("base", "base encoder: embedded, a directory or a hub id", "embedded:all-MiniLM-L6-v2"))
    opts.append(Option("resume", "continue from the checkpoint in --out", False, bool))
    return tuple(opts)

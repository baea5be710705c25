"""A label set: the user's own labels, each with a one-line description, single- or multi-label.

Stored as ``labels.json`` (mode 0600) in the custom model's folder (``<data dir>/models/<name>/`` by default) or
anywhere the user keeps it. ``--labels`` on the command line takes such a file or the model folder holding it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from biofm.models.spec import EMBEDDED_BASE

LABELS_FILE = "labels.json"
MAX_DESCRIPTION = 300  # characters: a one-line description, not a guideline document
MAX_NAME = 60
from biofm.tasks.fields import LABEL_SEPARATOR  # noqa: E402  (between labels of one item in a multi-label CSV cell)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class LabelSetError(ValueError):
    """A label set that cannot be used; the message names the label and what is wrong."""


@dataclass(frozen=True)
class Label:
    name: str
    description: str


@dataclass(frozen=True)
class LabelSet:
    """The user's labels. ``multi_label``: an item may carry any number of them (else exactly one).

    ``encoder`` is the sentence encoder zero-shot and few-shot start from: ``embedded:all-MiniLM-L6-v2`` (default),
    an encoder directory or ``hub:owner/name``. Raises :class:`LabelSetError` on: a bad set name, fewer than 2
    labels for single-label (1 for multi-label), an empty or duplicate (case-insensitive) label name, a name holding
    ``;`` (the multi-label separator) or a line break, an empty or multi-line description."""

    name: str
    labels: tuple[Label, ...]
    multi_label: bool = False
    encoder: str = EMBEDDED_BASE
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        if not NAME.match(self.name or ""):
            raise LabelSetError(f"a label set's name holds 1-64 letters, digits, '.', '_' or '-' and starts with a "
                                f"letter or digit (got {self.name!r})")
        need = 1 if self.multi_label else 2
        if len(self.labels) < need:
            raise LabelSetError(f"a {'multi' if self.multi_label else 'single'}-label set needs at least {need} "
                                f"label(s), got {len(self.labels)}" + ("" if self.multi_label else
                                                                       " (one label alone is a multi-label set)"))
        seen: dict[str, str] = {}
        for i, lab in enumerate(self.labels, start=1):
            if not isinstance(lab, Label):
                raise LabelSetError(f"label {i}: expected a name and a description, got {lab!r}")
            name = (lab.name or "").strip()
            if not name:
                raise LabelSetError(f"label {i}: the name is empty")
            if name != lab.name:
                raise LabelSetError(f"label {i} ({lab.name!r}): the name has leading or trailing spaces")
            if len(name) > MAX_NAME or LABEL_SEPARATOR in name or "\n" in name or "\r" in name:
                raise LabelSetError(f"label {name!r}: a name is one line of at most {MAX_NAME} characters without "
                                    f"{LABEL_SEPARATOR!r}")
            if name.casefold() in seen:
                raise LabelSetError(f"label {name!r} appears twice (as {seen[name.casefold()]!r} too); names are "
                                    "compared ignoring case")
            seen[name.casefold()] = name
            desc = (lab.description or "").strip()
            if not desc:
                raise LabelSetError(f"label {name!r}: the description is empty; zero-shot suggestions are computed "
                                    "from it, so say in one line what the label means")
            if "\n" in desc or "\r" in desc or len(desc) > MAX_DESCRIPTION:
                raise LabelSetError(f"label {name!r}: the description is one line of at most {MAX_DESCRIPTION} "
                                    f"characters (got {len(desc)} characters"
                                    f"{', with line breaks' if chr(10) in desc or chr(13) in desc else ''})")

    @property
    def names(self) -> list[str]:
        return [lab.name for lab in self.labels]

    @property
    def descriptions(self) -> list[str]:
        return [lab.description.strip() for lab in self.labels]

    def prompts(self) -> list[str]:
        """The text embedded for each label in zero-shot: ``"<name>: <description>"``."""
        return [f"{lab.name}: {lab.description.strip()}" for lab in self.labels]

    def to_json(self) -> dict:
        return {"name": self.name, "multi_label": self.multi_label, "encoder": self.encoder,
                "labels": [{"name": lab.name, "description": lab.description.strip()} for lab in self.labels],
                **({"meta": self.meta} if self.meta else {})}

    @classmethod
    def from_json(cls, data, source: str = "label set") -> "LabelSet":
        if not isinstance(data, dict):
            raise LabelSetError(f"{source}: expected a JSON object with 'name' and 'labels'")
        labels = data.get("labels")
        if not isinstance(labels, list):
            raise LabelSetError(f"{source}: 'labels' must be a list of {{'name': ..., 'description': ...}}")
        parsed = []
        for i, lab in enumerate(labels, start=1):
            if not isinstance(lab, dict) or not isinstance(lab.get("name", ""), str) \
                    or not isinstance(lab.get("description", ""), str):
                raise LabelSetError(f"{source}: label {i} must be an object with a text 'name' and 'description'")
            parsed.append(Label(lab.get("name", ""), lab.get("description", "")))
        multi = data.get("multi_label", False)
        if not isinstance(multi, bool):
            raise LabelSetError(f"{source}: 'multi_label' must be true or false, got {multi!r}")
        try:
            return cls(name=str(data.get("name", "")), labels=tuple(parsed), multi_label=multi,
                       encoder=str(data.get("encoder") or EMBEDDED_BASE), meta=dict(data.get("meta") or {}))
        except LabelSetError as exc:
            raise LabelSetError(f"{source}: {exc}") from None


def label_set(name: str, labels: dict[str, str] | list[tuple[str, str]], multi_label: bool = False,
              encoder: str = EMBEDDED_BASE) -> LabelSet:
    """A label set from ``{name: description}`` (or ``[(name, description), ...]``)."""
    pairs = labels.items() if isinstance(labels, dict) else labels
    return LabelSet(name, tuple(Label(n, d) for n, d in pairs), multi_label, encoder)


def label_set_path(path: str | Path) -> Path:
    """The ``labels.json`` behind ``path``: the file itself, or the one in a model folder."""
    path = Path(path).expanduser()
    return path / LABELS_FILE if path.is_dir() else path


def load_label_set(path: str | Path) -> LabelSet:
    """Read a label set from a JSON file or a custom model folder; :class:`LabelSetError` names the problem."""
    file = label_set_path(path)
    if not file.is_file():
        where = f"{path} holds no {LABELS_FILE}" if Path(path).is_dir() else f"{path}: no such file"
        raise LabelSetError(f"{where}; a label set is a JSON file with a name and labels, each with a description")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LabelSetError(f"{file}: not valid JSON ({exc})") from None
    return LabelSet.from_json(data, str(file))


def save_label_set(ls: LabelSet, path: str | Path) -> Path:
    """Write ``ls`` to a JSON file (or ``labels.json`` in a folder), readable by its owner only (0600)."""
    path = Path(path).expanduser()
    file = path / LABELS_FILE if path.is_dir() or not path.suffix else path
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(file.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(ls.to_json(), indent=2, ensure_ascii=False) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, file)
    return file

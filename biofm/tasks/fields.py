"""Typed output fields: what a task's predictions are made of, and everything written once per field type.

A task declares its outputs as fields (in the spirit of LIT's output specs): :class:`ClassProbs` (one label per
item, softmax probabilities ``[n, L]``), :class:`MultiLabelProbs` (any number of labels per item, independent
probabilities ``[n, L]`` and a threshold per label), :class:`Values` (regression values ``[n, T]``, with units) and
:class:`Spans` (character spans per item). Embeddings ``[n, d]`` are on every :class:`~biofm.tasks.base.Predictions`.

Each field type writes, once for every task that has it:

- its columns of a flat row (CSV) and its part of a detail row (JSONL): :meth:`OutputField.columns`;
- the colour columns of maps: :meth:`OutputField.colours`;
- the stored review prediction, the reviewable value, the editor table, export columns and per-label agreement:
  :attr:`OutputField.codec` (a :class:`~biofm.review.codec.ReviewCodec`);
- dev metrics against reviewed or true values: :meth:`OutputField.metrics`;
- the head's probabilities from logits and the explanation's score of one target: :meth:`OutputField.from_logits`,
  :meth:`OutputField.score`;
- the page panel that shows it: :attr:`OutputField.panel` (drawn by ``webui/panels.py``).

``names`` below are the model's label (or target, or entity type) names, in the order of the last axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from biofm.review.codec import Editor, ReviewCodec
from biofm.review.spans import SpanCodec

LABEL_SEPARATOR = ";"  # multi-label values in one CSV cell: ``smoker;adverse drug event``


def split_labels(value) -> list[str]:
    """A multi-label cell as label names: a list as it is, ``"a;b"`` split on ``;`` (blank: no label)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in str(value).split(LABEL_SEPARATOR) if p.strip()]


class OutputField:
    """One typed output of a task. Subclasses implement the hooks for their field type."""

    type_name = ""
    panel = ""  # the webui panel drawing this field type
    score_help = "score: the model's confidence in its prediction."  # what the table's score columns mean
    codec: ReviewCodec = None

    def __init__(self, name: str = "prediction") -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # rows --------------------------------------------------------------------------------------------------
    def columns(self, names: Sequence[str], value, i: int, detail: bool = False) -> dict:
        raise NotImplementedError

    def colours(self, names: Sequence[str], value, truth: Sequence | None = None) -> dict[str, list]:
        raise NotImplementedError

    def confidence(self, names: Sequence[str], value) -> np.ndarray:
        """Per item, in [0, 1]: how sure the model is (review orders and accepts by it)."""
        return np.ones(len(value))

    # review ------------------------------------------------------------------------------------------------
    def prediction(self, names: Sequence[str], value, i: int) -> dict:
        """The stored review prediction of item ``i`` (JSON); ``codec.value`` of it is what 'accept' records."""
        raise NotImplementedError

    def targets(self, names: Sequence[str], value, i: int) -> list[str]:
        """What an explanation of item ``i`` can take, the predicted target first."""
        return list(names)

    # metrics -----------------------------------------------------------------------------------------------
    def metrics(self, names: Sequence[str], gold: Sequence, value) -> dict:
        """Scores of the predictions against gold values (review-value form, one per item)."""
        raise NotImplementedError

    # the head ----------------------------------------------------------------------------------------------
    def from_logits(self, logits: np.ndarray) -> np.ndarray:
        """The field's value from the head's outputs ``[n, L]``."""
        return np.asarray(logits, dtype=np.float32)

    def score(self, logits: torch.Tensor, j: int) -> torch.Tensor:
        """What an explanation of target ``j`` attributes: a scalar per row of ``logits`` ``[b, L]``."""
        return logits.float()[:, j]

    def loss(self):
        """The training objective for this field's head (a torch loss taking logits and targets)."""
        raise NotImplementedError

    def targets_tensor(self, names: Sequence[str], gold: Sequence) -> torch.Tensor:
        """Training targets from gold values (review-value form)."""
        raise NotImplementedError

    def gold(self, names: Sequence[str], raw) -> dict:
        """A reviewed or true value in review-value form from a file's cell (``raw``); ValueError names the
        problem."""
        raise NotImplementedError


# one label per item ------------------------------------------------------------------------------------------
class ClassCodec(ReviewCodec):
    """Review of a :class:`ClassProbs` field: ``{"label": name}``, a choice of the model's labels; exports
    ``id,text,label``. (The base ReviewCodec is this codec; the class names it.)"""


class ClassProbs(OutputField):
    """One label per item: softmax probabilities ``[n, L]`` over ``names``; the decision is the argmax.

    Columns ``label, score, p_<name>...``; maps: prediction, confidence, true label, correct; metrics: macro-F1
    and accuracy (scikit-learn) over the labels the gold values hold."""

    type_name = "class probabilities"
    panel = "class_counts"
    score_help = "score: the probability of the predicted label; p_<label>: each label's probability."
    codec = ClassCodec()

    def labels(self, names, value) -> list[str]:
        return [names[int(j)] for j in np.asarray(value).argmax(-1)] if len(value) else []

    def columns(self, names, value, i, detail=False) -> dict:
        p = value[i]
        row = {"label": names[int(p.argmax())], "score": round(float(p.max()), 6)}
        row.update({f"p_{n}": round(float(x), 6) for n, x in zip(names, p)})
        return row

    def confidence(self, names, value) -> np.ndarray:
        return np.asarray(value, dtype=np.float64).max(-1) if len(value) else np.zeros(0)

    def colours(self, names, value, truth=None) -> dict[str, list]:
        pred = self.labels(names, value)
        cols = {"prediction": pred, "confidence": [float(x) for x in self.confidence(names, value)]}
        if truth is not None and any(t is not None for t in truth):
            cols["true label"] = [t if t is not None else "(none)" for t in truth]
            cols["correct"] = ["(no label)" if t is None else ("correct" if t == p else "wrong")
                               for t, p in zip(truth, pred)]
        return cols

    def prediction(self, names, value, i) -> dict:
        p = value[i]
        return {"label": names[int(p.argmax())], "probs": {n: round(float(x), 5) for n, x in zip(names, p)}}

    def targets(self, names, value, i) -> list[str]:
        top = names[int(np.asarray(value[i]).argmax())]
        return [top] + [n for n in names if n != top]

    def metrics(self, names, gold, value) -> dict:
        from sklearn.metrics import accuracy_score, f1_score

        y, pred = [g["label"] for g in gold], self.labels(names, value)
        present = sorted(set(y))
        per = f1_score(y, pred, labels=present, average=None, zero_division=0)
        return {"macro_f1": float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
                "accuracy": float(accuracy_score(y, pred)), "n": len(y),
                "per_label": {n: {"f1": float(f)} for n, f in zip(present, per)}}

    def from_logits(self, logits) -> np.ndarray:
        z = np.asarray(logits, dtype=np.float64)
        z = np.exp(z - z.max(-1, keepdims=True))
        return (z / z.sum(-1, keepdims=True)).astype(np.float32)

    def score(self, logits, j):
        return logits.float().softmax(-1)[:, j]

    def loss(self):
        return torch.nn.CrossEntropyLoss()

    def targets_tensor(self, names, gold) -> torch.Tensor:
        index = {n: k for k, n in enumerate(names)}
        return torch.tensor([index[g["label"]] for g in gold])

    def gold(self, names, raw) -> dict:
        label = "" if raw is None else str(raw).strip()
        if label not in names:
            raise ValueError(f"label {label!r} is not one of {', '.join(names)}")
        return {"label": label}


# any number of labels per item -------------------------------------------------------------------------------
class MultiLabelCodec(ReviewCodec):
    """Review of a :class:`MultiLabelProbs` field: ``{"labels": [names]}``, a tick box per label; exports
    ``id,text,labels`` with the names joined by ``;``. Agreement is per label (given or not) and over the whole
    set."""

    def value(self, prediction: dict) -> dict:
        return {"labels": list(prediction["labels"])}

    def explain_targets(self, prediction: dict, labels) -> list:
        given = list(prediction["labels"])
        return given + [lab for lab in labels if lab not in given]

    def label_names(self, values, labels) -> list[str]:
        return list(labels) if labels else sorted({n for v in values for n in v["labels"]})

    def label_value(self, value: dict, name: str):
        return name in value["labels"]

    def overall_value(self, value: dict):
        return LABEL_SEPARATOR.join(sorted(value["labels"]))

    def is_positive(self, value: dict, name: str) -> bool:
        return name in value["labels"]

    def csv_rows(self, rows, labels):
        return ["id", self.text_header, "labels"], [[v.external_id, v.text, LABEL_SEPARATOR.join(val["labels"])]
                                                     for v, val in rows]

    def editor(self, text: str, prediction: dict, labels) -> Editor:
        probs, given = prediction.get("probs", {}), set(prediction["labels"])
        rows = [{"label": n, "model": f"{probs[n]:.2f}" if n in probs else "", "reviewed": n in given}
                for n in labels]
        return Editor(rows, ["reviewed"], help="tick every label the item has")

    def from_editor(self, rows: list[dict], text: str):
        return {"labels": [r["label"] for r in rows if bool(r.get("reviewed"))]}, None


class MultiLabelProbs(OutputField):
    """Any number of labels per item: an independent probability per label ``[n, L]``; label ``j`` is given when
    ``p_j >= threshold_j`` (default 0.5 each; a trainer may choose them on held-out data).

    Columns ``labels`` (names joined by ``;``; detail rows: a list), ``score``, ``p_<name>...``; maps: one yes/no
    column per label, confidence and ``p(<name>)``; metrics: macro-F1 over the labels given or predicted on the
    items, micro-F1 and exact match (scikit-learn on the indicator matrix), per-label F1."""

    type_name = "multi-label probabilities"
    panel = "label_prevalence"
    score_help = ("score: the confidence of the least sure label decision (p for a label given, 1 − p for one "
                  "withheld); p_<label>: each label's own probability.")
    codec = MultiLabelCodec()

    def __init__(self, name: str = "prediction", thresholds: Sequence[float] | None = None) -> None:
        super().__init__(name)
        self.thresholds = None if thresholds is None else [float(t) for t in thresholds]

    def _t(self, n_labels: int) -> np.ndarray:
        return np.full(n_labels, 0.5) if self.thresholds is None else np.asarray(self.thresholds, dtype=np.float64)

    def decisions(self, value) -> np.ndarray:
        """0/1 per label ``[n, L]``."""
        value = np.asarray(value, dtype=np.float64)
        return (value >= self._t(value.shape[1])).astype(int) if value.size else np.zeros(value.shape, int)

    def labels(self, names, value) -> list[list[str]]:
        return [[names[j] for j in np.flatnonzero(row)] for row in self.decisions(value)]

    def columns(self, names, value, i, detail=False) -> dict:
        given = self.labels(names, value[i:i + 1])[0]
        row = {"labels": given if detail else LABEL_SEPARATOR.join(given),
               "score": round(float(self.confidence(names, value[i:i + 1])[0]), 6)}
        row.update({f"p_{n}": round(float(x), 6) for n, x in zip(names, value[i])})
        return row

    def confidence(self, names, value) -> np.ndarray:
        """The least sure of the label decisions: ``min_j`` of ``p_j`` (given) or ``1 - p_j`` (withheld)."""
        value = np.asarray(value, dtype=np.float64)
        if value.shape[0] == 0:
            return np.zeros(0)
        return np.where(self.decisions(value) == 1, value, 1 - value).min(-1)

    def colours(self, names, value, truth=None) -> dict[str, list]:
        given = self.labels(names, value)
        cols: dict[str, list] = {n: ["yes" if n in g else "no" for g in given] for n in names}
        cols["confidence"] = [float(x) for x in self.confidence(names, value)]
        cols.update({f"p({n})": [float(x) for x in np.asarray(value)[:, j]] for j, n in enumerate(names)})
        if truth is not None and any(t is not None for t in truth):  # the file has true labels: an empty cell
            cols["true labels"] = [LABEL_SEPARATOR.join(split_labels(t)) or "(no label)" for t in truth]  # is none
        return cols

    def prediction(self, names, value, i) -> dict:
        return {"labels": self.labels(names, value[i:i + 1])[0],
                "probs": {n: round(float(x), 5) for n, x in zip(names, value[i])},
                "thresholds": dict(zip(names, (float(t) for t in self._t(len(names)))))}

    def targets(self, names, value, i) -> list[str]:
        """The labels given (most probable first), then the others (most probable first)."""
        given = self.decisions(value[i:i + 1])[0]
        order = sorted(range(len(names)), key=lambda j: (-int(given[j]), -float(value[i][j]), j))
        return [names[j] for j in order]

    def indicator(self, names, gold) -> np.ndarray:
        index = {n: k for k, n in enumerate(names)}
        y = np.zeros((len(gold), len(names)), int)
        for r, g in enumerate(gold):
            for n in g["labels"]:
                y[r, index[n]] = 1
        return y

    def metrics(self, names, gold, value) -> dict:
        from sklearn.metrics import f1_score

        y, d = self.indicator(names, gold), self.decisions(value)
        per = f1_score(y, d, average=None, zero_division=0)
        # macro over the labels that occur (given or predicted) on these items: a label absent from both says
        # nothing about the model and would count as F1 0
        present = [j for j in range(len(names)) if y[:, j].any() or d[:, j].any()]
        macro = float(np.mean(per[present])) if present else 0.0
        return {"macro_f1": macro,
                "micro_f1": float(f1_score(y, d, average="micro", zero_division=0)),
                "exact_match": float((y == d).all(1).mean()) if len(y) else 0.0, "n": len(gold),
                "per_label": {n: {"f1": float(f)} for n, f in zip(names, per)}}

    def from_logits(self, logits) -> np.ndarray:
        return (1 / (1 + np.exp(-np.asarray(logits, dtype=np.float64)))).astype(np.float32)

    def score(self, logits, j):
        return torch.sigmoid(logits.float()[:, j])

    def loss(self):
        return _FloatTargets(torch.nn.BCEWithLogitsLoss())

    def targets_tensor(self, names, gold) -> torch.Tensor:
        return torch.tensor(self.indicator(names, gold), dtype=torch.float32)

    def gold(self, names, raw) -> dict:
        given = split_labels(raw)
        unknown = [n for n in given if n not in names]
        if unknown:
            raise ValueError(f"label(s) {', '.join(map(repr, unknown))} not among {', '.join(names)}")
        return {"labels": sorted(set(given), key=list(names).index)}


class _FloatTargets(torch.nn.Module):
    def __init__(self, loss) -> None:
        super().__init__()
        self.inner = loss

    def forward(self, logits, y):
        return self.inner(logits.float(), y.float())


# regression values -------------------------------------------------------------------------------------------
class ValuesCodec(ReviewCodec):
    """Review of a :class:`Values` field: ``{"values": {target: number}}``, a number per target; exports
    ``id,text,<target>...``."""

    def value(self, prediction: dict) -> dict:
        return {"values": dict(prediction["values"])}

    def explain_targets(self, prediction: dict, labels) -> list:
        return list(prediction["values"])

    def label_names(self, values, labels) -> list[str]:
        return list(labels) if labels else sorted({k for v in values for k in v["values"]})

    def label_value(self, value: dict, name: str):
        return value["values"].get(name)

    def overall_value(self, value: dict):
        return None

    def is_positive(self, value: dict, name: str) -> bool:
        return False

    def metrics(self, rows, labels) -> dict[str, dict]:
        out = {}
        for name in self.label_names([val for _, val in rows], labels):
            pairs = [(float(val["values"][name]), float(v.prediction["values"][name])) for v, val in rows
                     if val["values"].get(name) is not None]
            if pairs:
                g, p = np.array(pairs).T
                out[name] = {"rmse": float(np.sqrt(np.mean((g - p) ** 2))), "mae": float(np.mean(np.abs(g - p))),
                             "n": len(pairs)}
        return out

    def csv_rows(self, rows, labels):
        names = self.label_names([val for _, val in rows], labels)
        return ["id", self.text_header, *names], [[v.external_id, v.text, *(val["values"].get(n) for n in names)]
                                                   for v, val in rows]

    def editor(self, text: str, prediction: dict, labels) -> Editor:
        rows = [{"target": n, "model": round(float(x), 4), "reviewed": float(x)}
                for n, x in prediction["values"].items()]
        return Editor(rows, ["reviewed"], help="the measured value of each target")

    def from_editor(self, rows: list[dict], text: str):
        out = {}
        for r in rows:
            try:
                out[r["target"]] = float(r["reviewed"])
            except (TypeError, ValueError):
                return None, f"{r['target']}: {r['reviewed']!r} is not a number"
            if not math.isfinite(out[r["target"]]):
                return None, f"{r['target']}: the value must be a finite number"
        return {"values": out}, None


class Values(OutputField):
    """Regression values ``[n, T]``, one per target name, in ``units`` (one unit string per target, or one for
    all). Columns ``<target>``; maps: one colour column per target; metrics: RMSE and MAE per target and their
    mean; the head is trained with mean squared error."""

    type_name = "regression values"
    panel = "value_histograms"
    score_help = "<target>: the predicted value of each target, in its units (no score column)."
    codec = ValuesCodec()

    def __init__(self, name: str = "prediction", units: Sequence[str] | str = "") -> None:
        super().__init__(name)
        self.units = units

    def unit(self, names, j: int) -> str:
        return self.units if isinstance(self.units, str) else self.units[j]

    def columns(self, names, value, i, detail=False) -> dict:
        return {n: round(float(x), 6) for n, x in zip(names, value[i])}

    def colours(self, names, value, truth=None) -> dict[str, list]:
        value = np.asarray(value)
        return {n + (f" ({self.unit(names, j)})" if self.unit(names, j) else ""): [float(x) for x in value[:, j]]
                for j, n in enumerate(names)}

    def prediction(self, names, value, i) -> dict:
        return {"values": {n: round(float(x), 6) for n, x in zip(names, value[i])}}

    def metrics(self, names, gold, value) -> dict:
        value = np.asarray(value, dtype=np.float64)
        per = {}
        for j, n in enumerate(names):
            rows = [(float(g["values"][n]), value[r, j]) for r, g in enumerate(gold) if g["values"].get(n) is not None]
            if rows:
                g, p = np.array(rows).T
                per[n] = {"rmse": float(np.sqrt(np.mean((g - p) ** 2))), "mae": float(np.mean(np.abs(g - p)))}
        return {"rmse": float(np.mean([v["rmse"] for v in per.values()])) if per else float("nan"),
                "mae": float(np.mean([v["mae"] for v in per.values()])) if per else float("nan"),
                "per_target": per, "n": len(gold)}

    def loss(self):
        return _FloatTargets(torch.nn.MSELoss())

    def targets_tensor(self, names, gold) -> torch.Tensor:
        return torch.tensor([[float(g["values"][n]) for n in names] for g in gold], dtype=torch.float32)

    def gold(self, names, raw) -> dict:
        if not isinstance(raw, dict):
            raise ValueError("a regression value needs one number per target")
        out = {}
        for n in names:
            try:
                out[n] = float(raw[n])
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{n}: {raw.get(n)!r} is not a number") from None
        return {"values": out}


# character spans ---------------------------------------------------------------------------------------------
class Spans(OutputField):
    """Character spans per item: ``[{"start", "end", "label", "text", "score"}, ...]`` (end exclusive), the
    label one of ``names`` (entity types). Flat columns: ``n_entities`` and ``types``; detail rows: the list;
    maps: the number of spans, the mentions of each type and the least span score; metrics: strict span precision, recall and F1
    per type and micro-averaged overall (:func:`biofm.train.metrics.span_prf`)."""

    type_name = "spans"
    panel = "span_counts"

    codec = SpanCodec()

    def columns(self, names, value, i, detail=False) -> dict:
        spans = [dict(s) for s in value[i]]
        if detail:
            return {"entities": spans}
        return {"n_entities": len(spans), "types": LABEL_SEPARATOR.join(sorted({s["label"] for s in spans}))}

    def confidence(self, names, value) -> np.ndarray:
        return np.array([min((float(s.get("score", 1.0)) for s in spans), default=1.0) for spans in value])

    def colours(self, names, value, truth=None) -> dict[str, list]:
        cols: dict[str, list] = {"entities": [len(spans) for spans in value]}
        for n in sorted(set(names) | {s["label"] for spans in value for s in spans}):
            cols[f"{n} mentions"] = [sum(s["label"] == n for s in spans) for spans in value]
        cols["confidence"] = [float(x) for x in self.confidence(names, value)]
        return cols

    def prediction(self, names, value, i) -> dict:
        return {"entities": [{k: s[k] for k in ("start", "end", "label", "text", "score") if k in s}
                             for s in value[i]]}

    def metrics(self, names, gold, value) -> dict:
        from biofm.train.metrics import span_prf

        def key(spans):
            return {(s["label"], int(s["start"]), int(s["end"])) for s in spans}
        scores = span_prf((key(g["entities"]), key(p)) for g, p in zip(gold, value))
        o = scores["overall"]
        return {"entity_f1": o["f1"], "precision": o["precision"], "recall": o["recall"], "per_type": scores,
                "n": len(gold)}


FIELD_TYPES: tuple[type[OutputField], ...] = (ClassProbs, MultiLabelProbs, Values, Spans)

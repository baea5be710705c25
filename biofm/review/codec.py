"""A task's review codec: prediction -> editable annotation -> training row. The store and page use only this.

Every annotation is edited as a small table (one row per label, entity, observation or target): the codec says how
to turn a stored prediction into that table, how to read a corrected table back, and how reviewed values are
scored, compared between reviewers and exported in the format the task's trainer reads.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Editor:
    """The table a reviewer edits: rows, which columns can change, the choices per column, rows addable."""

    rows: list[dict]
    editable: list[str]
    options: dict[str, list] = field(default_factory=dict)
    dynamic: bool = False
    help: str = ""


class ReviewCodec:
    """Base codec for one label per item (a classifier): override for structured annotations."""

    export_formats: tuple[str, ...] = ("csv", "jsonl")
    text_header = "text"

    def items(self, preds) -> list[dict]:
        """Review items: external_id, text, prediction (JSON), confidence. Written once for predictions made of
        typed output fields (:meth:`biofm.tasks.base.Predictions.outputs`): the first field's prediction and
        confidence, plus the input's true label where it had one; other tasks override this."""
        outputs = preds.outputs() if hasattr(preds, "outputs") else []
        if not outputs:
            raise NotImplementedError(f"{type(self).__name__} needs items() for {type(preds).__name__}")
        f, names, value = outputs[0]
        conf = f.confidence(names, value)
        truth = list(getattr(preds, "true_labels", None) or []) or [None] * len(preds.ids)
        return [{"external_id": rid, "text": text, "confidence": float(conf[i]),
                 "prediction": {**f.prediction(names, value, i),
                                **({"true_label": truth[i]} if truth[i] is not None else {})}}
                for i, (rid, text) in enumerate(zip(preds.ids, preds.texts))]

    def value(self, prediction: dict) -> dict:
        """The reviewable part of a stored prediction (what 'accept' records)."""
        return {"label": prediction["label"]}

    def explain_targets(self, prediction: dict, labels: Sequence[str]) -> list:
        """Targets an explanation of this item can take, the prediction first ([]: the card offers none)."""
        predicted = prediction.get("label")
        return [predicted] + [lab for lab in labels if lab != predicted] if predicted is not None else []

    def label_names(self, values: Sequence[dict], labels: Sequence[str]) -> list[str]:
        return sorted({v["label"] for v in values})

    def label_value(self, value: dict, name: str):
        """What two reviewers are compared on for one label (kappa): here, whether the item is that class."""
        return value["label"] == name

    def overall_value(self, value: dict):
        """What two reviewers are compared on over all labels (None: no overall row)."""
        return value.get("label")

    def is_positive(self, value: dict, name: str) -> bool:
        return value["label"] == name

    def metrics(self, rows: Sequence[tuple], labels: Sequence[str]) -> dict[str, dict]:
        """Precision/recall/F1 of the model's predictions against reviewed values, per label name."""
        from sklearn.metrics import precision_recall_fscore_support

        out = {}
        for name in self.label_names([val for _, val in rows], labels):
            gold = [self.is_positive(val, name) for _, val in rows]
            pred = [self.is_positive(self.value(v.prediction), name) for v, _ in rows]
            if not any(gold) and not any(pred):  # neither reviewed nor predicted here: nothing to score
                continue
            p, r, f, _ = precision_recall_fscore_support(gold, pred, average="binary", zero_division=0)
            out[name] = {"precision": float(p), "recall": float(r), "f1": float(f), "reviewed as this": sum(gold),
                         "predicted as this": sum(pred), "n": len(gold)}
        return out

    def csv_rows(self, rows: Sequence[tuple], labels: Sequence[str]) -> tuple[list[str], list[list]]:
        return ["id", self.text_header, "label"], [[v.external_id, v.text, val["label"]] for v, val in rows]

    def export(self, rows: Sequence[tuple], fmt: str, labels: Sequence[str]) -> bytes:
        """Reviewed items in a format the task's trainer reads."""
        if fmt == "jsonl":
            return "".join(json.dumps({"id": v.external_id, "text": v.text, **val}, ensure_ascii=False) + "\n"
                           for v, val in rows).encode("utf-8")
        if fmt != "csv":
            raise ValueError(f"format must be one of {', '.join(self.export_formats)}")
        header, body = self.csv_rows(rows, labels)
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(body)
        return buf.getvalue().encode("utf-8")

    def train_export_format(self) -> str:
        return "csv"

    # editing -----------------------------------------------------------------------------------------------
    def editor(self, text: str, prediction: dict, labels: Sequence[str]) -> Editor:
        probs = prediction.get("probs", {})
        model = prediction["label"] + (f" ({probs[prediction['label']]:.2f})" if prediction["label"] in probs else "")
        return Editor([{"field": "label", "model": model, "reviewed": prediction["label"]}], ["reviewed"],
                      {"reviewed": list(labels)})

    def from_editor(self, rows: list[dict], text: str) -> tuple[dict | None, str | None]:
        """The corrected value from an edited table, or an error message."""
        return {"label": rows[0]["reviewed"]}, None

    def preview(self, text: str, prediction: dict, labels: Sequence[str]) -> tuple[str, object]:
        """How the item is shown: ('text', str), ('html', escaped str) or ('image', png bytes)."""
        return "text", text


CODECS: dict[str, ReviewCodec] = {}  # task name -> its codec, filled by biofm.tasks.register


def register_codec(task: str, codec: ReviewCodec) -> None:
    """Make ``codec`` the one the store uses for batches of ``task`` (the task registry does this for every task:
    the review package never imports a task)."""
    CODECS[task] = codec


def codec_for(task: str) -> ReviewCodec:
    """The review codec of ``task``; ValueError when none is registered (importing ``biofm.tasks`` registers every
    task's)."""
    try:
        return CODECS[task]
    except KeyError:
        raise ValueError(f"no review codec is registered for task {task!r}; import biofm.tasks first (it registers "
                         f"every task's codec) or call biofm.review.codec.register_codec") from None

"""``custom``: the user's own labels (single- or multi-label), zero-shot from their descriptions, few-shot from
reviewed notes. Review codec, explanation objective and the TaskKind (predictions and adapter: :mod:`.adapter`)."""

from __future__ import annotations

from biofm.review.codec import Editor, ReviewCodec
from biofm.tasks.base import Option, TaskKind
from biofm.tasks.custom.adapter import CustomAdapter, CustomPredictions
from biofm.tasks.custom.teach import teach_order
from biofm.tasks.text_classify.kind import TEXT_READ_OPTIONS
from biofm.tasks.fields import ClassCodec, ClassProbs, MultiLabelCodec, MultiLabelProbs


class CustomObjective:
    """Explain one label: its probability (few-shot: softmax share, or its own sigmoid for multi-label), or in
    zero-shot the cosine similarity of the note to the label's description."""

    def window_start(self, target, offsets, n_tokens: int, body: int) -> int:
        return 0

    def score(self, loaded, ids, mask, target, text: str, window):
        from biofm.tasks.text_head import target_index

        labels, extra = list(loaded.spec.labels), loaded.spec.extra or {}
        j = target_index(loaded, ids, mask, target)
        if extra.get("mode") != "few-shot":
            return (lambda logits: logits.float()[:, j]), f"{labels[j]} (similarity to its description)"
        output = MultiLabelProbs() if extra.get("multi_label") else ClassProbs()  # the field's own score
        return (lambda logits: output.score(logits, j)), labels[j]


class CustomCodec(ReviewCodec):
    """Single-label: the class-probabilities field's codec (``{"label": name}``); multi-label: the multi-label
    field's (``{"labels": [names]}``, a tick box per label); chosen per item by the value's shape. Items carry
    ``teach_rank`` (0 = teach first: uncertain and unlike the others, :func:`~biofm.tasks.custom.teach.teach_order`)
    and the model's ``mode``. Export: ``id,text,label`` or ``id,text,labels`` (names joined by ``;``), what
    ``biofm train custom`` reads."""

    single, multi = ClassCodec(), MultiLabelCodec()

    def _codec(self, value: dict) -> ReviewCodec:
        return self.multi if "labels" in value else self.single

    def items(self, preds: CustomPredictions) -> list[dict]:
        out = super().items(preds)
        order = teach_order(preds.probs, preds.multi_label, preds.embeddings)
        for rank, i in enumerate(order):
            out[i]["prediction"].update({"mode": preds.mode, "teach_rank": rank})
        return out

    def value(self, prediction: dict) -> dict:
        return self._codec(prediction).value(prediction)

    def explain_targets(self, prediction: dict, labels) -> list:
        return self._codec(prediction).explain_targets(prediction, labels)

    def label_names(self, values, labels) -> list[str]:
        return list(labels) if labels else sorted({n for v in values for n in v.get("labels", [v.get("label")])})

    def label_value(self, value: dict, name: str):
        return self._codec(value).label_value(value, name)

    def overall_value(self, value: dict):
        return self._codec(value).overall_value(value)

    def is_positive(self, value: dict, name: str) -> bool:
        return self._codec(value).is_positive(value, name)

    def csv_rows(self, rows, labels):
        return self._codec(rows[0][1] if rows else {}).csv_rows(rows, labels)

    def editor(self, text: str, prediction: dict, labels) -> Editor:
        return self._codec(prediction).editor(text, prediction, labels)

    def from_editor(self, rows: list[dict], text: str):
        return (self.single if rows and "field" in rows[0] else self.multi).from_editor(rows, text)


class CustomKind(TaskKind):
    name = "custom"
    order = 60
    title = "Your own labels (zero-shot, then few-shot)"
    page = "Your own labels"
    default_model = ""  # none: each label set is the user's own model folder
    adapter_class = CustomAdapter
    example = "custom_notes.csv"  # 48 short notes biofm wrote (smoking, adverse drug events, falls), true labels
    example_options = {"text_column": "text", "id_column": "id", "label_column": "label"}
    example_labels = "custom_labels.json"  # the label set the page offers to start from
    verbs = (*TaskKind.verbs, "compare")
    model_flags = {"--labels": "label set JSON (zero-shot) or custom model folder (its latest version)"}
    read_options = (*TEXT_READ_OPTIONS, Option("label_column", "column holding a true label (optional)"))
    train_options = (
        Option("labels", "label set JSON or custom model folder", required=True),
        Option("train", "reviewed items: CSV/JSONL id,text,label (multi-label: labels 'a;b')", required=True),
        Option("out", "custom model folder (default: --labels when it is a folder); versions v1, v2, ... inside"),
        Option("name", "model name (default: out's name)"),
        Option("text_column", "text column (default: guessed)"),
        Option("label_column", "label column (default: label, or labels)"),
        Option("epochs", "passes over the contrastive pairs", 1, int),
        Option("num_iterations", "SetFit pairs drawn per item", 20, int),
        Option("max_steps", "cap on contrastive steps (0: no cap)", 120, int),
        Option("batch_size", "pairs per step", 16, int),
        Option("lr", "encoder learning rate", 2e-5, float),
        Option("max_length", "tokens per training text", 128, int),
        Option("dev_percent", "share of reviewed items in the fixed dev part (by id hash)", 20, int),
        Option("min_per_label", "reviewed examples needed per label", 8, int),
        Option("seed", "random seed", 13, int),
        Option("threads", "torch CPU threads while training (0: torch's default; 1 is faster on a busy machine)", 0,
               int),
        Option("device", "auto, cpu or cuda", "auto", choices=("auto", "cpu", "cuda")),
        Option("description", "one line for the card", ""), Option("licence", "data licence for the card", ""))
    codec = CustomCodec()
    objective = CustomObjective()

    def training_config(self, values: dict) -> dict:
        """The defaults overlaid with ``values``; ``out`` defaults to ``labels`` when that is a model folder."""
        from pathlib import Path

        config = super().training_config(values)
        if not config.get("out") and config.get("labels") and Path(config["labels"]).expanduser().is_dir():
            config["out"] = str(Path(config["labels"]).expanduser())
        if not config.get("out"):
            raise ValueError("training custom needs --out (or --labels naming a custom model folder)")
        return config

    def build(self, spec, device):
        from biofm.tasks.custom.model import build_custom

        return build_custom(spec, device)

    def resolve_model(self, model, settings=None):
        """``--labels``/``--model``: a label-set file or a folder without ``biofm.json`` is zero-shot here; other
        names go to the registry (None)."""
        from pathlib import Path

        from biofm.tasks.custom.model import spec_for

        if model is None or model == "":
            raise ValueError("the custom task needs --labels: a label set JSON file or a custom model folder")
        if not isinstance(model, str):
            return None
        path = Path(model).expanduser()
        if path.is_file() or (path.is_dir() and not (path / "biofm.json").is_file()):
            return spec_for(path)
        return None

    def summary(self, preds: CustomPredictions) -> str:
        return f"{len(preds.ids)} prediction(s) ({preds.mode})"

    def evaluate(self, loaded, records) -> dict:
        from biofm.tasks.custom.fewshot import metrics, parse_value, targets
        from biofm.tasks.custom.labelset import Label, LabelSet

        extra = loaded.spec.extra or {}
        ls = LabelSet(extra.get("label_set") or "labels", tuple(Label(n, d) for n, d in
                                                               zip(loaded.spec.labels, extra["descriptions"])),
                      bool(extra.get("multi_label")))
        y = targets([parse_value(r.label, ls, r.meta.get("row", "?")) for r in records], ls)
        preds = self.adapter(loaded).predict(list(records))
        m = metrics(y, preds.probs, ls, preds.thresholds or None)
        return {"macro-F1": round(m["macro_f1"], 4), "micro-F1": round(m["micro_f1"], 4),
                **{f"F1 {k}": v["f1"] for k, v in m["per_label"].items()}}

    def check_training_file(self, path, config: dict) -> str:
        from collections import Counter

        from biofm.tasks.custom.fewshot import read_reviewed
        from biofm.tasks.custom.labelset import load_label_set

        ls = load_label_set(config["labels"])
        recs = read_reviewed(path, ls, config.get("text_column"), config.get("label_column"))
        counts = Counter(n for r in recs for n in (r.meta["value"] if ls.multi_label else [r.meta["value"]]))
        return f"{len(recs)} reviewed items: " + ", ".join(f"{n} {counts.get(n, 0)}" for n in ls.names)

    def train(self, config: dict, progress=None, should_stop=None) -> str:
        from biofm.tasks.custom.fewshot import train_from_file

        return train_from_file(config, progress, should_stop)

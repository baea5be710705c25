"""``text-classify``: disease category of clinical documents, with sliding windows past the model's length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from biofm.inference import masked_mean
from biofm.records import TextRecord
from biofm.tasks.base import ID_COLUMN, Adapter, Option, Predictions, Prepared, TaskKind, common_train_options
from biofm.tasks.fields import ClassCodec, ClassProbs
from biofm.tasks.windows import mean_by_document, window_ids

CLASS_PROBS = ClassProbs("label")

TEXT_READ_OPTIONS = (Option("text_column", "column or key holding the text (default: guessed)"), ID_COLUMN,
                     Option("one_per_line", "a .txt holds one document per line", False, bool))


@dataclass
class TextPredictions(Predictions):
    """Labels, class probabilities and pooled embeddings for a batch of documents, from one pass."""

    label_names: list[str] = field(default_factory=list, metadata={"shared": True})
    probs: np.ndarray = None
    true_labels: list[str | None] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [self.label_names[i] for i in self.probs.argmax(1)]

    @property
    def scores(self) -> np.ndarray:
        return self.probs.max(1)

    def outputs(self) -> list[tuple]:
        """One typed field: class probabilities ``[n, L]`` over ``label_names``. Rows
        (``id,text,label,score,p_<label>...,windows``, plus ``true_label`` when the input had one; ``windows``: how
        many sliding windows the document was read in), review items and map colours come from it."""
        return [(CLASS_PROBS, self.label_names, self.probs)]


class TextClassifier(Adapter):
    """Windows of token ids -> logits and pooled embeddings -> mean of window logits per document."""

    def __init__(self, loaded, overlap: float = 0.25, **options) -> None:
        super().__init__(loaded, **options)
        self.max_length = min(self.spec.max_length, int(getattr(self.model.config, "max_position_embeddings", 512)))
        self.body = self.max_length - 2
        self.stride = max(1, int(self.body * (1 - overlap)))

    def preprocess(self, records: Sequence[TextRecord]) -> Prepared:
        tok = self.tokenizer
        encoded = tok([r.text for r in records], add_special_tokens=False, truncation=False,
                      verbose=False)["input_ids"] if records else []
        windows, owner = [], []
        for doc, ids in enumerate(encoded):
            for win in window_ids(ids, self.body, self.stride):
                windows.append([tok.cls_token_id, *win, tok.sep_token_id])
                owner.append(doc)
        return Prepared(windows, owner)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return {"logits": out.logits, "pooled": masked_mean(out.hidden_states[-1], attention_mask)}

    def postprocess(self, records, prepared: Prepared, outputs) -> TextPredictions:
        n, labels = len(records), list(self.spec.labels)
        probs, emb, counts = np.zeros((0, len(labels)), np.float32), None, np.zeros(0, int)
        if n:
            probs, emb, counts = mean_by_owner(outputs, prepared.context, n)
        return TextPredictions([r.id for r in records], [r.text for r in records], emb, self.spec.name,
                               counts.tolist(), labels, probs, [r.label for r in records])


def window_means(outputs, owner: list[int], n_docs: int):
    """Per document: the mean of its windows' logits ``[n, L]`` (float64), the mean of their pooled embeddings
    ``[n, d]`` (float32) and how many windows it had ``[n]`` (``owner``: the document of each window)."""
    counts = np.bincount(np.asarray(owner), minlength=n_docs)
    logits = mean_by_document(outputs["logits"], owner, n_docs, dtype=np.float64)
    emb = mean_by_document(outputs["pooled"], owner, n_docs).astype(np.float32)
    return logits, emb, counts


def mean_by_owner(outputs, owner: list[int], n_docs: int):
    """Mean of window logits -> softmax probabilities; mean of window embeddings; windows per document."""
    logits, emb, counts = window_means(outputs, owner, n_docs)
    return CLASS_PROBS.from_logits(logits), emb, counts


class LabelCodec(ClassCodec):
    """One label per document; exports ``id,text,label`` (what ``biofm train text-classify`` reads). Items, the
    editor and agreement are the class-probabilities field's (:class:`biofm.tasks.fields.ClassCodec`)."""


class TextClassifyKind(TaskKind):
    name = "text-classify"
    order = 10
    title = "Clinical text (disease category)"
    page = "Clinical text"
    default_model = "disease-category"
    adapter_class = TextClassifier
    verbs = (*TaskKind.verbs, "compare")
    peft_task = "SEQ_CLS"
    read_options = (*TEXT_READ_OPTIONS, Option("label_column", "column holding a true label (optional)"))
    train_options = (*common_train_options(epochs=8, batch_size=16, base="auto"),
                     Option("text_column", "text column (default: guessed)"),
                     Option("label_column", "label column", "label"),
                     Option("label_map", "CSV mapping label values (1st column) to names (2nd)"),
                     Option("dev_fraction", "share held out for model selection when no dev file is given", 0.15, float),
                     Option("class_weights", "weight classes by inverse frequency", False, bool))
    train_file_types = ("csv", "jsonl")
    codec = LabelCodec()
    example = "clinical_notes.csv"
    example_options = {"text_column": "text", "id_column": "id", "label_column": "label"}
    train_example = "reviewed_notes.csv"

    @staticmethod
    def auto_class():
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def claims(self, labels) -> int:
        return 1

    def summary(self, preds: TextPredictions) -> str:
        note = (f"; {preds.n_windowed} document(s) were longer than the model's window and were classified with "
                "sliding windows") if preds.n_windowed else ""
        return f"{len(preds.ids)} predictions{note}"

    def evaluate(self, loaded, records) -> dict:
        from biofm.tasks.text_classify.train import evaluate

        m = evaluate(self.adapter(loaded), records)
        return {"macro-F1": round(m["macro_f1"], 4), "accuracy": round(m["accuracy"], 4),
                **{f"F1 {k}": round(v["f1-score"], 3) for k, v in m["per_label"].items()
                   if isinstance(v, dict) and k not in ("macro avg", "weighted avg")}}

    def check_training_file(self, path, config: dict) -> str:
        from biofm.tasks.text_classify.data import check_text_file

        return check_text_file(path, config)

    def train(self, config: dict, progress=None, should_stop=None) -> str:
        from biofm.tasks.text_classify.data import train_text_task

        return train_text_task(self, config, progress, should_stop)

"""Predictions and adapter of the ``custom`` task: per-label probabilities (zero-shot calibrated similarities or the
few-shot head's softmax/sigmoid), their decisions and pooled embeddings. Training (:mod:`.fewshot`) and the
TaskKind (:mod:`.kind`) both use it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from biofm.records import TextRecord
from biofm.tasks.base import Predictions
from biofm.tasks.fields import ClassProbs, MultiLabelProbs
from biofm.tasks.custom.teach import confidence, decisions
from biofm.tasks.text_classify.kind import TextClassifier, window_means


@dataclass
class CustomPredictions(Predictions):
    """Probabilities ``[n, L]`` per label (softmax over labels, or one independent probability per label for
    multi-label), the decisions they give (argmax, or ``p >= threshold`` per label) and pooled embeddings."""

    label_names: list[str] = field(default_factory=list, metadata={"shared": True})
    probs: np.ndarray = None
    multi_label: bool = False
    thresholds: list[float] = field(default_factory=list, metadata={"shared": True})
    mode: str = "zero-shot"  # or few-shot
    true_labels: list = field(default_factory=list)

    @property
    def labels(self) -> list:
        """Per item: a label name (single-label) or the list of names given (multi-label)."""
        d = decisions(self.probs, self.multi_label, self.thresholds or None)
        if self.multi_label:
            return [[self.label_names[j] for j in np.flatnonzero(row)] for row in d]
        return [self.label_names[int(i)] for i in d]

    @property
    def scores(self) -> np.ndarray:
        """Confidence per item (:func:`biofm.tasks.custom.teach.confidence`)."""
        return confidence(self.probs, self.multi_label, self.thresholds or None)

    def outputs(self) -> list[tuple]:
        """One typed field: multi-label probabilities with the label set's thresholds, or class probabilities."""
        field_ = MultiLabelProbs("labels", self.thresholds or None) if self.multi_label else ClassProbs("label")
        return [(field_, self.label_names, self.probs)]

    def rows(self, detail: bool = False) -> list[dict]:
        """``id,text,label|labels,score,p_<label>...,windows,mode`` (``labels``: names joined by ``;``; detail: a
        list), then ``true_label`` when the input had one."""
        out = []
        for row in super().rows(detail):
            truth = row.pop("true_label", _NONE)
            row["mode"] = self.mode
            if truth is not _NONE:
                row["true_label"] = truth
            out.append(row)
        return out


_NONE = object()


class CustomAdapter(TextClassifier):
    """Windows like the document classifier; per window the unit-length embedding and the head's logits (cosine
    similarities in zero-shot); per document the mean of window logits, then softmax/sigmoid (few-shot) or the
    per-label zero-shot calibration."""

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        pooled = self.model.pooled(input_ids, attention_mask)
        return {"logits": self.model.head(pooled), "pooled": pooled}

    def postprocess(self, records: Sequence[TextRecord], prepared, outputs) -> CustomPredictions:
        from biofm.tasks.custom.zeroshot import calibration_from_json, zero_shot_probs

        extra, labels, n = self.spec.extra or {}, list(self.spec.labels), len(records)
        multi, mode = bool(extra.get("multi_label")), extra.get("mode", "zero-shot")
        probs, emb, counts = np.zeros((0, len(labels)), np.float32), None, np.zeros(0, int)
        if n:
            logits, emb, counts = window_means(outputs, prepared.context, n)
            if mode == "few-shot":  # the head's probabilities, as its field reads them
                probs = (MultiLabelProbs() if multi else ClassProbs()).from_logits(logits)
            else:
                probs = zero_shot_probs(logits, multi, calibration_from_json(extra.get("calibration")))
        thresholds = list(extra.get("thresholds") or ([0.5] * len(labels) if multi else []))
        return CustomPredictions([r.id for r in records], [r.text for r in records], emb, self.spec.name,
                                 counts.tolist(), labels, probs, multi, thresholds, mode,
                                 [r.label for r in records])

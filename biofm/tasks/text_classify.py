"""Document classification of clinical text, with sliding windows for documents over the model's length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from biofm.inference import Progress, masked_mean, run_batched
from biofm.models.loading import LoadedModel
from biofm.records import TextRecord
from biofm.tasks.windows import window_ids


@dataclass
class TextPredictions:
    """Labels, class probabilities and pooled embeddings for a batch of documents, from one pass."""

    ids: list[str]
    texts: list[str]
    label_names: list[str]
    probs: np.ndarray
    embeddings: np.ndarray | None
    windows: list[int]
    model: str
    true_labels: list[str | None] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [self.label_names[i] for i in self.probs.argmax(1)]

    @property
    def scores(self) -> np.ndarray:
        return self.probs.max(1)

    @property
    def n_windowed(self) -> int:
        """How many documents were longer than the model's length and classified by sliding windows."""
        return sum(1 for w in self.windows if w > 1)

    def to_frame(self, include_text: bool = True) -> pd.DataFrame:
        """``id,text,label,score,p_<label>...,windows`` (plus ``true_label`` when the input had one)."""
        frame = pd.DataFrame({"id": self.ids})
        if include_text:
            frame["text"] = self.texts
        frame["label"] = self.labels
        frame["score"] = np.round(self.scores, 6)
        for j, name in enumerate(self.label_names):
            frame[f"p_{name}"] = np.round(self.probs[:, j], 6)
        frame["windows"] = self.windows
        if any(t is not None for t in self.true_labels):
            frame["true_label"] = self.true_labels
        return frame


class TextClassifier:
    """Adapter for ``text-classify`` models (AutoModelForSequenceClassification)."""

    task = "text-classify"

    def __init__(self, loaded: LoadedModel, overlap: float = 0.25) -> None:
        self.loaded = loaded
        self.tokenizer = loaded.tokenizer
        self.model = loaded.model
        self.max_length = min(loaded.spec.max_length, int(getattr(self.model.config, "max_position_embeddings", 512)))
        self.body = self.max_length - 2
        self.stride = max(1, int(self.body * (1 - overlap)))

    def preprocess(self, texts: Sequence[str]) -> tuple[list[list[int]], list[int]]:
        """Token-id windows for every text, and for each window the index of its document."""
        tok = self.tokenizer
        encoded = tok(list(texts), add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        cls, sep = tok.cls_token_id, tok.sep_token_id
        windows, owner = [], []
        for doc, ids in enumerate(encoded):
            for win in window_ids(ids, self.body, self.stride):
                windows.append([cls, *win, sep])
                owner.append(doc)
        return windows, owner

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return {"logits": out.logits, "pooled": masked_mean(out.hidden_states[-1], attention_mask)}

    @staticmethod
    def postprocess(outputs: list[dict[str, np.ndarray]], owner: list[int], n_docs: int
                    ) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Mean of window logits -> softmax probabilities; mean of window embeddings; windows per document."""
        logits = np.stack([o["logits"] for o in outputs])
        pooled = np.stack([o["pooled"] for o in outputs])
        owner_arr = np.asarray(owner)
        counts = np.bincount(owner_arr, minlength=n_docs)
        doc_logits = np.zeros((n_docs, logits.shape[1]), dtype=np.float64)
        doc_emb = np.zeros((n_docs, pooled.shape[1]), dtype=np.float32)
        np.add.at(doc_logits, owner_arr, logits)
        np.add.at(doc_emb, owner_arr, pooled)
        doc_logits /= counts[:, None]
        doc_emb /= counts[:, None]
        z = doc_logits - doc_logits.max(1, keepdims=True)
        probs = np.exp(z)
        probs /= probs.sum(1, keepdims=True)
        return probs.astype(np.float32), doc_emb, counts.tolist()

    def predict(self, records: Sequence[TextRecord], batch_size: int = 32, progress: Progress | None = None,
                ) -> TextPredictions:
        texts = [r.text for r in records]
        spec = self.loaded.spec
        if not texts:
            return TextPredictions([], [], list(spec.labels), np.zeros((0, len(spec.labels)), np.float32),
                                   None, [], spec.name)
        windows, owner = self.preprocess(texts)
        outputs = run_batched(windows, self.forward, device=self.loaded.device,
                              pad_id=self.tokenizer.pad_token_id or 0, batch_size=batch_size,
                              precision=self.loaded.precision, progress=progress)
        probs, emb, counts = self.postprocess(outputs, owner, len(texts))
        return TextPredictions(ids=[r.id for r in records], texts=texts, label_names=list(spec.labels), probs=probs,
                               embeddings=emb, windows=counts, model=spec.name,
                               true_labels=[r.label for r in records])

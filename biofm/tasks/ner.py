"""Biomedical named-entity recognition with exact character offsets and sliding windows for long notes.

Words are the tokenizer's pre-tokenizer words (whitespace and punctuation split, as in the CoNLL corpora); a word's
label is read from its first subword; entities are returned as character spans into the original text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch

from biofm.inference import Progress, masked_mean, run_batched
from biofm.models.loading import LoadedModel
from biofm.records import TextRecord
from biofm.tasks.windows import best_window, window_starts


@dataclass
class Entity:
    start: int
    end: int
    label: str
    text: str
    score: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Word:
    start: int
    end: int
    first_token: int


@dataclass
class NerPredictions:
    ids: list[str]
    texts: list[str]
    entities: list[list[Entity]]
    embeddings: np.ndarray | None
    windows: list[int]
    model: str
    word_tags: list[list[tuple[Word, str, float]]] = field(default_factory=list)

    @property
    def n_windowed(self) -> int:
        return sum(1 for w in self.windows if w > 1)

    def to_records(self) -> list[dict]:
        """``{"id", "text", "entities": [{"start","end","label","text","score"}]}`` per document."""
        return [{"id": i, "text": t, "entities": [e.as_dict() for e in ents]}
                for i, t, ents in zip(self.ids, self.texts, self.entities)]

    def to_frame(self) -> pd.DataFrame:
        """One row per entity: id, text, label, start, end, score."""
        rows = [{"id": i, "text": e.text, "label": e.label, "start": e.start, "end": e.end, "score": round(e.score, 4)}
                for i, ents in zip(self.ids, self.entities) for e in ents]
        return pd.DataFrame(rows, columns=["id", "text", "label", "start", "end", "score"])

    def counts(self) -> dict[str, int]:
        return dict(Counter(e.label for ents in self.entities for e in ents))


def entity_types(labels: Sequence[str]) -> list[str]:
    return sorted({lab[2:] for lab in labels if lab[:2] in ("B-", "I-")})


def decode_bio(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(type, first, last) word spans from BIO tags; an I- tag that does not continue its type starts an entity."""
    spans: list[tuple[str, int, int]] = []
    current: list | None = None
    for i, tag in enumerate(tags):
        prefix, kind = (tag[:2], tag[2:]) if tag[:2] in ("B-", "I-") else ("O", "")
        if prefix == "I-" and current is not None and current[0] == kind:
            current[2] = i
            continue
        if current is not None:
            spans.append(tuple(current))
            current = None
        if prefix in ("B-", "I-"):
            current = [kind, i, i]
    if current is not None:
        spans.append(tuple(current))
    return spans


class NerTagger:
    """Adapter for ``ner`` models (AutoModelForTokenClassification)."""

    task = "ner"

    def __init__(self, loaded: LoadedModel, overlap: float = 0.25) -> None:
        self.loaded = loaded
        self.tokenizer = loaded.tokenizer
        self.model = loaded.model
        self.labels = list(loaded.spec.labels)
        self.max_length = min(loaded.spec.max_length, int(getattr(self.model.config, "max_position_embeddings", 512)))
        self.body = self.max_length - 2
        self.stride = max(1, int(self.body * (1 - overlap)))

    def words(self, text: str) -> tuple[list[int], list[Word]]:
        """Token ids (no special tokens) and the words they form, with character offsets."""
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        words: list[Word] = []
        last = None
        for t, (wid, (s, e)) in enumerate(zip(enc.word_ids(), enc["offset_mapping"])):
            if wid is None:
                continue
            if wid != last:
                words.append(Word(s, e, t))
                last = wid
            else:
                words[-1].end = max(words[-1].end, e)
        return enc["input_ids"], words

    def preprocess(self, texts: Sequence[str]):
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        windows, owner, per_doc = [], [], []
        for doc, text in enumerate(texts):
            ids, words = self.words(text)
            starts = window_starts(len(ids), self.body, self.stride)
            for s in starts:
                windows.append([cls, *ids[s:s + self.body], sep])
                owner.append(doc)
            per_doc.append((words, starts))
        return windows, owner, per_doc

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return {"logits": out.logits, "pooled": masked_mean(out.hidden_states[-1], attention_mask)}

    def postprocess_doc(self, text: str, words: list[Word], starts: list[int], outs: list[dict]):
        """Entities for one document from its windows' token logits."""
        tagged: list[tuple[Word, str, float]] = []
        for w in words:
            k = best_window(w.first_token, starts, self.body)
            logits = outs[k]["logits"][w.first_token - starts[k] + 1]  # +1: [CLS]
            z = np.exp(logits - logits.max())
            probs = z / z.sum()
            j = int(probs.argmax())
            tagged.append((w, self.labels[j], float(probs[j])))
        entities = []
        for kind, a, b in decode_bio([t for _, t, _ in tagged]):
            start, end = tagged[a][0].start, tagged[b][0].end
            score = float(np.mean([p for _, _, p in tagged[a:b + 1]]))
            entities.append(Entity(start, end, kind, text[start:end], score))
        return entities, tagged

    def predict(self, records: Sequence[TextRecord], batch_size: int = 32, progress: Progress | None = None
                ) -> NerPredictions:
        texts = [r.text for r in records]
        spec = self.loaded.spec
        if not texts:
            return NerPredictions([], [], [], None, [], spec.name)
        windows, owner, per_doc = self.preprocess(texts)
        outputs = run_batched(windows, self.forward, device=self.loaded.device,
                              pad_id=self.tokenizer.pad_token_id or 0, batch_size=batch_size,
                              precision=self.loaded.precision, token_outputs=("logits",), progress=progress)
        by_doc: list[list[dict]] = [[] for _ in texts]
        for o, d in zip(outputs, owner):
            by_doc[d].append(o)
        entities, tags, emb = [], [], []
        for d, text in enumerate(texts):
            words, starts = per_doc[d]
            ents, tagged = self.postprocess_doc(text, words, starts, by_doc[d])
            entities.append(ents)
            tags.append(tagged)
            emb.append(np.mean([o["pooled"] for o in by_doc[d]], axis=0))
        return NerPredictions(ids=[r.id for r in records], texts=texts, entities=entities,
                              embeddings=np.stack(emb).astype(np.float32), windows=[len(s) for _, s in per_doc],
                              model=spec.name, word_tags=tags)

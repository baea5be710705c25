"""``ner``: biomedical named entities with exact character offsets and sliding windows for long notes.

Words are the tokenizer's pre-tokenizer words (whitespace and punctuation split, as in the CoNLL corpora); a word's
label is read from its first subword; entities are returned as character spans into the original text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from biofm.entities import Entity, decode_bio
from biofm.inference import masked_mean
from biofm.records import TextRecord
from biofm.tasks.base import Adapter, Option, Predictions, Prepared, TaskKind, common_train_options
from biofm.tasks.fields import Spans
from biofm.tasks.ner.parts import CONLL_SUFFIXES, EntityObjective, SpanCodec, read_conll_records, write_conll_tags
from biofm.tasks.text_classify.kind import TEXT_READ_OPTIONS
from biofm.tasks.windows import best_window, mean_by_document, window_starts

SPANS = Spans("entities")


@dataclass
class Word:
    start: int
    end: int
    first_token: int


@dataclass
class NerPredictions(Predictions):
    entities: list[list[Entity]] = field(default_factory=list)
    word_tags: list[list[tuple[Word, str, float]]] = field(default_factory=list)

    def outputs(self) -> list[tuple]:
        """One typed field: the spans found (entity types as the names). Rows (``{"id", "text", "entities":
        [{"start","end","label","text","score"}], "windows"}`` per document), review items and map colours come
        from it."""
        return [(SPANS, [], [[e.as_dict() for e in ents] for ents in self.entities])]

    def rows(self, detail: bool = False) -> list[dict]:
        """Spans nest, so rows are always the detail (JSONL) form."""
        return super().rows(detail=True)

    def entity_rows(self) -> list[dict]:
        """One row per entity: id, text, label, start, end, score."""
        return [{"id": i, "text": e.text, "label": e.label, "start": e.start, "end": e.end,
                 "score": round(e.score, 4)} for i, ents in zip(self.ids, self.entities) for e in ents]

    def counts(self) -> dict[str, int]:
        return dict(Counter(e.label for ents in self.entities for e in ents))


def _is_word_piece(text: str, w: Word) -> bool:
    return any(ch.isalnum() for ch in text[w.start:w.end])


def _joined(words: Sequence[Word], i: int) -> bool:
    """Words ``i - 1`` and ``i`` touch (no whitespace between them)."""
    return 0 < i < len(words) and words[i - 1].end == words[i].start


def _is_connector(text: str, words: Sequence[Word], i: int) -> bool:
    """A punctuation word inside a written word, such as the hyphen of ``right-sided`` or the slash of ``and/or``."""
    return (not _is_word_piece(text, words[i]) and _joined(words, i) and _joined(words, i + 1)
            and _is_word_piece(text, words[i - 1]) and _is_word_piece(text, words[i + 1]))


def snap_to_words(text: str, words: Sequence[Word],
                  spans: Sequence[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Entity word spans whose edges fall inside a written word moved out to that word's edges, then merged.

    ``words`` are the tokenizer's pre-tokenizer pieces (``right``, ``-``, ``sided``). An edge is inside a written word
    when the entity starts or ends on a connector (``-sided weakness``: the hyphen of ``right-sided``) or between two
    touching letter/digit pieces; it then extends over the touching pieces to the written word's start (or end):
    ``right-sided weakness``. An entity that starts or ends on a whole piece next to a connector is kept as it is:
    BC5CDR and NCBI-disease annotate parts of hyphenated words (``anti-[cocaine]``, ``[cisplatin]-induced``).
    Entities of one type that then touch or overlap are merged (``B-`` ``right``, ``B-`` ``-``, ``I-`` ``sided``:
    one entity); an extension stops at an entity of another type. Spans are ``(type, first, last)`` word indices.
    """
    def inside_start(a: int) -> bool:
        return _is_connector(text, words, a) or (
            _joined(words, a) and _is_word_piece(text, words[a - 1]) and _is_word_piece(text, words[a])
            and text[words[a - 1].end - 1].isalnum() and text[words[a].start].isalnum())

    def inside_end(b: int) -> bool:
        return _is_connector(text, words, b) or (
            _joined(words, b + 1) and _is_word_piece(text, words[b]) and _is_word_piece(text, words[b + 1])
            and text[words[b].end - 1].isalnum() and text[words[b + 1].start].isalnum())

    def in_word(i: int) -> bool:
        return _is_word_piece(text, words[i]) or _is_connector(text, words, i)

    owner = {i: kind for kind, a, b in spans for i in range(a, b + 1)}
    out: list[list] = []
    for kind, a, b in spans:
        if inside_start(a):
            while _joined(words, a) and in_word(a - 1) and owner.get(a - 1, kind) == kind:
                a -= 1
        if inside_end(b):
            while _joined(words, b + 1) and in_word(b + 1) and owner.get(b + 1, kind) == kind:
                b += 1
        if a < b and _is_connector(text, words, a):  # blocked by another type: the connector is not a word
            a += 1
        if a < b and _is_connector(text, words, b):
            b -= 1
        if out and out[-1][0] == kind and a <= out[-1][2] + 1 and (a <= out[-1][2] or _joined(words, a)):
            out[-1][2] = max(out[-1][2], b)
        else:
            out.append([kind, a, b])
    return [tuple(s) for s in out]


class NerTagger(Adapter):
    """Windows of token ids -> per-token logits; each word tagged from the window where it has most context."""

    token_outputs = ("logits",)

    def __init__(self, loaded, overlap: float = 0.25, **options) -> None:
        super().__init__(loaded, **options)
        self.labels = list(self.spec.labels)
        self.max_length = min(self.spec.max_length, int(getattr(self.model.config, "max_position_embeddings", 512)))
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

    def preprocess(self, records: Sequence[TextRecord]) -> Prepared:
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        windows, owner, per_doc = [], [], []
        for doc, rec in enumerate(records):
            ids, words = self.words(rec.text)
            starts = window_starts(len(ids), self.body, self.stride)
            for s in starts:
                windows.append([cls, *ids[s:s + self.body], sep])
                owner.append(doc)
            per_doc.append((words, starts))
        return Prepared(windows, (owner, per_doc))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return {"logits": out.logits, "pooled": masked_mean(out.hidden_states[-1], attention_mask)}

    def tag_document(self, text: str, words: list[Word], starts: list[int], window_logits: list[np.ndarray]):
        """Entities for one document from its windows' token logits."""
        tagged: list[tuple[Word, str, float]] = []
        for w in words:
            k = best_window(w.first_token, starts, self.body)
            logits = window_logits[k][w.first_token - starts[k] + 1]  # +1: [CLS]
            z = np.exp(logits - logits.max())
            probs = z / z.sum()
            j = int(probs.argmax())
            tagged.append((w, self.labels[j], float(probs[j])))
        entities = []
        for kind, a, b in snap_to_words(text, words, decode_bio([t for _, t, _ in tagged])):
            start, end = tagged[a][0].start, tagged[b][0].end
            score = float(np.mean([p for _, _, p in tagged[a:b + 1]]))
            entities.append(Entity(start, end, kind, text[start:end], score))
        return entities, tagged

    def postprocess(self, records, prepared: Prepared, outputs) -> NerPredictions:
        texts = [r.text for r in records]
        owner, per_doc = prepared.context
        first = np.searchsorted(owner, np.arange(len(texts) + 1))  # a document's windows are consecutive
        entities, tags = [], []
        for d, text in enumerate(texts):
            ents, tagged = self.tag_document(text, *per_doc[d], outputs["logits"][first[d]:first[d + 1]])
            entities.append(ents)
            tags.append(tagged)
        emb = mean_by_document(outputs["pooled"], owner, len(texts)).astype(np.float32) if texts else None
        return NerPredictions([r.id for r in records], texts, emb,
                              self.spec.name, [len(s) for _, s in per_doc], entities, tags)


class NerKind(TaskKind):
    name = "ner"
    order = 20
    title = "Clinical entities"
    page = "Clinical entities"
    default_model = "bc5cdr-ner"
    adapter_class = NerTagger
    peft_task = "TOKEN_CLS"
    flat_rows = False
    read_options = TEXT_READ_OPTIONS
    train_options = (*common_train_options(epochs=6, batch_size=32, method="full", max_length=128),
                     Option("patience", "epochs without dev improvement before stopping", 2, int))
    train_file_types = ("conll", "tsv", "txt")
    codec = SpanCodec()
    example = "clinical_notes.csv"
    example_options = {"text_column": "text", "id_column": "id"}
    objective = EntityObjective()

    @staticmethod
    def auto_class():
        from transformers import AutoModelForTokenClassification

        return AutoModelForTokenClassification

    def claims(self, labels) -> int:
        return 2 if any(str(lab).startswith(("B-", "I-")) for lab in labels) else 0

    def read(self, path, **options):
        if Path(path).suffix.lower() in CONLL_SUFFIXES:
            return read_conll_records(path)
        return super().read(path, **options)

    def output_formats(self, input_path=None) -> dict[str, str]:
        """CoNLL in, CoNLL out (token, input tag, predicted tag); otherwise JSONL (entities nest: no CSV)."""
        if input_path is not None and Path(str(input_path)).suffix.lower() in CONLL_SUFFIXES:
            return {suffix: "conll" for suffix in CONLL_SUFFIXES}
        return super().output_formats(input_path)

    def write(self, preds: NerPredictions, out: Path, read_result=None) -> None:
        if read_result is not None and getattr(read_result, "sentences", None) is not None:
            write_conll_tags(out, read_result.sentences, preds)
        else:  # JSONL whatever the suffix: entities nest
            super().write(preds, out, read_result)

    def summary(self, preds: NerPredictions) -> str:
        return f"{sum(len(e) for e in preds.entities)} entities in {len(preds.ids)} documents"

    def targets(self, preds: NerPredictions, i: int) -> list:
        from biofm.explain import Target

        return [Target(e.label, e.start, e.end) for e in preds.entities[i]]

    def target_label(self, preds, i: int, target) -> str:
        return f"{preds.texts[i][target.start:target.end]} ({target.label}, {target.start}-{target.end})"

    def target_from_text(self, preds, i: int, text: str | None) -> list:
        targets = self.targets(preds, i)
        return targets if text is None else [t for t in targets if text in (t.label, preds.texts[i][t.start:t.end])]

    def cli_targets(self, preds, i: int, target: str | None, span: str | None = None) -> list:
        if not span:
            return self.target_from_text(preds, i, target)
        from biofm.explain import Target

        start, end = (int(x) for x in span.split("-", 1))
        found = [e.label for e in preds.entities[i] if (e.start, e.end) == (start, end)]
        if not found and not target:
            raise ValueError(f"{preds.ids[i]}: no entity was predicted at {start}-{end}; give its type with --target")
        return [Target(found[0] if found else target, start, end)]

    def check_training_file(self, path, config: dict) -> str:
        from biofm.tasks.ner.parts import check_conll_file

        return check_conll_file(path)

    def train(self, config: dict, progress=None, should_stop=None) -> str:
        from biofm.tasks.ner.parts import train_ner_task

        return train_ner_task(self, config, progress, should_stop)

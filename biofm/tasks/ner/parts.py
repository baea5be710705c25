"""The parts of the ``ner`` task that are not the adapter: CoNLL files, the entity explanation objective, the
review codec (entity spans) and the trainer's file handling."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch

from biofm.entities import Entity, entity_types
from biofm.records import ReadResult
from biofm.review.codec import Editor, ReviewCodec

CONLL_SUFFIXES = (".conll", ".tsv", ".iob", ".bio")


@dataclass
class ConllReadResult(ReadResult):
    sentences: list = field(default_factory=list)
    spans: list = field(default_factory=list)


def read_conll_records(path) -> ConllReadResult:
    """A CoNLL file's sentences as records (tokens joined by spaces), with each token's character span."""
    from biofm.io.conll import read_conll

    sentences, errors = read_conll(path)
    pairs = [s.to_record(i) for i, s in enumerate(sentences)]
    return ConllReadResult([r for r, _ in pairs], errors, sentences=sentences, spans=[sp for _, sp in pairs])


def write_conll_tags(out: Path, sentences, preds) -> None:
    """``token<TAB>input tag<TAB>predicted tag`` for a CoNLL input."""
    from biofm.io.conll import tags_for_tokens, write_conll

    spans = [s.to_record(i)[1] for i, s in enumerate(sentences)]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    write_conll(out, sentences, [tags_for_tokens(sp, ents) for sp, ents in zip(spans, preds.entities)])


class EntityObjective:
    """Explain one entity: the mean probability of its words' predicted B-/I- tags, in a window centred on it."""

    def window_start(self, target, offsets, n_tokens: int, body: int) -> int:
        if target is None or target.start is None:
            raise ValueError("an NER explanation needs an entity target (label, start, end)")
        inside = [t for t, (s, e) in enumerate(offsets) if s >= target.start and e <= target.end and e > s]
        if not inside:
            raise ValueError(f"no token lies inside the entity span {target.start}-{target.end}")
        centre = (inside[0] + inside[-1]) // 2
        return max(0, min(centre - body // 2, n_tokens - body))

    def score(self, loaded, ids, mask, target, text: str, window):
        labels = list(loaded.spec.labels)
        positions, tag_ids, seen = [], [], set()
        for t in range(window.first, window.last):
            s, e = window.offsets[t]
            if s >= target.start and e <= target.end and e > s and window.word_ids[t] not in seen:
                seen.add(window.word_ids[t])
                tag = ("B-" if not positions else "I-") + target.label
                if tag not in labels:
                    raise ValueError(f"the model has no tag {tag!r}; its tags are {labels}")
                positions.append(t - window.first + 1)
                tag_ids.append(labels.index(tag))
        pos_t, tag_t = torch.tensor(positions), torch.tensor(tag_ids)

        def score_fn(logits: torch.Tensor) -> torch.Tensor:
            probs = logits.float().softmax(-1)[:, pos_t, :]
            return probs.gather(2, tag_t.view(1, -1, 1).expand(probs.shape[0], -1, 1)).squeeze(-1).mean(1)

        return score_fn, f"{target.label}: {text[target.start:target.end]}"


def _spans(value: dict, name: str) -> set:
    return {(e["start"], e["end"]) for e in value["entities"] if e["label"] == name}


class SpanCodec(ReviewCodec):
    """Entity spans: add, delete, retype or move them; scored by strict span P/R/F1; CoNLL export to train on."""

    export_formats = ("csv", "jsonl", "conll")

    def items(self, preds) -> list[dict]:
        return [{"external_id": rid, "text": text, "confidence": min((e.score for e in ents), default=1.0),
                 "prediction": {"entities": [e.as_dict() for e in ents]}}
                for rid, text, ents in zip(preds.ids, preds.texts, preds.entities)]

    def value(self, prediction: dict) -> dict:
        return {"entities": [{k: e[k] for k in ("start", "end", "label", "text")} for e in prediction["entities"]]}

    def label_names(self, values, labels) -> list[str]:
        return sorted({e["label"] for v in values for e in v["entities"]})

    def label_value(self, value: dict, name: str):
        return tuple(sorted(_spans(value, name)))

    def metrics(self, rows, labels) -> dict[str, dict]:
        from biofm.train.metrics import span_prf

        scores = span_prf(({(e["label"], e["start"], e["end"]) for e in val["entities"]},
                           {(e["label"], e["start"], e["end"]) for e in view.prediction["entities"]})
                          for view, val in rows)
        scores.pop("overall")
        return {k: {"precision": v["precision"], "recall": v["recall"], "f1": v["f1"], "n": v["support"]}
                for k, v in scores.items()}

    def csv_rows(self, rows, labels):
        return ["id", "text", "entities"], [[v.external_id, v.text, json.dumps(val["entities"], ensure_ascii=False)]
                                            for v, val in rows]

    def export(self, rows, fmt: str, labels) -> bytes:
        if fmt != "conll":
            return super().export(rows, fmt, labels)
        from biofm.io.conll import documents_to_conll

        return documents_to_conll((view.text, [Entity(e["start"], e["end"], e["label"], e["text"], 1.0)
                                               for e in val["entities"]]) for view, val in rows).encode("utf-8")

    def train_export_format(self) -> str:
        return "conll"

    def editor(self, text: str, prediction: dict, labels) -> Editor:
        kinds = entity_types(labels) or sorted(
            {e["label"] for e in prediction["entities"]})
        rows = [{k: e[k] for k in ("start", "end", "label", "text")} for e in prediction["entities"]]
        return Editor(rows, ["text", "label"], {"label": kinds}, dynamic=True,
                      help="Add an entity by typing its words (as they appear in the text) and a label: its position "
                           "is found for you, a repeated phrase taking its next free occurrence. Delete a row to "
                           "remove one, change its words to move or resize it.")

    def from_editor(self, rows: list[dict], text: str):
        rows = _place_typed_spans(rows, text)
        missing = [r["text"] for r in rows if r.get("text") and r.get("start") is None]
        if missing:
            return None, "Not found in the text: " + ", ".join(repr(m) for m in missing[:5]) + "."
        good = [r for r in rows if r.get("label") and r.get("start") is not None and r.get("end") is not None]
        bad = [r for r in good if not (0 <= int(r["start"]) < int(r["end"]) <= len(text))]
        if bad:
            return None, f"{len(bad)} entity span(s) fall outside the text (0-{len(text)})."
        return {"entities": [{"start": int(r["start"]), "end": int(r["end"]), "label": r["label"],
                              "text": text[int(r["start"]):int(r["end"])]} for r in good]}, None

    def preview(self, text: str, prediction: dict, labels):
        from biofm.explain import entities_html

        kinds = entity_types(labels)
        ents = [Entity(e["start"], e["end"], e["label"], e["text"], e.get("score", 1.0)) for e in prediction["entities"]]
        return "html", entities_html(text, ents, kinds)


def _place_typed_spans(rows: list[dict], text: str) -> list[dict]:
    """Entities are edited by their words: a row whose words still match its offsets keeps them; a new or retyped
    row gets the offsets of the words' first occurrence in the text not taken by another row (none if absent)."""
    def matches(r) -> bool:
        return r.get("start") is not None and r.get("end") is not None and bool(r.get("text")) and \
            text[int(r["start"]):int(r["end"])] == r["text"]

    taken = {(int(r["start"]), int(r["end"])) for r in rows if matches(r)}
    out = []
    for r in rows:
        r = dict(r)
        words = (r.get("text") or "").strip()
        if words and not matches({**r, "text": words}):
            r["start"] = r["end"] = None
            pos = text.find(words)
            while pos >= 0 and (pos, pos + len(words)) in taken:
                pos = text.find(words, pos + 1)
            if pos >= 0:
                r["start"], r["end"] = pos, pos + len(words)
                taken.add((pos, pos + len(words)))
        out.append(r)
    return out


def check_conll_file(path) -> str:
    from biofm.io.conll import read_conll
    from biofm.train.common import TrainingDataError

    sents, errors = read_conll(path)
    if errors:
        raise TrainingDataError(f"{errors[0].source} line {errors[0].row}: {errors[0].message}")
    tagged = [s for s in sents if s.tags]
    if not tagged:
        raise TrainingDataError("no tagged sentences (token<TAB>tag)")
    kinds = Counter(t[2:] for s in tagged for t in s.tags if t.startswith("B-"))
    if not kinds:
        raise TrainingDataError("the file has no entities (only O tags)")
    return f"{len(tagged)} sentences; entities: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common())


def train_ner_task(kind, config: dict, progress=None, should_stop=None) -> str:
    """Read CoNLL train (and dev, else a seeded 15%), train, write the card; a one-line summary."""
    from biofm.io.conll import read_conll
    from biofm.io.writers import write_row_errors
    from biofm.train.cards import ner_card, write_card
    from biofm.train.common import TrainConfig, file_sha256, seeded_split
    from biofm.tasks.ner.train import train_ner

    out = Path(config["out"])
    train, terr = read_conll(config["train"])
    write_row_errors(terr, out / "train.errors.csv")
    if config.get("dev"):
        dev, derr = read_conll(config["dev"])
        write_row_errors(derr, out / "dev.errors.csv")
    else:
        train, dev = seeded_split(train, 0.15, config["seed"])
    name = config.get("name") or out.name
    data_info = {"train_file": Path(config["train"]).name, "train_sha256": file_sha256(config["train"]),
                 "dev": Path(config["dev"]).name if config.get("dev") else "15% of the training sentences (seeded)"}
    result = train_ner(kind, train, dev, out, name=name, cfg=TrainConfig.from_options(config), progress=progress,
                       data_info=data_info, should_stop=should_stop)
    write_card(out, ner_card(name, result, kind.command_line(config), description=config.get("description") or "",
                             licence=config.get("licence") or ""))
    o = result["dev"]["per_type"]["overall"]
    return f"saved {out}: dev entity P {o['precision']:.4f} R {o['recall']:.4f} F1 {o['f1']:.4f}"

"""The parts of the ``ner`` task that are not the adapter: CoNLL files, the entity explanation objective, the
review codec (entity spans) and the trainer's file handling."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch

from biofm.records import ReadResult
from biofm.review.spans import SpanCodec  # noqa: F401  (the span field's codec; the NER kind's)

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

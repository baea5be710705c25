"""PHI detection (the ``phi`` task): a token classifier OR-ed with validated rules, recall first.

The model is the embedded MiniLM encoder fine-tuned (LoRA) on synthetic notes that biofm generates from its own
templates with Faker values (``biofm.phi.synth``); a word is tagged PHI when the model gives it at least
``threshold`` probability of being any identifier (chosen for recall on held-out templates), and every rule match is
added (``source``: ``model`` or ``rules``). Each model span must have the shape of its type
(``biofm.phi.validate``: a NAME is capitalised and not a clinical or common word, a DATE parses, an ID has 5+ digits,
...), which removes most flags on real prose; ``reason`` says why a span was flagged.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from biofm.entities import Entity, decode_bio
from biofm.tasks.base import Option, common_train_options
from biofm.tasks.ner.kind import NerKind, NerTagger

DEFAULT_THRESHOLD = 0.3


@dataclass
class PhiEntity(Entity):
    source: str = "model"  # or "rules"
    reason: str = ""  # why it was flagged: "rule: <name>" or "model: <score>"


NAMEISH = {"NAME", "ORGANIZATION", "LOCATION"}


def _join_pieces(text: str, spans: list) -> list:
    """Model spans split by the tokenizer ("001-206" "-" "272"; "White," "Alexandra") joined into one, so the shape
    check sees the whole identifier: pieces touching or joined by one of ``-/.``, or name-like pieces joined by a comma
    or a space. The joined span takes the label of its longest piece and the mean score."""
    out: list = []
    for e in sorted(spans, key=lambda e: e.start):
        if out:
            last, gap = out[-1], text[out[-1].end:e.start]
            if re.fullmatch(r"[-/.]?", gap) or last.label in NAMEISH and e.label in NAMEISH and \
                    re.fullmatch(r",? ?", gap):
                label = last.label if last.end - last.start >= e.end - e.start else e.label
                out[-1] = PhiEntity(last.start, e.end, label, text[last.start:e.end], (last.score + e.score) / 2,
                                    "model")
                continue
        out.append(e)
    return out


def _trimmed(text: str, e):
    """A model NAME span without leading or trailing lower-case words."""
    from biofm.phi.validate import trim_name

    if e.label != "NAME":
        return e
    a, b = trim_name(e.text)
    if (a, b) == (0, len(e.text)) or a == b:
        return e
    return PhiEntity(e.start + a, e.start + b, e.label, text[e.start + a:e.start + b], e.score, e.source)


class PhiTagger(NerTagger):
    def __init__(self, loaded, threshold: float | None = None, **options) -> None:
        super().__init__(loaded, **options)
        self.threshold = threshold if threshold is not None else float(self.spec.extra.get("threshold",
                                                                                            DEFAULT_THRESHOLD))
        self.o_index = self.labels.index("O") if "O" in self.labels else None

    def tag_document(self, text, words, starts, window_logits):
        from biofm.phi.rules import find_rule_spans, merge_spans
        from biofm.phi.validate import keep_model_span
        from biofm.tasks.windows import best_window

        tagged = []
        for w in words:
            k = best_window(w.first_token, starts, self.body)
            logits = window_logits[k][w.first_token - starts[k] + 1]
            z = np.exp(logits - logits.max())
            probs = z / z.sum()
            j = int(probs.argmax())
            if self.o_index is not None and j == self.o_index and 1 - probs[j] >= self.threshold:
                probs_phi = probs.copy()
                probs_phi[self.o_index] = -1
                j = int(probs_phi.argmax())  # recall first: the likeliest identifier type
            tagged.append((w, self.labels[j], float(probs[j])))
        found = []
        for kind, a, b in decode_bio([t for _, t, _ in tagged]):
            start, end = tagged[a][0].start, tagged[b][0].end
            found.append(PhiEntity(start, end, kind, text[start:end],
                                float(np.mean([p for _, _, p in tagged[a:b + 1]])), "model"))
        found = [_trimmed(text, e) for e in _join_pieces(text, found)]
        found = [e for e in found if keep_model_span(e.label, e.text, text[max(0, e.start - 40):e.start],
                                                     text[e.end:e.end + 40])]  # the shape of its type
        for e in found:
            e.reason = f"model: {e.score:.2f}"
        rules = [PhiEntity(s.start, s.end, s.label, s.text, 1.0, "rules", s.reason) for s in find_rule_spans(text)]
        return merge_spans(rules + found), tagged


class PhiKind(NerKind):
    name = "phi"
    order = 50
    title = "Protected health information"
    page = "Privacy"
    default_model = "phi-deid"
    adapter_class = PhiTagger
    example = "phi_notes.csv"  # synthetic notes with fake identifiers
    verbs = ("predict", "explain", "embed", "train", "review")
    train_options = (*(o if o.name != "train" else Option("train", "CoNLL file (default: generated synthetic notes)")
                       for o in common_train_options(epochs=3, batch_size=32, method="lora", max_length=128)),
                     Option("n_train", "generated training notes", 3000, int),
                     Option("patience", "epochs without dev improvement before stopping", 2, int))

    def claims(self, labels) -> int:
        from biofm.phi.synth import LABELS

        return 3 if {f"B-{lab}" for lab in LABELS} <= set(labels) else 0

    def check_training_file(self, path, config: dict) -> str:
        if not path:
            return f"{config['n_train']} generated synthetic notes"
        return super().check_training_file(path, config)

    def command_line(self, config: dict) -> str:
        if config.get("synthetic"):  # the generated files are temporary: the command regenerates them
            config = {k: v for k, v in config.items() if k not in ("train", "dev")}
        return super().command_line(config)

    def train(self, config: dict, progress=None, should_stop=None) -> str:
        from biofm.models.load import load_model
        from biofm.models.registry import spec_from_dir
        from biofm.phi.evaluate import calibrate_and_card
        from biofm.phi.synth import make_notes, to_conll
        from biofm.tasks.ner.parts import train_ner_task

        config = dict(config)
        with tempfile.TemporaryDirectory() as tmp:
            if not config.get("train"):
                (Path(tmp) / "train.conll").write_text(to_conll(make_notes(config["n_train"], seed=config["seed"])))
                (Path(tmp) / "dev.conll").write_text(to_conll(make_notes(300, seed=config["seed"] + 1)))
                config.update(train=str(Path(tmp) / "train.conll"), dev=str(Path(tmp) / "dev.conll"), synthetic=True)
            summary = train_ner_task(self, config, progress=progress, should_stop=should_stop)
        out = Path(config["out"])
        loaded = load_model(spec_from_dir(out, task=self.name), self.build, device="cpu", precision="fp32")
        return summary + "; " + calibrate_and_card(out, lambda t: self.adapter(loaded, threshold=t),
                                                   seed=config["seed"])

"""PHI detection on real text: false flags per 1,000 words on identifier-free public biomedical prose, next to recall
per type on the held-out synthetic templates, for the default detector (rules OR model, as the gate runs it).

Run: .venv/bin/python bench/phi.py [--part heldout|tuning] [--docs 120] [--notes 400] [--show 20] [--json out.json]

False-positive corpus (every flag on it is wrong: no patient identifiers): PubMed abstracts from
``medical_abstracts/train.csv`` and sentences of the BC5CDR and NCBI-disease corpora (``../shared/datasets``; grouped
8 sentences to a paragraph, tokens joined back into prose). The corpus is split in two: the **tuning** part (BC5CDR
and NCBI ``train.tsv``, abstracts with an even row number) is the only one looked at when choosing rules, context
checks and the shipped vocabulary (``scripts/make_phi_vocab.py`` reads only it); the **held-out** part (BC5CDR and
NCBI ``devel.tsv``, odd abstract rows) is the one reported. Words are whitespace-separated tokens.

Recall: token recall per type on ``make_notes(n, held_out=True, seed=20)`` (templates the model never saw), as on the
model card, and token precision on those notes. Targets: at most 2 false flags per 1,000 words on the held-out real
text; recall >= 0.98 for NAME, DATE, ID, CONTACT and >= 0.95 for LOCATION.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATASETS = Path(os.environ.get("BIOFM_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
MAX_FLAGS_PER_1000 = 2.0
LABELS = ("NAME", "DATE", "AGE", "ID", "CONTACT", "LOCATION", "ORGANIZATION")


def detokenise(tokens: list[str]) -> str:
    """CoNLL tokens back into prose: ``0 . 05`` -> ``0.05``, ``5 - FU`` -> ``5-FU``, ``( PD )`` -> ``(PD)``."""
    text = " ".join(tokens)
    text = re.sub(r"(?<=\d) \. (?=\d)", ".", text)
    text = re.sub(r" ?([-/]) ?", r"\1", text)
    text = re.sub(r" ' s\b", "'s", text)
    text = re.sub(r" ([.,;:!?)\]%])", r"\1", text)
    return re.sub(r"([(\[]) ", r"\1", text)


def conll_paragraphs(path: Path, per: int = 8) -> list[str]:
    sents, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if cur:
                sents.append(detokenise(cur))
            cur = []
        else:
            cur.append(line.split("\t")[0])
    if cur:
        sents.append(detokenise(cur))
    return [" ".join(sents[i:i + per]) for i in range(0, len(sents), per)]


def abstracts(parity: int) -> list[str]:
    with (DATASETS / "medical_abstracts" / "train.csv").open(newline="", encoding="utf-8") as fh:
        return [row["medical_abstract"] for i, row in enumerate(csv.DictReader(fh)) if i % 2 == parity]


def real_corpus(part: str, docs: int) -> dict[str, list[str]]:
    """``{source: [paragraph, ...]}``: the first ``docs`` documents of each source in the tuning or held-out part."""
    split = "train" if part == "tuning" else "devel"
    return {"medical_abstracts": abstracts(0 if part == "tuning" else 1)[:docs],
            "bc5cdr": conll_paragraphs(DATASETS / "bc5cdr" / f"{split}.tsv")[:docs],
            "ncbi_disease": conll_paragraphs(DATASETS / "ncbi_disease" / f"{split}.tsv")[:docs]}


def false_flags(loaded, corpus: dict[str, list[str]]) -> tuple[dict, list]:
    from biofm.records import TextRecord
    from biofm.tasks import get_task

    adapter = get_task("phi").adapter(loaded)
    out, flags = {}, []
    for source, texts in corpus.items():
        preds = adapter.predict([TextRecord(f"{source}-{i}", t) for i, t in enumerate(texts)])
        words = sum(len(t.split()) for t in texts)
        per = Counter(e.label for ents in preds.entities for e in ents)
        out[source] = {"docs": len(texts), "words": words, "flags": sum(per.values()), "per_label": dict(per)}
        for text, ents in zip(texts, preds.entities):
            for e in ents:
                flags.append((source, e.label, e.text, getattr(e, "reason", ""),
                              text[max(0, e.start - 40):e.end + 40].replace("\n", " ")))
    words = sum(v["words"] for v in out.values())
    total = Counter()
    for v in out.values():
        total.update(v["per_label"])
    out["all"] = {"docs": sum(v["docs"] for v in out.values()), "words": words, "flags": sum(total.values()),
                  "per_label": dict(total)}
    for v in out.values():
        v["per_1000"] = round(1000 * v["flags"] / max(v["words"], 1), 2)
        v["per_1000_by_label"] = {k: round(1000 * n / max(v["words"], 1), 2) for k, n in sorted(v["per_label"].items())}
    return out, flags


def template_recall(loaded, n: int) -> dict:
    from biofm.phi.evaluate import detect, token_scores
    from biofm.phi.synth import make_notes
    from biofm.tasks import get_task

    notes = make_notes(n, held_out=True, seed=20)
    adapter_threshold = float(loaded.spec.extra.get("threshold", 0.5))
    return token_scores(notes, detect(get_task("phi").adapter(loaded, threshold=adapter_threshold), notes))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=("heldout", "tuning"), default="heldout")
    ap.add_argument("--docs", type=int, default=120, help="documents per source (abstracts or 8-sentence paragraphs)")
    ap.add_argument("--notes", type=int, default=400, help="held-out synthetic notes for recall")
    ap.add_argument("--model", default="phi-deid")
    ap.add_argument("--show", type=int, default=0, help="print this many false flags (text around each)")
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args(argv)

    from biofm import api
    from biofm.config import load_settings
    from biofm.phi.evaluate import TARGETS

    t0 = time.perf_counter()
    loaded = api.load(args.model, "phi", load_settings(device="cpu", precision="fp32"))
    real, flags = false_flags(loaded, real_corpus(args.part, args.docs))
    t1 = time.perf_counter()
    recall = template_recall(loaded, args.notes)
    t2 = time.perf_counter()

    print(f"## False flags per 1,000 words on identifier-free real text ({args.part} part)\n")
    print("| source | docs | words | flags | per 1,000 words | " + " | ".join(LABELS) + " |")
    print("|---|---|---|---|---|" + "---|" * len(LABELS))
    for source, v in real.items():
        print(f"| {source} | {v['docs']} | {v['words']} | {v['flags']} | {v['per_1000']:.2f} | "
              + " | ".join(f"{v['per_1000_by_label'].get(k, 0):.2f}" for k in LABELS) + " |")
    print(f"\n## Token recall on held-out synthetic templates ({args.notes} notes, seed 20)\n")
    print("| type | tokens | recall | target |\n|---|---|---|---|")
    for k, v in recall["per_label"].items():
        print(f"| {k} | {v['tokens']} | {v['recall']:.4f} | {TARGETS.get(k, '')} |")
    print(f"| all PHI | {sum(v['tokens'] for v in recall['per_label'].values())} | {recall['recall']:.4f} | |")
    print(f"\nToken precision on the synthetic notes: {recall['precision']:.4f}")
    ok_fp = real["all"]["per_1000"] <= MAX_FLAGS_PER_1000
    ok_recall = all(recall["per_label"].get(k, {"recall": 1})["recall"] >= t for k, t in TARGETS.items())
    print(f"\nFalse flags {real['all']['per_1000']:.2f} per 1,000 words (target <= {MAX_FLAGS_PER_1000}): "
          f"{'met' if ok_fp else 'NOT met'}; recall targets: {'met' if ok_recall else 'NOT met'}. "
          f"Seconds: real text {t1 - t0:.0f}, templates {t2 - t1:.0f}.")
    if args.show:
        print("\n## False flags (source, type, text, reason, context)\n")
        for f in flags[:args.show]:
            print(" | ".join(str(x) for x in f))
    if args.json:
        Path(args.json).write_text(json.dumps({"part": args.part, "real": real, "recall": recall}, indent=2))
    return 0 if ok_fp and ok_recall else 1


if __name__ == "__main__":
    sys.exit(main())

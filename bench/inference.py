"""Docs/second for the disease-category model: transformers pipeline (default, batch 32) vs biofm's engine.

Run: .venv/bin/python bench/inference.py [--n 2000] [--data ../shared/datasets/medical_abstracts/train.csv]

The documents are 2,000 mixed-length pieces (5-120 words) cut from the Medical Abstracts file at run time, so no
document needs truncation or windowing and every contender does the same work. Prints one table with ratios and
the label agreement between contenders.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from biofm.models import default_registry, load_model  # noqa: E402
from biofm.tasks import get_task  # noqa: E402
from biofm.records import TextRecord  # noqa: E402
from biofm.tasks.text_classify import TextClassifier  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "medical_abstracts" / "train.csv"


def make_docs(path: Path, n: int, tokenizer, max_tokens: int, seed: int = 0) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        texts = [row["medical_abstract"] for row in csv.DictReader(fh)]
    rng = np.random.default_rng(seed)
    docs = []
    for i in range(n):
        words = texts[i % len(texts)].split()
        k = int(rng.integers(5, 121))
        start = int(rng.integers(0, max(1, len(words) - k)))
        piece = words[start:start + k]
        while len(tokenizer(" ".join(piece))["input_ids"]) > max_tokens:  # fit one window: same work for all
            piece = piece[:-5]
        docs.append(" ".join(piece))
    return docs


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default="disease-category")
    args = ap.parse_args()
    from transformers import pipeline

    spec = default_registry().get(args.model)
    auto = load_model(spec, get_task(spec.task).build, device="auto", precision="auto")
    fp32 = load_model(spec, get_task(spec.task).build, device="auto", precision="fp32")
    names = list(spec.labels)
    max_len = spec.max_length
    docs = make_docs(args.data, args.n, fp32.tokenizer, max_len)
    pipe = pipeline("text-classification", model=fp32.model, tokenizer=fp32.tokenizer, device=fp32.device)
    lengths = [len(x) for x in fp32.tokenizer(docs)["input_ids"]]
    print(f"{len(docs)} documents, {min(lengths)}-{max(lengths)} tokens (median {int(np.median(lengths))}), "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {auto.device}")

    records = [TextRecord(str(i), d) for i, d in enumerate(docs)]
    # warm-up (first calls allocate and pick kernels)
    pipe(docs[:8], truncation=True, max_length=max_len)
    TextClassifier(auto).predict(records[:64])
    TextClassifier(fp32).predict(records[:64])

    results = []
    out, t = timed(lambda: pipe(docs, truncation=True, max_length=max_len))
    results.append(("(a) pipeline, default settings", t, [o["label"] for o in out]))
    out, t = timed(lambda: pipe(docs, truncation=True, max_length=max_len, batch_size=32))
    results.append(("(b) pipeline, batch_size=32", t, [o["label"] for o in out]))
    preds, t = timed(lambda: TextClassifier(fp32).predict(records, batch_size=32))
    results.append(("(c0) biofm engine, fp32", t, preds.labels))
    preds, t = timed(lambda: TextClassifier(auto).predict(records, batch_size=32))
    results.append((f"(c) biofm engine, precision {auto.precision}", t, preds.labels))
    windowed = preds.n_windowed

    base_a, base_b = results[0][1], results[1][1]
    ref = results[0][2]
    print("\n| contender | seconds | docs/s | vs (a) | vs (b) | labels equal to (a) |\n|---|---|---|---|---|---|")
    for name, t, labels in results:
        agree = np.mean([x == y for x, y in zip(labels, ref)])
        print(f"| {name} | {t:.1f} | {len(docs) / t:.1f} | {base_a / t:.2f}x | {base_b / t:.2f}x | {agree:.1%} |")
    print(f"\nlabels: {', '.join(names)}; documents windowed by biofm: {windowed}")


if __name__ == "__main__":
    main()

"""Docs/second of biofm's engine against the transformers pipeline and a plain-PyTorch upper bound, per task.

Run: .venv/bin/python bench/inference.py [--n 2000] [--device auto|cpu|cuda] [--tasks text-classify ner reports]

Contenders, all in one run on the same documents (mixed-length pieces, 5-120 words, cut from the Medical Abstracts
file at run time; generated chest reports for the report labeller), each warmed up first:

- (a) ``transformers`` pipeline with default settings (one document at a time);
- (b) the pipeline with ``batch_size`` 32 (CPU) or 64 (CUDA);
- (c0) biofm's engine in fp32; (c) biofm's engine with every default (the user's path: tokenising, windowing,
  token-budget batches, autocast precision by device, pooled embeddings and postprocessing included);
- (d) plain PyTorch: pre-tokenised (not timed), length-sorted, forward only, same precision as (c), fixed batches of
  64 (CPU) or 512 (CUDA) rows: the ceiling for this model on this machine.

Prints one table per task with docs/s, ratios to (a), (b) and (d), and how often each contender's labels equal
the fp32 labels of (c0).
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

from biofm.inference import autocast  # noqa: E402
from biofm.models import default_registry, load_model  # noqa: E402
from biofm.records import TextRecord  # noqa: E402
from biofm.tasks import get_task  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "medical_abstracts" / "train.csv"
MODELS = {"text-classify": "disease-category", "ner": "bc5cdr-ner", "reports": "chexpert-reports"}


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
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return out, time.perf_counter() - t0


def plain_forward(loaded, docs: list[str], rows: int, call) -> tuple[list, float]:
    """(d): tokenise first (untimed), then only length-sorted forward passes at the same precision."""
    tok = loaded.tokenizer
    enc = tok(docs, truncation=True, max_length=loaded.spec.max_length)["input_ids"]
    order = np.argsort([-len(e) for e in enc], kind="stable")
    batches = []
    for i in range(0, len(order), rows):
        idx = order[i:i + rows]
        width = len(enc[idx[0]])
        ids = torch.full((len(idx), width), tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for r, j in enumerate(idx):
            ids[r, :len(enc[j])] = torch.tensor(enc[j])
            mask[r, :len(enc[j])] = 1
        batches.append((idx, ids.to(loaded.device), mask.to(loaded.device)))

    def run():
        out = [None] * len(docs)
        with torch.inference_mode(), autocast(loaded.device, loaded.precision):
            for idx, ids, mask in batches:
                res = call(ids, mask).float().cpu().numpy()
                for r, j in enumerate(idx):
                    out[j] = res[r]
        return out

    run()  # warm-up
    return timed(run)


def load_pair(task: str, device: str):
    """The task's kind, its default model's spec, and that model loaded at the device's default precision and
    in fp32."""
    kind = get_task(task)
    spec = default_registry().get(MODELS[task])
    return (kind, spec, load_model(spec, kind.build, device=device, precision="auto"),
            load_model(spec, kind.build, device=device, precision="fp32"))


def bench_text_classify(args, device, docs_path) -> list:
    from transformers import pipeline

    kind, spec, auto, fp32 = load_pair("text-classify", device)
    docs = make_docs(docs_path, args.n, fp32.tokenizer, spec.max_length)
    describe(docs, fp32.tokenizer, auto)
    records = [TextRecord(str(i), d) for i, d in enumerate(docs)]
    pipe = pipeline("text-classification", model=fp32.model, tokenizer=fp32.tokenizer, device=fp32.device)
    pipe_batch = 64 if auto.device.type == "cuda" else 32
    pipe(docs[:8], truncation=True, max_length=spec.max_length)
    kind.adapter(auto).predict(records[:64])
    kind.adapter(fp32).predict(records[:64])
    res = []
    out, t = timed(lambda: pipe(docs, truncation=True, max_length=spec.max_length))
    res.append(("(a) pipeline, default", t, [o["label"] for o in out]))
    out, t = timed(lambda: pipe(docs, truncation=True, max_length=spec.max_length, batch_size=pipe_batch))
    res.append((f"(b) pipeline, batch_size={pipe_batch}", t, [o["label"] for o in out]))
    preds, t = timed(lambda: kind.adapter(fp32).predict(records))
    res.append(("(c0) biofm engine, fp32", t, preds.labels))
    preds, t = timed(lambda: kind.adapter(auto).predict(records))
    res.append((f"(c) biofm engine, defaults ({auto.precision})", t, preds.labels))
    out, t = plain_forward(auto, docs, 512 if auto.device.type == "cuda" else 64,
                           lambda i, m: auto.model(input_ids=i, attention_mask=m).logits)
    res.append((f"(d) plain PyTorch forward, {auto.precision}", t, [spec.labels[int(o.argmax())] for o in out]))
    return res


def bench_ner(args, device, docs_path) -> list:
    from transformers import pipeline

    kind, spec, auto, fp32 = load_pair("ner", device)
    docs = make_docs(docs_path, args.n_small, fp32.tokenizer, spec.max_length, seed=1)
    describe(docs, fp32.tokenizer, auto)
    records = [TextRecord(str(i), d) for i, d in enumerate(docs)]
    pipe = pipeline("token-classification", model=fp32.model, tokenizer=fp32.tokenizer, device=fp32.device,
                    aggregation_strategy="first")
    pipe_batch = 64 if auto.device.type == "cuda" else 32

    def spans(out):
        return [tuple((e["start"], e["end"], e["entity_group"]) for e in doc) for doc in out]

    def biofm_spans(preds):
        return [tuple((e.start, e.end, e.label) for e in doc) for doc in preds.entities]

    pipe(docs[:8])
    kind.adapter(auto).predict(records[:64])
    res = []
    out, t = timed(lambda: pipe(docs))
    res.append(("(a) pipeline, default", t, spans(out)))
    out, t = timed(lambda: pipe(docs, batch_size=pipe_batch))
    res.append((f"(b) pipeline, batch_size={pipe_batch}", t, spans(out)))
    preds, t = timed(lambda: kind.adapter(fp32).predict(records))
    res.append(("(c0) biofm engine, fp32", t, biofm_spans(preds)))
    preds, t = timed(lambda: kind.adapter(auto).predict(records))
    res.append((f"(c) biofm engine, defaults ({auto.precision})", t, biofm_spans(preds)))
    out, t = plain_forward(auto, docs, 512 if auto.device.type == "cuda" else 64,
                           lambda i, m: auto.model(input_ids=i, attention_mask=m).logits.argmax(-1))
    res.append((f"(d) plain PyTorch forward, {auto.precision}", t, None))
    return res


def bench_reports(args, device, _docs_path) -> list:
    from biofm.reports.generator import generate_reports

    kind, spec, auto, fp32 = load_pair("reports", device)
    docs = [r.text for r in generate_reports(args.n_small, seed=5, style="heldout")]
    describe(docs, fp32.tokenizer, auto)
    records = [TextRecord(str(i), d) for i, d in enumerate(docs)]

    def labels(preds):
        return [tuple(row.values()) for row in preds.model_labels]  # the model's own labels, before the rules

    kind.adapter(auto).predict(records[:64])
    res = []
    preds, t = timed(lambda: kind.adapter(fp32).predict(records))
    res.append(("(c0) biofm engine, fp32", t, labels(preds)))
    preds, t = timed(lambda: kind.adapter(auto).predict(records))
    res.append((f"(c) biofm engine, defaults ({auto.precision})", t, labels(preds)))
    out, t = plain_forward(auto, docs, 512 if auto.device.type == "cuda" else 64,
                           lambda i, m: auto.model.logits(auto.model.pooled(i, m)))
    res.append((f"(d) plain PyTorch forward, {auto.precision}", t, None))
    return res


def describe(docs, tok, loaded) -> None:
    lengths = [len(x) for x in tok(docs)["input_ids"]]
    print(f"\n## {loaded.spec.name} ({loaded.spec.task})\n\n{len(docs)} documents, {min(lengths)}-{max(lengths)} tokens "
          f"(median {int(np.median(lengths))}), device {loaded.device}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")


def table(n_docs: int, results: list) -> None:
    by = {name[:4].strip(): t for name, t, _ in results}
    ref = next((labels for name, _, labels in results if name.startswith("(c0)")), None)
    cols = [k for k in ("(a)", "(b)", "(d)") if k in by]
    print("\n| contender | seconds | docs/s | " + " | ".join(f"vs {k}" for k in cols) + " | labels = (c0) |")
    print("|---|---|---|" + "---|" * len(cols) + "---|")
    for name, t, labels in results:
        agree = "" if labels is None or ref is None else f"{np.mean([x == y for x, y in zip(labels, ref)]):.1%}"
        ratios = " | ".join(f"{by[k] / t:.2f}x" for k in cols)
        print(f"| {name} | {t:.2f} | {n_docs / t:,.1f} | {ratios} | {agree} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="documents for text-classify")
    ap.add_argument("--n-small", type=int, default=1000, help="documents for ner and reports")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--tasks", nargs="+", default=list(MODELS), choices=list(MODELS))
    args = ap.parse_args()
    runs = {"text-classify": (bench_text_classify, args.n), "ner": (bench_ner, args.n_small),
            "reports": (bench_reports, args.n_small)}
    for task in args.tasks:
        fn, n = runs[task]
        table(n, fn(args, args.device, args.data))


if __name__ == "__main__":
    main()

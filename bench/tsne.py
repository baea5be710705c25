"""openTSNE (FFT) vs scikit-learn TSNE (Barnes-Hut) on 5k, 10k and 20k real embeddings, in one run.

Run: .venv/bin/python bench/tsne.py [--sizes 5000 10000 20000]

The embeddings are the embedded MiniLM's pooled vectors of sentences from the BC5CDR and NCBI-disease files and
the Medical Abstracts file (read at run time). Reports seconds, the speed ratio, and trustworthiness (k=10, on a fixed 3,000-point
subsample) for both, so speed is not bought with quality.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def sentences(limit: int) -> list[str]:
    out = []
    for name in ("bc5cdr/train.tsv", "ncbi_disease/train.tsv", "bc5cdr/devel.tsv", "ncbi_disease/devel.tsv"):
        toks: list[str] = []
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                toks.append(line.split("\t")[0])
            elif toks:
                out.append(" ".join(toks))
                toks = []
    import csv
    import re

    with (DATA / "medical_abstracts" / "train.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out += [x for x in re.split(r"(?<=[.!?])\s+", row["medical_abstract"]) if len(x.split()) > 3]
    return out[:limit]


def embed(texts: list[str]) -> np.ndarray:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from biofm.inference import masked_mean, run_batched
    from biofm.models import embedded_encoder_path, pick_precision

    path = embedded_encoder_path()
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    ids = tok(texts, truncation=True, max_length=128)["input_ids"]
    outs = run_batched(ids, lambda i, m: {"e": masked_mean(model(input_ids=i, attention_mask=m).last_hidden_state, m)},
                       device=torch.device("cpu"), pad_id=tok.pad_token_id,
                       precision=pick_precision(torch.device("cpu")))
    return outs["e"].astype(np.float32)


def trust(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> float:
    from sklearn.manifold import trustworthiness

    idx = rng.choice(len(x), size=min(3000, len(x)), replace=False)
    return float(trustworthiness(x[idx], y[idx], n_neighbors=10))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    args = ap.parse_args()
    from openTSNE import TSNE as OpenTSNE
    from sklearn.manifold import TSNE as SkTSNE

    n_max = max(args.sizes)
    t0 = time.perf_counter()
    texts = sentences(n_max)
    if len(texts) < n_max:
        raise SystemExit(f"only {len(texts)} sentences available")
    emb = embed(texts)
    print(f"{len(emb)} embeddings of {emb.shape[1]} dims in {time.perf_counter() - t0:.0f} s; 2 threads each\n")
    print("| points | openTSNE s | sklearn s | speed-up | trust openTSNE | trust sklearn |\n|---|---|---|---|---|---|")
    for n in args.sizes:
        x = emb[:n]
        t0 = time.perf_counter()
        y_open = np.asarray(OpenTSNE(perplexity=30, random_state=0, n_jobs=2, negative_gradient_method="fft").fit(x))
        t_open = time.perf_counter() - t0
        t0 = time.perf_counter()
        y_sk = SkTSNE(perplexity=30, random_state=0, n_jobs=2, init="pca").fit_transform(x)
        t_sk = time.perf_counter() - t0
        rng = np.random.default_rng(0)
        print(f"| {n} | {t_open:.1f} | {t_sk:.1f} | {t_sk / t_open:.2f}x | {trust(x, y_open, rng):.3f} | "
              f"{trust(x, y_sk, np.random.default_rng(0)):.3f} |", flush=True)


if __name__ == "__main__":
    main()

"""biofm's t-SNE (``biofm.embed.tsne``) vs scikit-learn TSNE (Barnes-Hut) and openTSNE's defaults, in one run.

Run: .venv/bin/python bench/tsne.py [--sizes 10000 50000] [--no-opentsne] [--small 3 100 500 999]

The small-map table compares biofm's t-SNE now (identical rows merged, Barnes-Hut below 10,000 points, one thread
below 300) with the earlier path (every row embedded, FFT gradients at every size), best of three runs each, and
prints the machine's load average beside it: timings on a busy machine are not idle timings.

The embeddings are the embedded MiniLM's pooled vectors of sentences from the BC5CDR and NCBI-disease files and
the Medical Abstracts file (read at run time); past about 33k sentences, clauses and halves of the longer
sentences. Reports seconds, the speed ratio, and trustworthiness (k=10, on a fixed 3,000-point subsample, in the
original space) for each, so speed is not bought with quality. Embeddings are cached in the system's temp
directory between runs (keyed by the number of sentences).
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
    if len(out) < limit:  # past the sentences: clauses (split at , ; :) of the longer ones, then their halves
        long = [x for x in out if len(x.split()) >= 12]
        out += [c.strip() for x in long for c in re.split(r"[,;:]", x) if len(c.split()) > 4]
        out += [" ".join(w[: len(w) // 2]) for w in (x.split() for x in long)]
        out += [" ".join(w[len(w) // 2:]) for w in (x.split() for x in long)]
        out = list(dict.fromkeys(out))
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


def cached_embeddings(n: int) -> np.ndarray:
    import tempfile

    path = Path(tempfile.gettempdir()) / f"biofm-bench-tsne-{n}.npy"
    if path.is_file():
        return np.load(path)
    texts = sentences(n)
    if len(texts) < n:
        raise SystemExit(f"only {len(texts)} sentences available")
    emb = embed(texts)
    np.save(path, emb)
    return emb


def timed(fn):
    t0 = time.perf_counter()
    out = np.asarray(fn())
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    ap.add_argument("--no-opentsne", action="store_true", help="skip openTSNE with its default settings")
    ap.add_argument("--small", type=int, nargs="*", default=[3, 100, 500, 999],
                    help="small map sizes to time before/after (nothing to skip)")
    args = ap.parse_args()
    from openTSNE import TSNE as OpenTSNE
    from sklearn.manifold import TSNE as SkTSNE

    from biofm.embed.tsne import tsne

    t0 = time.perf_counter()
    emb = cached_embeddings(max(args.sizes))
    print(f"{len(emb)} embeddings of {emb.shape[1]} dims ({time.perf_counter() - t0:.0f} s); 2 threads each\n")
    tsne(emb[:500])  # warm-up: imports and the FFT plans' first use
    small(emb, args.small)
    print("| points | contender | seconds | vs sklearn | trustworthiness (k=10) |\n|---|---|---|---|---|")
    for n in args.sizes:
        x = emb[:n]
        runs = [("biofm", lambda: tsne(x, perplexity=30, seed=0))]
        if not args.no_opentsne:
            runs.append(("openTSNE defaults (FFT)", lambda: OpenTSNE(perplexity=30, random_state=0, n_jobs=2,
                                                                     negative_gradient_method="fft").fit(x)))
        runs.append(("scikit-learn (Barnes-Hut, PCA init)",
                     lambda: SkTSNE(perplexity=30, random_state=0, n_jobs=2, init="pca").fit_transform(x)))
        results = [(name, *timed(fn)) for name, fn in runs]
        t_sk = results[-1][2]
        for name, y, t in results:
            print(f"| {n} | {name} | {t:.1f} | {t_sk / t:.2f}x | {trust(x, y, np.random.default_rng(0)):.4f} |",
                  flush=True)


def small(emb: np.ndarray, sizes: list[int]) -> None:
    """Small maps: the earlier path (FFT at every size, duplicates embedded apart) against the current one."""
    from sklearn.manifold import trustworthiness

    from biofm.embed.tsne import tsne

    if not sizes:
        return
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| points | before (FFT, no dedup) s | after s | trustworthiness before | after |\n|---|---|---|---|---|")
    for n in sizes:
        x = emb[:n] if n > 3 else np.repeat(emb[:1], n, axis=0)  # 3 points: three copies of one molecule
        before = [timed(lambda: tsne(x, gradient="fft", deduplicate=False)) for _ in range(3)]
        after = [timed(lambda: tsne(x)) for _ in range(3)]
        yb, tb = min(before, key=lambda r: r[1])
        ya, ta = min(after, key=lambda r: r[1])
        k = min(10, (n - 1) // 2)
        tw = [f"{trustworthiness(x, y, n_neighbors=k):.4f}" if n > 3 else "n/a (identical)" for y in (yb, ya)]
        print(f"| {n} | {tb:.2f} | {ta:.2f} | {tw[0]} | {tw[1]} |", flush=True)
    print()


if __name__ == "__main__":
    main()

"""Rows/second of ``biofm batch text-classify``: ``--engine local`` vs Ray with 1 and 2 workers.

Run: .venv/bin/python bench/batch.py [--n 4000] [--files 4] [--data ../shared/datasets/medical_abstracts/train.csv]

The input is ``--files`` CSV files of mixed-length pieces (5-120 words) cut from the Medical Abstracts file at run
time (nothing of it is kept). Each contender runs the whole ``biofm batch`` command path, model loading included,
and the outputs are checked to hold the same labels. On a 2-core machine Ray cannot gain much: the point is that the
same command runs, and scales where there are more cores or GPUs (set RAY_ADDRESS to use a cluster).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from biofm import api  # noqa: E402
from biofm.batch import BatchJob, run_batch  # noqa: E402
from biofm.config import load_settings  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "medical_abstracts" / "train.csv"


def write_inputs(data: Path, folder: Path, n: int, files: int, seed: int = 0) -> list[str]:
    with data.open(newline="", encoding="utf-8") as fh:
        texts = [row["medical_abstract"] for row in csv.DictReader(fh)]
    rng = np.random.default_rng(seed)
    paths = []
    for f in range(files):
        rows = []
        for i in range(f, n, files):
            words = texts[i % len(texts)].split()
            k = int(rng.integers(5, 121))
            start = int(rng.integers(0, max(1, len(words) - k)))
            rows.append({"id": f"d{i}", "text": " ".join(words[start:start + k])})
        path = folder / f"part{f}.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        paths.append(str(path))
    return paths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default="disease-category")
    args = ap.parse_args()
    settings = load_settings()
    spec = api.resolve_spec(args.model, "text-classify", settings)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inputs = write_inputs(args.data, folder, args.n, args.files)
        contenders = [("local", "local", None), ("ray, 1 worker", "ray", 1), ("ray, 2 workers", "ray", 2)]
        results, labels = [], {}
        for name, engine, workers in contenders:
            out = folder / f"{engine}{workers or ''}.parquet"
            job = BatchJob("text-classify", inputs, out, spec, settings)
            t0 = time.perf_counter()
            res = run_batch(job, engine, workers)
            seconds = time.perf_counter() - t0
            labels[name] = pd.read_parquet(out)["label"].tolist()
            results.append((name, res.rows, seconds))
    base = results[0][2]
    print(f"biofm batch text-classify, {args.n} documents in {args.files} files, {os.cpu_count()} cores")
    print(f"{'engine':<16}{'rows':>7}{'seconds':>10}{'rows/s':>9}{'vs local':>10}")
    for name, rows, seconds in results:
        print(f"{name:<16}{rows:>7}{seconds:>10.1f}{rows / seconds:>9.1f}{base / seconds:>9.2f}x")
    same = all(v == labels["local"] for v in labels.values())
    print(f"labels identical across engines: {same}")


if __name__ == "__main__":
    main()

"""Reports/second of the imaging-report labeler on CPU: rules alone (medspaCy ConText) and rules + model combined.

Run: .venv/bin/python bench/reports.py [--n 500] [--device cpu] [--threads 0]

Reports: generated chest reports (``biofm.reports.generator``, both phrasing sets, 1-3 sections
each; about 30 words), the same set for both contenders, each warmed up first. ``rules`` is ``label_report`` per report (section
and sentence split, target rules, ConText, aggregation); ``rules + model`` is ``api.predict("reports", ...)`` with
the shipped ``chexpert-reports`` model (tokenising, windows, the encoder forward, the rules, and the combination),
i.e. what the page and ``biofm predict reports`` do. Anchor: the CheXpert labeler (NegBio's parser-based pipeline)
labels about 3 reports/s on CPU. Prints reports/s and the machine's load (``os.getloadavg``) before and after.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from biofm import api  # noqa: E402
from biofm.config import load_settings  # noqa: E402
from biofm.records import TextRecord  # noqa: E402
from biofm.reports import label_report  # noqa: E402
from biofm.reports.generator import generate_reports  # noqa: E402


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500, help="reports (half each phrasing set)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    texts = [r.text for r in generate_reports(args.n // 2, seed=7)
             + generate_reports(args.n - args.n // 2, seed=7, style="heldout")]
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{len(texts)} generated reports, {words:.0f} words on average; cores {os.cpu_count()}; "
          f"load average before {_load()}")
    for t in texts[:20]:
        label_report(t)  # warm-up: builds the medspaCy pipeline
    t0 = time.perf_counter()
    for t in texts:
        label_report(t)
    rules_s = time.perf_counter() - t0
    settings = load_settings(device=args.device)
    records = [TextRecord(str(i), t) for i, t in enumerate(texts)]
    api.predict("reports", records[:32], settings=settings)  # warm-up: loads the model
    t0 = time.perf_counter()
    preds = api.predict("reports", records, settings=settings)
    preds.final()
    both_s = time.perf_counter() - t0
    print(f"{'contender':<16}{'reports/s':>10}{'x CheXpert labeler (~3/s)':>28}")
    for name, secs in (("rules", rules_s), ("rules + model", both_s)):
        rate = len(texts) / secs
        print(f"{name:<16}{rate:>10.1f}{rate / 3:>28.1f}")
    print(f"load average after {_load()}")


if __name__ == "__main__":
    main()

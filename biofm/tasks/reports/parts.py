"""The parts of the ``reports`` task beside the adapter: the explanation objective and the review codec."""

from __future__ import annotations

import numpy as np

from biofm.reports.observations import LABELS, OBSERVATIONS, chexpert_value
from biofm.review.codec import Editor, ReviewCodec


class ObservationObjective:
    """Explain one observation: the probability of the class the model predicts for it."""

    def window_start(self, target, offsets, n_tokens: int, body: int) -> int:
        return 0

    def score(self, loaded, ids, mask, target, text: str, window):
        from biofm.explain.attribution import model_logits

        if target is None or target.label not in OBSERVATIONS:
            raise ValueError(f"a report explanation needs an observation target, one of {list(OBSERVATIONS)}")
        j = OBSERVATIONS.index(target.label)
        c = int(model_logits(loaded, ids, mask)[0, j].argmax())
        return (lambda logits: logits.float().softmax(-1)[:, j, c]), f"{target.label}: {LABELS[c]}"


class ObservationCodec(ReviewCodec):
    """14 observations, each positive / negative / uncertain / not mentioned; CheXpert CSV export."""

    text_header = "report"

    def items(self, preds) -> list[dict]:
        model, out = preds.model_labels, []
        for i, (rid, text, fin) in enumerate(zip(preds.ids, preds.texts, preds.final())):
            rules = preds.rules[i].as_row()
            out.append({"external_id": rid, "text": text, "confidence": float(np.mean(preds.probs[i].max(-1))),
                        "disagreement": float(sum(1 for o in OBSERVATIONS if rules[o] != model[i][o])),
                        "prediction": {"observations": {o: fin[o][0] for o in OBSERVATIONS},
                                       "rules": rules, "model": model[i]}})
        return out

    def value(self, prediction: dict) -> dict:
        return {"observations": dict(prediction["observations"])}

    def explain_targets(self, prediction: dict, labels) -> list:
        rank = {"positive": 0, "uncertain": 1, "negative": 2}
        return sorted(OBSERVATIONS, key=lambda o: rank.get(prediction["observations"].get(o), 3))

    def label_names(self, values, labels) -> list[str]:
        return list(OBSERVATIONS)

    def label_value(self, value: dict, name: str):
        return value["observations"].get(name, "not mentioned")

    def is_positive(self, value: dict, name: str) -> bool:
        return self.label_value(value, name) == "positive"

    def csv_rows(self, rows, labels):
        return ["id", "report", *OBSERVATIONS], [
            [v.external_id, v.text, *(chexpert_value(val["observations"].get(o, "not mentioned"))
                                      for o in OBSERVATIONS)] for v, val in rows]

    def editor(self, text: str, prediction: dict, labels) -> Editor:
        rows = [{"observation": o, "label": prediction["observations"][o],
                 "rules": prediction.get("rules", {}).get(o, ""), "model": prediction.get("model", {}).get(o, "")}
                for o in OBSERVATIONS]
        return Editor(rows, ["label"], {"label": list(LABELS)})

    def from_editor(self, rows: list[dict], text: str):
        return {"observations": {r["observation"]: r["label"] for r in rows}}, None

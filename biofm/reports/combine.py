"""How the rule labeler and the model combine into the labels a page, the CLI and the exports show.

Rules first, the model only where no sentence speaks:

1. An observation that the rules found in a sentence (positive, negative or uncertain) keeps the rules' label and
   that sentence as its evidence, source ``rules``. The model never overrides the rules' reading of a sentence.
2. An observation no sentence mentions takes the model's label only when the model calls it positive or uncertain
   with probability >= ``MODEL_ONLY_THRESHOLD``; it is marked source ``model`` ("model only"), carries that
   probability and no evidence. A model "negative" with no sentence behind it is not taken (nothing in the report
   denies the finding), nor is the model's No Finding.
3. Otherwise the observation is not mentioned (source ``rules``).
4. No Finding is then recomputed on the combined labels, the CheXpert way: positive only when none of the 12
   pathologies (Support Devices aside) is positive or uncertain, from either source, and the rules kept it on (no
   finding outside the 14 read as present). Whatever the model says about No Finding itself is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biofm.reports.observations import LABELS, OBSERVATIONS, PATHOLOGIES
from biofm.reports.rules import ObservationLabel, ReportLabels

# The model's own figures on generated held-out text are far from the rules' (see its card), and on reports with
# no device it has said Support Devices at p 0.81-0.95, so a model-only label needs a very sure model.
MODEL_ONLY_THRESHOLD = 0.97


@dataclass(frozen=True)
class FinalLabel:
    """One observation of one report as shown: label, source (rules | model), the model's probability of its own
    label for it, and the rules' evidence (empty for a model-only label)."""

    label: str
    source: str
    probability: float
    model_label: str
    rules: ObservationLabel

    @property
    def model_only(self) -> bool:
        return self.source == "model"

    @property
    def evidence(self) -> str:
        return "" if self.model_only else self.rules.evidence


def combine(rules: ReportLabels, probs: np.ndarray, threshold: float = MODEL_ONLY_THRESHOLD) -> dict[str, FinalLabel]:
    """Combined labels of one report. ``probs``: the model's [14, 4] probabilities (observations x LABELS)."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (len(OBSERVATIONS), len(LABELS)):
        raise ValueError(f"probs must be {len(OBSERVATIONS)} x {len(LABELS)}, got {probs.shape}")
    out: dict[str, FinalLabel] = {}
    for j, obs in enumerate(OBSERVATIONS):
        r = rules.labels[obs]
        k = int(probs[j].argmax())
        m, p = LABELS[k], float(probs[j, k])
        if obs == "No Finding":
            continue
        if r.label != "not mentioned":
            out[obs] = FinalLabel(r.label, "rules", p, m, r)
        elif m in ("positive", "uncertain") and p >= threshold:
            out[obs] = FinalLabel(m, "model", p, m, r)
        else:
            out[obs] = FinalLabel("not mentioned", "rules", p, m, r)
    j = OBSERVATIONS.index("No Finding")
    k = int(probs[j].argmax())
    nf = rules.labels["No Finding"]
    blocking = [o for o in PATHOLOGIES if out[o].label in ("positive", "uncertain")]
    if nf.label == "positive" and blocking:
        nf = ObservationLabel("not mentioned", note=f"{blocking[0]} is {out[blocking[0]].label} (model only, "
                              f"p {out[blocking[0]].probability:.2f})")
    out["No Finding"] = FinalLabel(nf.label, "rules", float(probs[j, k]), LABELS[k], nf)
    return {o: out[o] for o in OBSERVATIONS}


def evidence_rows(labels: dict[str, FinalLabel]) -> list[dict]:
    """The labels a sentence supports (source rules, mentioned), for display: observation, label, cue, evidence."""
    return [{"observation": o, "label": f.label, "cue": f.rules.cue, "evidence": f.rules.evidence or f.rules.note}
            for o, f in labels.items() if f.source == "rules" and f.label != "not mentioned"]


def model_only_rows(labels: dict[str, FinalLabel]) -> list[dict]:
    """The labels only the model gives (no sentence mentions the observation): observation, label, probability."""
    return [{"observation": o, "label": f.label, "model probability": round(f.probability, 3)}
            for o, f in labels.items() if f.model_only]

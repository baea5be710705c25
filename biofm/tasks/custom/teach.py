"""The teach loop's pure parts: which unreviewed item to show next, which suggestions to accept in bulk, the
fixed reviewed dev part, and the learning curve of a custom model's versions.

Uncertainty follows active learning's standard measures (Settles 2009, "Active Learning Literature Survey"):
Shannon entropy of the class distribution for single-label, mean binary entropy over labels for multi-label.
Diversity: maximal marginal relevance (Carbonell & Goldstein 1998) over the pooled embeddings, so the first items
shown are uncertain *and* unlike each other, not twenty near-copies of one confusing note.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from biofm.tasks.fields import ClassProbs, MultiLabelProbs

DEV_PERCENT = 20


def _entropy(p: np.ndarray, axis=-1) -> np.ndarray:
    p = np.clip(p, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis)


def uncertainty(probs: np.ndarray, multi_label: bool) -> np.ndarray:
    """Per item, in [0, 1]: normalised entropy (single-label) or mean binary entropy in bits (multi-label)."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.size == 0:
        return np.zeros(probs.shape[0])
    if multi_label:
        p = np.clip(probs, 1e-12, 1 - 1e-12)
        return (-(p * np.log2(p) + (1 - p) * np.log2(1 - p))).mean(-1)
    return _entropy(probs) / np.log(max(probs.shape[1], 2))


def decisions(probs: np.ndarray, multi_label: bool, thresholds: Sequence[float] | None = None) -> np.ndarray:
    """The model's decisions: class index per item ``[n]`` (single) or 0/1 per label ``[n, L]`` (multi,
    ``p >= threshold``, 0.5 by default): the output field's (:mod:`biofm.tasks.fields`)."""
    if not multi_label:
        return np.asarray(probs).argmax(-1)
    return MultiLabelProbs(thresholds=thresholds).decisions(probs)


def confidence(probs: np.ndarray, multi_label: bool, thresholds: Sequence[float] | None = None) -> np.ndarray:
    """Per item: the top class's probability (single-label), or the least sure of the label decisions
    (multi-label: ``min_j`` of ``p_j`` for labels given, ``1 - p_j`` for labels withheld): the output field's."""
    field_ = MultiLabelProbs(thresholds=thresholds) if multi_label else ClassProbs()
    return field_.confidence([], probs)


def teach_order(probs: np.ndarray, multi_label: bool, embeddings: np.ndarray | None = None,
                diversity: float = 0.3, head: int = 50) -> list[int]:
    """Indices of unreviewed items, the one to teach next first.

    The first ``head`` items are picked greedily by maximal marginal relevance, ``(1 - diversity) * uncertainty -
    diversity * max cosine similarity to the items already picked`` (needs ``embeddings`` ``[n, d]``); the rest
    follow by uncertainty, highest first. ``diversity=0`` or no embeddings: pure uncertainty order."""
    u = uncertainty(probs, multi_label)
    n = len(u)
    by_u = [int(i) for i in np.argsort(-u, kind="stable")]
    if embeddings is None or diversity <= 0 or n <= 1:
        return by_u
    e = np.asarray(embeddings, dtype=np.float64)
    e = e / np.clip(np.linalg.norm(e, axis=1, keepdims=True), 1e-12, None)
    picked: list[int] = []
    closest = np.full(n, -1.0)  # max cosine similarity to a picked item
    free = np.ones(n, bool)
    for _ in range(min(head, n)):
        score = (1 - diversity) * u - diversity * closest if picked else u.copy()
        score[~free] = -np.inf
        i = int(np.argmax(score))
        picked.append(i)
        free[i] = False
        closest = np.maximum(closest, e @ e[i])
    rest = [i for i in by_u if free[i]]
    return picked + rest


def accept_above(probs: np.ndarray, c: float, label_names: Sequence[str], multi_label: bool,
                 thresholds: Sequence[float] | None = None) -> list[tuple[int, dict]]:
    """``(index, value)`` for every item whose :func:`confidence` is at least ``c``: the suggestions "accept all
    above confidence c" records, as review values (``{"label": name}`` or ``{"labels": [names]}``)."""
    if not 0.0 <= c <= 1.0:
        raise ValueError(f"confidence c must be between 0 and 1, got {c}")
    conf = confidence(probs, multi_label, thresholds)
    d = decisions(probs, multi_label, thresholds)
    out = []
    for i in np.flatnonzero(conf >= c):
        if multi_label:
            out.append((int(i), {"labels": [label_names[j] for j in np.flatnonzero(d[i])]}))
        else:
            out.append((int(i), {"label": label_names[int(d[i])]}))
    return out


def is_dev(item_id: str, percent: int = DEV_PERCENT) -> bool:
    """Whether a reviewed item belongs to the fixed dev part: by a hash of its id, so an item never changes part
    as more are reviewed (the learning curve's points are scored on items no version trained on)."""
    if percent <= 0:
        return False
    h = int.from_bytes(hashlib.sha256(str(item_id).encode("utf-8")).digest()[:8], "big")
    return h % 100 < percent


def learning_curve(folder: str | Path) -> list[dict]:
    """The learning curve of a custom model folder: one row per point, oldest first, with ``version`` (0 is
    zero-shot), ``n_train`` (reviewed items trained on), ``n_dev``, ``dev_macro_f1`` and ``dev_micro_f1``.

    Each point is scored on the dev part as it was at that retrain (its ``n_dev``); the dev part only grows, by
    items no version trained on."""
    from biofm.tasks.custom.model import read_versions

    rows = []
    for v in read_versions(folder):
        if "zero_shot_dev" in v and not rows:
            z = v["zero_shot_dev"]
            rows.append({"version": 0, "n_train": 0, "n_dev": v["n_dev"], "dev_macro_f1": z["macro_f1"],
                         "dev_micro_f1": z["micro_f1"]})
        if v.get("dev"):
            rows.append({"version": v["version"], "n_train": v["n_train"], "n_dev": v["n_dev"],
                         "dev_macro_f1": v["dev"]["macro_f1"], "dev_micro_f1": v["dev"]["micro_f1"]})
    return rows


def teach_queue(items: Sequence) -> list:
    """Review items (anything with a ``prediction`` dict, e.g. the store's ``ItemView``) in teach order: the
    ``teach_rank`` the custom codec stored with each prediction (:func:`teach_order` over its batch), items
    without one last in their given order."""
    return sorted(items, key=lambda it: (it.prediction or {}).get("teach_rank", float("inf")))


def accept_items(items: Sequence, c: float, labels: Sequence[str]) -> list[tuple[object, dict]]:
    """``(item, value)`` for the stored review items whose suggestion has confidence at least ``c`` (what "accept
    all above confidence c" records), read from each item's stored prediction (``probs`` per label and, for
    multi-label, its ``thresholds``)."""
    if not items:
        return []
    preds = [it.prediction or {} for it in items]
    multi = "labels" in preds[0]
    probs = np.array([[p.get("probs", {}).get(n, 0.0) for n in labels] for p in preds], dtype=np.float64)
    thresholds = [preds[0].get("thresholds", {}).get(n, 0.5) for n in labels] if multi else None
    return [(items[i], value) for i, value in accept_above(probs, c, list(labels), multi, thresholds)]

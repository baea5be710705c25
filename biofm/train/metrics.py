"""Metrics the trainers, cards and review page report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from biofm.entities import decode_bio


def span_prf(pairs: Iterable[tuple[set, set]]) -> dict:
    """Strict precision/recall/F1 per type and overall from (gold, predicted) sets of (type, start, end)."""
    tp: dict[str, int] = {}
    n_gold: dict[str, int] = {}
    n_pred: dict[str, int] = {}
    for gs, ps in pairs:
        for kind, *_ in gs:
            n_gold[kind] = n_gold.get(kind, 0) + 1
        for kind, *_ in ps:
            n_pred[kind] = n_pred.get(kind, 0) + 1
        for kind, *_ in gs & ps:
            tp[kind] = tp.get(kind, 0) + 1

    def prf(t: int, ng: int, np_: int) -> dict:
        p = t / np_ if np_ else 0.0
        r = t / ng if ng else 0.0
        return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": ng}

    kinds = sorted(set(n_gold) | set(n_pred))
    out = {k: prf(tp.get(k, 0), n_gold.get(k, 0), n_pred.get(k, 0)) for k in kinds}
    out["overall"] = prf(sum(tp.values()), sum(n_gold.values()), sum(n_pred.values()))
    return out


def entity_prf(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """Strict entity-level precision/recall/F1 (type and both boundaries must match), overall and per type."""
    return span_prf((set(decode_bio(g)), set(decode_bio(p))) for g, p in zip(gold, pred))

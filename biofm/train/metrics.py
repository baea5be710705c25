"""Metrics the trainers, cards and review page report."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence


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
    """Strict entity-level precision/recall/F1 (type and both boundaries must match), overall and per type.

    ``gold`` and ``pred``: one IOB2 tag list per sentence (``O``, ``B-X``, ``I-X``), the same lengths pairwise.
    Returns ``{type: {precision, recall, f1, support}, ..., "overall": {...}}`` over the types of either side;
    ``overall`` is the micro average, ``support`` the number of gold entities. seqeval's ``classification_report``
    in strict mode with the IOB2 scheme (as conlleval scores CoNLL 2003): an ``I-X`` that does not continue an
    ``X`` entity begun by ``B-X`` is not an entity (biofm's CoNLL reader turns IOB1 into IOB2 and predicted tags are
    written from entities, so both sides are IOB2). Precision or recall with nothing to count is 0. Raises
    ValueError when a gold and a predicted sentence differ in length.
    """
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    gold, pred = [list(g) for g in gold], [list(p) for p in pred]
    with warnings.catch_warnings():  # the macro average of no entity at all is a mean of nothing (unused here)
        warnings.simplefilter("ignore", RuntimeWarning)
        report = classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)

    def prf(row: dict) -> dict:
        return {"precision": float(row["precision"]), "recall": float(row["recall"]), "f1": float(row["f1-score"]),
                "support": int(row["support"])}

    out = {k: prf(v) for k, v in sorted(report.items()) if k not in ("micro avg", "macro avg", "weighted avg")}
    out["overall"] = prf(report["micro avg"])
    return out

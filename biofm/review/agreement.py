"""Agreement between reviewers of one batch, through the task's review codec.

Input everywhere: ``values`` = {item id: {reviewer: value or None (a rejection: no value, counted as missing)}}.

- Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"; the ``krippendorff``
  package) over any number of reviewers with missing values: per label (what the codec compares for that label:
  a class, an observation's value, a target's value, an entity type's span set) and overall (the codec's overall
  value per item, else every (item, label) pair pooled). Nominal, or interval where every value is a number.
- Cohen's kappa (scikit-learn's ``cohen_kappa_score``) per pair of reviewers, per label and overall, on the items
  both labelled.
- Entities: span F1 between each pair of reviewers, exact (same type, start and end) and overlap (same type,
  overlapping characters), pooled over the items both reviewed (Prodigy's and INCEpTION's pairwise span agreement).

Undefined measures (fewer than two pairable values, a single value in the domain) are None, never 0 or NaN.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

OVERALL = "(all labels)"


def _hashable(value):
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _numeric(values) -> bool:
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def krippendorff_alpha(table: Sequence[Sequence]) -> float | None:
    """Alpha for a reviewers x units table (None = missing), with the ``krippendorff`` package: interval level when
    every value is a number, else nominal (values coded as integers). None when undefined."""
    import krippendorff

    present = [v for row in table for v in row if v is not None]
    if len(table) < 2 or len(set(present)) < 2:
        return None
    numeric = _numeric(present)
    codes = {v: i for i, v in enumerate(sorted(set(present), key=repr))}
    data = np.array([[np.nan if v is None else (float(v) if numeric else codes[v]) for v in row] for row in table],
                    dtype=float)
    pairable = (np.sum(~np.isnan(data), axis=0) >= 2)
    if pairable.sum() < 1:
        return None
    try:
        alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="interval" if numeric else "nominal")
    except (ValueError, ZeroDivisionError):
        return None
    return None if alpha is None or np.isnan(alpha) else float(alpha)


def _labels(codec, labels, values) -> list[str]:
    given = [v for per in values.values() for v in per.values() if v is not None]
    return codec.label_names(given, labels) if given else []


def alpha_table(codec, labels: Sequence[str], values: dict[int, dict[str, dict | None]]) -> list[dict]:
    """Rows {label, Krippendorff's alpha, reviewers, items (with two or more values), level} per label and overall."""
    reviewers = sorted({r for per in values.values() for r in per})
    items = sorted(values)
    names = _labels(codec, labels, values)

    def cell(item, reviewer, fn):
        v = values[item].get(reviewer)
        return None if v is None else _hashable(fn(v))

    def row(name, table, units):
        present = [v for r in table for v in r if v is not None]
        pairable = sum(1 for j in range(len(units)) if sum(1 for r in table if r[j] is not None) >= 2)
        return {"label": name, "Krippendorff's alpha": krippendorff_alpha(table), "reviewers": len(reviewers),
                "items": pairable, "level": "interval" if _numeric(present) else "nominal"}

    out = []
    for name in names:
        table = [[cell(i, r, lambda v, n=name: codec.label_value(v, n)) for i in items] for r in reviewers]
        out.append(row(name, table, items))
    if not items:
        return out
    overall = [[cell(i, r, codec.overall_value) for i in items] for r in reviewers]
    if any(v is not None for r in overall for v in r):
        out.append(row(OVERALL, overall, items))
    elif names:  # no single overall value per item: every (item, label) pair is a unit
        units = [(i, n) for i in items for n in names]
        table = [[cell(i, r, lambda v, n=n: codec.label_value(v, n)) for i, n in units] for r in reviewers]
        out.append(row(OVERALL, table, units))
    return out


def pair_kappa(codec, labels: Sequence[str], values: dict[int, dict[str, dict | None]], reviewer_a: str,
               reviewer_b: str) -> dict[str, float | None]:
    """Cohen's kappa per label (and overall) between two reviewers on the items both gave a value."""
    from sklearn.metrics import cohen_kappa_score

    both = sorted(i for i, per in values.items() if per.get(reviewer_a) is not None
                  and per.get(reviewer_b) is not None)
    a = {i: values[i][reviewer_a] for i in both}
    b = {i: values[i][reviewer_b] for i in both}
    out: dict[str, float | None] = {}

    def kappa(xa, xb):
        if len(xa) < 2 or len(set(xa) | set(xb)) < 2:
            return None
        if _numeric(list(xa) + list(xb)):  # kappa is for categories: numbers are compared as given
            xa, xb = [repr(x) for x in xa], [repr(x) for x in xb]
        value = cohen_kappa_score(list(xa), list(xb))
        return None if np.isnan(value) else float(value)

    for name in codec.label_names([a[i] for i in both] + [b[i] for i in both], labels) if both else []:
        out[name] = kappa([_hashable(codec.label_value(a[i], name)) for i in both],
                          [_hashable(codec.label_value(b[i], name)) for i in both])
    overall_a = [_hashable(codec.overall_value(a[i])) for i in both]
    if both and overall_a[0] is not None:
        out[OVERALL] = kappa(overall_a, [_hashable(codec.overall_value(b[i])) for i in both])
    return out


def kappa_table(codec, labels, values) -> list[dict]:
    """Rows {reviewer A, reviewer B, label, Cohen's kappa, items} for every pair of reviewers."""
    reviewers = sorted({r for per in values.values() for r in per})
    out = []
    for ra, rb in itertools.combinations(reviewers, 2):
        n = sum(1 for per in values.values() if per.get(ra) is not None and per.get(rb) is not None)
        for name, k in pair_kappa(codec, labels, values, ra, rb).items():
            out.append({"reviewer A": ra, "reviewer B": rb, "label": name, "Cohen's kappa": k, "items": n})
    return out


def span_f1(a: Sequence[dict], b: Sequence[dict]) -> dict[str, float | int]:
    """Exact and overlap F1 between two reviewers' entity lists (dicts with start, end, label), pooled.

    Exact: same label, start and end. Overlap: same label and at least one shared character; precision counts A's
    spans that overlap one of B's, recall B's that overlap one of A's. Both empty: F1 1.0 (they agree)."""
    sa = {(e["label"], int(e["start"]), int(e["end"])) for e in a}
    sb = {(e["label"], int(e["start"]), int(e["end"])) for e in b}
    return _f1_counts(len(sa & sb), len(sa), len(sb), _overlapping(sa, sb), _overlapping(sb, sa))


def _overlapping(xs, ys) -> int:
    return sum(1 for (lab, s, e) in xs if any(lab == l2 and s < e2 and s2 < e for (l2, s2, e2) in ys))


def _f1_counts(exact: int, na: int, nb: int, over_a: int, over_b: int) -> dict:
    def f1(p_num, r_num):
        if na == 0 and nb == 0:
            return 1.0
        p = p_num / na if na else 0.0
        r = r_num / nb if nb else 0.0
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    return {"exact F1": f1(exact, exact), "overlap F1": f1(over_a, over_b), "spans A": na, "spans B": nb}


def span_table(values: dict[int, dict[str, dict | None]]) -> list[dict]:
    """Rows {reviewer A, reviewer B, exact F1, overlap F1, items, spans A, spans B} for every pair of reviewers
    who both gave entities on at least one item (pooled over those items)."""
    reviewers = sorted({r for per in values.values() for r in per})
    out = []
    for ra, rb in itertools.combinations(reviewers, 2):
        both = [per for per in values.values() if isinstance(per.get(ra), dict) and isinstance(per.get(rb), dict)
                and "entities" in per[ra] and "entities" in per[rb]]
        if not both:
            continue
        exact = na = nb = over_a = over_b = 0
        for per in both:
            sa = {(e["label"], int(e["start"]), int(e["end"])) for e in per[ra]["entities"]}
            sb = {(e["label"], int(e["start"]), int(e["end"])) for e in per[rb]["entities"]}
            exact, na, nb = exact + len(sa & sb), na + len(sa), nb + len(sb)
            over_a, over_b = over_a + _overlapping(sa, sb), over_b + _overlapping(sb, sa)
        out.append({"reviewer A": ra, "reviewer B": rb, **_f1_counts(exact, na, nb, over_a, over_b),
                    "items": len(both)})
    return out


def agreement(codec, labels: Sequence[str], values: dict[int, dict[str, dict | None]]) -> dict[str, list[dict]]:
    """{'alpha': alpha_table, 'kappa': kappa_table, 'spans': span_table} for a batch's reviewer values."""
    return {"alpha": alpha_table(codec, labels, values), "kappa": kappa_table(codec, labels, values),
            "spans": span_table(values)}


def agreement_csv(tables: dict[str, list[dict]]) -> bytes:
    """The agreement tables as one CSV: measure, label, reviewer A, reviewer B, value, items (downloadable)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["measure", "label", "reviewer A", "reviewer B", "value", "items"])
    for r in tables.get("alpha", []):
        w.writerow(["krippendorff_alpha_" + r["level"], r["label"], "", "", _fmt(r["Krippendorff's alpha"]),
                    r["items"]])
    for r in tables.get("kappa", []):
        w.writerow(["cohen_kappa", r["label"], r["reviewer A"], r["reviewer B"], _fmt(r["Cohen's kappa"]), r["items"]])
    for r in tables.get("spans", []):
        for m in ("exact F1", "overlap F1"):
            w.writerow([f"span_{m.split()[0]}_f1", "(entities)", r["reviewer A"], r["reviewer B"], _fmt(r[m]),
                        r["items"]])
    return buf.getvalue().encode("utf-8")


def _fmt(v) -> str:
    return "" if v is None else f"{v:.6f}"

"""Each shipped model's headline metric is read from one place, its ``biofm.json``: the home page and Models and
training show it, and the README's table of shipped models quotes the same figure."""

from __future__ import annotations

import re
from pathlib import Path

from biofm.config import load_settings
from biofm.models.spec import metric_name

ROOT = Path(__file__).resolve().parents[2]


def _readme_rows() -> dict[str, str]:
    """The README's shipped-model table: model name -> its headline cell."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `([\w-]+)` \|.*\| ([^|]+) \|$", line)
        if m and "headline metric" not in line:
            rows[m.group(1)] = m.group(2)
    return rows


def test_the_readme_quotes_each_models_headline_metric():
    from biofm import api

    shipped = {s.name: s for s in api.registry(load_settings()).specs() if s.source == "shipped" and s.metrics}
    rows = _readme_rows()
    assert {"disease-category", "bc5cdr-ner", "chexpert-reports", "esol", "bbbp", "tox21"} <= set(rows)
    for name, cell in rows.items():
        if name not in shipped:
            continue
        label, value = shipped[name].headline
        assert f"{value:.3f}" in cell.split("(")[0], f"README says {cell!r} for {name}; its biofm.json: {label} {value}"
    assert shipped["chexpert-reports"].headline_text() == "held-out phrasing macro-F1 0.495"


def test_metric_keys_read_as_the_field_writes_them():
    assert metric_name("dev_macro_f1") == "dev macro-F1"
    assert metric_name("test_roc_auc") == "test ROC-AUC"
    assert metric_name("test_rmse") == "test RMSE"
    assert metric_name("heldout_phrasing_macro_f1") == "held-out phrasing macro-F1"

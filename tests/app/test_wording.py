"""Words on the pages: one name per page, no command-line flags, the field's spelling, each model's headline metric,
and tables that show a label whole."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_home_names_models_and_training_and_shows_each_headline(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    models = at.dataframe[0].value.set_index("name")
    assert models.loc["chexpert-reports", "headline metric"] == "held-out phrasing macro-F1 0.495"  # as the README
    assert models.loc["disease-category", "headline metric"] == "dev macro-F1 0.647"
    links = [el.proto.label for el in at.get("page_link")]
    assert any(label.startswith("Models and training:") for label in links)
    assert not any(label.startswith("Models:") for label in links)


def test_models_and_training_page_has_its_name_and_no_flags(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "pages" / "7_Models.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Models and training"
    at.selectbox(key="train-task").set_value("text-classify").run()
    labels = [w.label for kind in ("selectbox", "number_input", "text_input", "checkbox") for w in at.get(kind)]
    assert labels and not [label for label in labels if "--" in label]
    method = at.selectbox(key="train-text-classify-method")
    assert method.label == "LoRA or full fine-tuning" and method.format_func("lora") == "LoRA"
    assert at.number_input(key="train-text-classify-dev_fraction").label == \
        "Share held out for model selection when no dev file is given"


def _smiles_columns():
    import streamlit as st

    from biofm.tasks import get_task
    from webui.inputs import _column_options

    _column_options(get_task("molecules"), b"smiles,name\nCCO,ethanol\n", "mols.csv", "mol", False)
    st.write("drawn")


def test_an_upload_of_molecules_asks_for_the_smiles_column():
    at = AppTest.from_function(_smiles_columns, default_timeout=60).run()
    assert not at.exception and not at.error
    assert at.selectbox[0].label == "SMILES column" and at.selectbox[0].value == "smiles"


def test_the_predictions_table_shows_the_true_label_whole(app_env):
    at = AppTest.from_file(str(ROOT / "pages" / "1_Clinical_text.py"), default_timeout=120).run()
    at.button(key="clinical-example").click().run()
    assert not at.exception and not at.error
    table = next(d for d in at.dataframe if "true_label" in d.value.columns)
    config = json.loads(table.proto.columns)
    longest = max(len(v) for v in table.value["true_label"].dropna())
    assert longest >= 20  # "cardiovascular diseases": what a default-width column cut
    for column in ("label", "true_label"):
        assert config[column]["width"] >= 7 * longest, config[column]
    assert list(table.value.columns[:4]) == ["id", "label", "score", "true_label"]

"""Issue 25 item 6 on the page: a true-label column of codes is offered, mapped to the model's labels (prefilled,
editable) and scored on a confusion matrix with categorical axes."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
CLINICAL = str(ROOT / "pages" / "1_Clinical_text.py")


def _page_with_codes(tiny_model_dir, codes):
    from biofm import api
    from biofm.records import TextRecord
    from tests.conftest import load_tiny

    loaded = load_tiny(tiny_model_dir, "text-classify")
    records = [TextRecord(f"n{i}", f"note {i} about the heart", label=c) for i, c in enumerate(codes)]
    preds = api.predict("text-classify", records, model=loaded)
    at = AppTest.from_file(CLINICAL, default_timeout=60)
    at.session_state["clinical-model"] = "tiny-text"
    at.session_state["clinical-result"] = {"task": "text-classify", "preds": preds, "errors": [], "records": records,
                                           "spec": loaded.spec, "read": None, "phi_note": ""}
    return at.run(), preds


def _confusion(at) -> dict:
    chart = next(c for c in at.get("plotly_chart") if "Confusion matrix" in c.proto.spec)
    return json.loads(chart.proto.spec)


def test_code_labels_are_mapped_in_model_order_and_the_user_can_change_the_mapping(app_env, tiny_model_dir):
    codes = ["1", "2", "3", "1", "2", "3"]
    at, preds = _page_with_codes(tiny_model_dir, codes)
    assert not at.exception and not at.error
    mapping = at.text_input(key="clinical-label-codes")
    assert mapping.value == "1=cardiac, 2=neuro, 3=onco"  # the tiny model's label order
    assert any("codes (1, 2, 3)" in i.value for i in at.info)
    names = dict(zip("123", ["cardiac", "neuro", "onco"]))
    expected = sum(names[c] == p for c, p in zip(codes, preds.labels)) / len(codes)
    assert at.metric[0].value == f"{expected:.1%}"
    fig = _confusion(at)
    assert fig["layout"]["xaxis"]["type"] == "category" and fig["layout"]["yaxis"]["type"] == "category"
    assert fig["data"][0]["y"] == ["cardiac", "neuro", "onco"]  # no code left unmapped
    assert not at.warning

    mapping.input("1=onco, 2=neuro, 3=cardiac").run()
    assert not at.exception and not at.error
    names = dict(zip("123", ["onco", "neuro", "cardiac"]))
    expected = sum(names[c] == p for c, p in zip(codes, preds.labels)) / len(codes)
    assert at.metric[0].value == f"{expected:.1%}"

    at.text_input(key="clinical-label-codes").input("1=onco, 2=neuro").run()  # code 3 left as it is
    assert not at.error
    assert any("does not know" in w.value and "3" in w.value for w in at.warning)
    fig = _confusion(at)
    assert fig["data"][0]["y"] == ["cardiac", "neuro", "onco", "3"]
    at.text_input(key="clinical-label-codes").input("1=onco, 2 neuro").run()
    assert any("'2 neuro' is not code=label" in w.value for w in at.warning)


def test_label_names_need_no_mapping(app_env, tiny_model_dir):
    at, _ = _page_with_codes(tiny_model_dir, ["cardiac", "neuro", "onco"])
    assert not at.exception and not at.error
    assert not [t for t in at.text_input if t.key == "clinical-label-codes"]
    assert "Accuracy" in [m.label for m in at.metric]


def test_a_column_named_label_is_offered_as_the_true_label(app_env):
    def script():
        import streamlit as st

        from biofm.tasks import get_task
        from webui.inputs import _column_options

        data = b"id,text,label\n1,Chest pain on exertion,4\n2,Glioma on MRI,3\n"
        st.session_state["opts"] = _column_options(get_task("text-classify"), data, "notes.csv", "k", True)

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="k-label-column").value == "label"
    assert at.session_state["opts"]["label_column"] == "label"
    assert at.selectbox(key="k-text-column").value == "text"

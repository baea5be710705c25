"""A result belongs to the input and the model it came from (first-hour issue, item 11): switching the model or
reading another input clears it, and the example button never hides Paste / Upload."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _clinical() -> AppTest:
    at = AppTest.from_file(str(PAGES / "1_Clinical_text.py"), default_timeout=120).run()
    at.selectbox(key="clinical-model").set_value("tiny-text").run()
    return at


def test_example_keeps_the_input_choice_visible(app_env):
    at = _clinical()
    at.button(key="clinical-example").click().run()
    assert not at.error
    assert "classified with tiny" in at.success[0].value.replace("\\", "")
    assert [r.key for r in at.radio if r.key == "clinical-source"] == ["clinical-source"]  # Paste / Upload drawn


def test_switching_the_model_clears_the_old_results(app_env):
    at = _clinical()
    at.button(key="clinical-example").click().run()
    assert any("score" in d.value.columns for d in at.dataframe)
    at.selectbox(key="clinical-model").set_value("disease-category").run()
    assert not at.error
    assert not any("classified with" in s.value for s in at.success)
    assert not any("score" in d.value.columns for d in at.dataframe)  # no table of the other model's labels
    assert not [b for b in at.button if "review" in b.label.lower()]  # nothing to send to review
    assert any("model changed to disease" in i.value.replace("\\", "") for i in at.info)


def test_new_paste_after_the_example_replaces_it(app_env):
    at = _clinical()
    at.button(key="clinical-example").click().run()
    at.text_area(key="clinical-text").input("Chest pain radiating to the left arm, troponin raised.")
    next(b for b in at.button if b.label == "Classify").click().run()
    assert not at.error
    assert "1 document(s) classified" in at.success[0].value.replace("\\", "")

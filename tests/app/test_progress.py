"""Long page steps show a progress bar with counts and time left, and leave no bar behind once they end."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import submit

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _bar_script():
    import streamlit as st

    from webui.progress import progress_bar

    now = [0.0]
    bar = progress_bar("Classifying", "documents", clock=lambda: now[0])
    update = bar.__enter__()
    st.session_state.setdefault("open", []).append(bar)  # left open (a closed generator would remove the bar)
    update(0, 100)
    now[0] = 10.0
    update(25, 100)
    if st.session_state.get("finish"):
        bar.__exit__(None, None, None)
    st.write("after the step")


def test_the_bar_shows_counts_and_time_left_then_goes():
    at = AppTest.from_function(_bar_script, default_timeout=60).run()
    assert not at.exception and not at.error
    [bar] = at.get("progress")
    assert bar.proto.text == "Classifying: 25/100 documents · about 30 s left" and bar.proto.value == 25
    at.session_state["finish"] = True
    at.run()
    assert not at.get("progress") and at.markdown[0].value == "after the step"


@pytest.fixture
def drawn(monkeypatch):
    """Every (done, total, unit) the pages' progress bars drew."""
    import webui.progress

    calls = []
    original = webui.progress.progress_text

    def record(done, total, unit="items", seconds_left=None):
        calls.append((done, total, unit))
        return original(done, total, unit, seconds_left)

    monkeypatch.setattr(webui.progress, "progress_text", record)
    return calls


@pytest.mark.parametrize("page, key, model, text, unit", [
    ("1_Clinical_text.py", "clinical", "tiny-text", "Chest pain.\nNew seizure.\nA mass in the breast.", "documents"),
    ("2_Clinical_entities.py", "ner", "tiny-ner", "Cisplatin nephrotoxicity.\nAsthma.\nFever.", "documents"),
])
def test_a_batch_reports_its_documents_and_the_bar_is_gone_after(app_env, drawn, page, key, model, text, unit):
    at = AppTest.from_file(str(PAGES / page), default_timeout=90).run()
    at.selectbox(key=f"{key}-model").set_value(model).run()
    at.text_area(key=f"{key}-text").input(text)
    at.checkbox(key=f"{key}-one-per-line").check()
    submit(at).click().run()
    assert not at.exception and not at.error
    assert "3 document(s)" in at.success[0].value
    assert drawn[0] == (0, 3, unit) and drawn[-1] == (3, 3, unit)
    assert not at.get("progress")  # the finished step leaves no bar behind


def test_report_labelling_counts_reports(app_env, drawn):
    at = AppTest.from_file(str(PAGES / "3_Imaging_reports.py"), default_timeout=90).run()
    at.selectbox(key="reports-model").set_value("tiny-reports").run()
    at.text_area(key="reports-text").input("No pneumothorax.\n\nSmall left pleural effusion.")
    submit(at).click().run()
    assert not at.exception and not at.error
    assert "2 report(s) labelled" in at.success[0].value
    assert drawn[-1] == (2, 2, "reports") and not at.get("progress")


def test_the_tsne_map_reports_its_iterations(app_env, drawn):
    from biofm.embed.tsne import EARLY_ITERATIONS, ITERATIONS

    at = AppTest.from_file(str(PAGES / "6_Embeddings.py"), default_timeout=90).run()
    at.selectbox(key="embed-model").set_value("tiny-text").run()
    at.text_area(key="embed-text").input("\n".join(f"note {i} about the heart and lungs" for i in range(8)))
    at.checkbox(key="embed-one-per-line").check()
    submit(at).click().run()
    assert not at.exception and not at.error
    total = EARLY_ITERATIONS + ITERATIONS
    maps = [c for c in drawn if c[2] == "iterations"]
    assert maps[0] == (0, total, "iterations") and maps[-1] == (total, total, "iterations")
    assert len(at.get("plotly_chart")) == 1 and not at.get("progress")


@pytest.mark.slow
def test_the_phi_scan_reports_the_fields_it_checked(app_env, drawn, monkeypatch):
    monkeypatch.setenv("BIOFM_PHI_GATE", "warn")
    at = AppTest.from_file(str(PAGES / "1_Clinical_text.py"), default_timeout=120).run()
    at.selectbox(key="clinical-model").set_value("tiny-text").run()
    at.text_area(key="clinical-text").input("John Smith was seen on 03/14/2021.\nChest pain.")
    at.checkbox(key="clinical-one-per-line").check()
    submit(at).click().run()
    assert not at.exception and not at.error
    assert at.warning[0].value.startswith("Protected health information found:")
    scans = [c for c in drawn if c[2] == "fields"]
    assert scans and scans[-1][0] == scans[-1][1] and not at.get("progress")

"""Page logic a newcomer meets first: the examples, the home page, guessed columns, failures shown as messages,
pickers that follow the newest run, and the page-specific fixes of the walk-through."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "pages"


def _page(name: str, timeout: int = 120) -> AppTest:
    return AppTest.from_file(str(PAGES / name), default_timeout=timeout).run()


def test_home_starts_here_and_the_router_titles_the_pages(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "biofm"
    assert "Start here" in [s.value for s in at.subheader]
    text = (ROOT / "app.py").read_text()
    order = [text.index(t) for t in ('"Clinical text"', '"Embeddings map"', '"Review"', '"Models and training"')]
    assert order == sorted(order)  # run -> map -> review -> train


def test_clinical_example_runs_scores_against_true_labels_and_resets_pickers(app_env):
    at = _page("1_Clinical_text.py")
    at.button(key="clinical-example").click().run()
    assert not at.exception and not at.error
    assert "20 document(s) classified with disease-category" in at.success[0].value
    table = next(d.value for d in at.dataframe if "score" in d.value.columns)
    assert list(table.columns[:4]) == ["id", "label", "score", "true_label"]  # what matters first, text last
    assert table.columns[-1] == "text"
    assert "Accuracy" in [m.label for m in at.metric]
    at.selectbox(key="clinical-doc").set_value(5).run()
    assert at.selectbox(key="clinical-doc").value == 5
    at.button(key="clinical-example").click().run()  # a new run: the pickers start again at the first document
    assert at.selectbox(key="clinical-doc").value == 0


def test_a_failing_model_is_a_message_with_the_log_not_a_traceback(app_env, monkeypatch, tmp_path):
    from biofm import api

    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))

    def broken(*args, **kwargs):
        raise RuntimeError("the model exploded")

    monkeypatch.setattr(api, "predict_isolating", broken)
    at = _page("1_Clinical_text.py")
    at.button(key="clinical-example").click().run()
    assert not at.exception
    message = at.error[0].value
    assert "Running disease-category failed: the model exploded" in message and "app.log" in message
    log = tmp_path / "logs" / "app.log"
    assert "Traceback" in log.read_text() and "the model exploded" in log.read_text()


def test_one_bad_record_costs_only_its_row(app_env, monkeypatch):
    from tests.conftest import break_predict

    break_predict(monkeypatch, lambda r: "adenocarcinoma" in r.text, ValueError("cannot read this one"))
    at = _page("1_Clinical_text.py")
    at.button(key="clinical-example").click().run()
    assert not at.exception and not at.error
    assert "19 document(s) classified" in at.success[0].value
    errors = next(d.value for d in at.dataframe if "message" in d.value.columns)
    assert errors["message"].str.contains("prediction failed: cannot read this one").all() and len(errors) == 1


def test_reports_example_filters_explain_and_colours(app_env):
    at = _page("3_Imaging_reports.py")
    at.button(key="reports-example").click().run()
    assert not at.exception and not at.error
    assert "15 report(s) labelled" in at.success[0].value
    assert "not mentioned" not in at.multiselect(key="reports-filter-label").value
    at.selectbox(key="reports-filter-obs").set_value("Edema").run()
    caption = next(c.value for c in at.caption if " of 15 reports" in c.value)
    assert not caption.startswith("15 of 15")  # only reports where Edema is mentioned
    final = at.session_state["reports-result"]["preds"].final()[0]  # the first report is the one explained
    assert "positive" in {label for label, _ in final.values()}
    assert final[at.selectbox(key="reports-explain-target").value][0] == "positive"  # a finding, not Cardiomegaly


def test_molecules_example_keeps_bad_rows_in_the_export_and_duplicates_agree(app_env):
    at = _page("4_Molecules.py")
    at.button(key="mol-example").click().run()
    assert not at.exception and not at.error
    assert "rejected" in at.success[0].value
    from biofm.tasks import get_task

    state = at.session_state["mol-result"]
    rows = get_task("molecules").output_rows(state["preds"], state["read"])  # what "Download CSV" holds
    assert len(rows) == 17 and [r["valid"] for r in rows].count(False) == 3
    assert all(r["error"] for r in rows if not r["valid"])
    table = next(d.value for d in at.dataframe if "uncertainty" in d.value.columns)
    aspirin = table[table["canonical_smiles"] == "CC(=O)Oc1ccccc1C(=O)O"]
    assert len(aspirin) == 2 and aspirin["uncertainty"].nunique() == 1


def test_models_page_offers_the_example_to_fine_tune_on(app_env):
    at = _page("7_Models.py", timeout=60)
    at.selectbox(key="train-task").set_value("text-classify").run()
    at.radio(key="train-source").set_value("The example").run()
    assert not at.exception and not at.error
    assert any("reviewed_notes.csv" in c.value for c in at.caption)

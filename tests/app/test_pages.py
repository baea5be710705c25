from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.conftest import shown, submit

from biofm.reports import OBSERVATIONS

ROOT = Path(__file__).resolve().parents[2]
HOME = str(ROOT / "app.py")  # the router: it runs the home page
CLINICAL = str(ROOT / "pages" / "1_Clinical_text.py")


def test_home_lists_models_and_device(app_env):
    at = AppTest.from_file(HOME, default_timeout=30).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "biofm"
    models = at.dataframe[0].value
    assert {"disease-category", "tiny-text"} <= set(models["name"])
    assert any("precision" in m.value for m in at.markdown)


def _clinical(app_env_unused=None) -> AppTest:
    at = AppTest.from_file(CLINICAL, default_timeout=60).run()
    at.selectbox(key="clinical-model").set_value("tiny-text").run()
    return at


def test_paste_several_notes_and_see_predictions(app_env):
    at = _clinical()
    at.text_area(key="clinical-text").input("Chest pain on exertion.\n\nNew glioma on MRI.\n")
    at.checkbox(key="clinical-one-per-line").check()
    submit(at).click().run()
    assert not at.exception and not at.error
    assert "2 document(s) classified with tiny-text" in at.success[0].value
    table = at.dataframe[0].value
    assert table["id"].tolist() == ["1", "3"]
    assert set(table["label"]) <= {"cardiac", "neuro", "onco"}
    assert {"p_cardiac", "p_neuro", "p_onco", "score"} <= set(table.columns)
    # picking a document shows it in full
    at.selectbox(key="clinical-doc").set_value(1).run()
    assert any("New glioma on MRI." in t.value for t in at.text)


def test_long_note_is_windowed_with_a_visible_note(app_env):
    at = _clinical()
    at.text_area(key="clinical-text").input(" ".join(["hypertension"] * 200))
    submit(at).click().run()
    assert any("sliding windows" in i.value for i in at.info)
    assert at.dataframe[0].value["windows"].iloc[0] > 1


def test_empty_paste_shows_a_specific_error(app_env):
    at = _clinical()
    at.text_area(key="clinical-text").input("   ")
    submit(at).click().run()
    assert shown(at.error[0].value) == "nothing to read: the text is empty"
    assert not at.dataframe


def test_local_directory_model_option(app_env, tiny_model_dir):
    at = AppTest.from_file(CLINICAL, default_timeout=60).run()
    at.selectbox(key="clinical-model").set_value("Model directory or hub id…").run()
    at.text_input(key="clinical-model-path").input(str(tiny_model_dir / "missing")).run()
    assert "unknown model" in at.error[0].value
    at.text_input(key="clinical-model-path").input(str(tiny_model_dir)).run()
    at.text_area(key="clinical-text").input("Seizure overnight.")
    submit(at).click().run()
    assert "1 document(s) classified with tiny-text" in at.success[0].value


def _html_blocks(at) -> list[str]:
    return [el.proto.body for el in at.get("html")]


def test_explain_a_document_for_a_chosen_class(app_env):
    at = _clinical()
    at.text_area(key="clinical-text").input("Seizure <b>after</b> <script>alert(1)</script> chemo.")
    submit(at).click().run()
    at.selectbox(key="clinical-explain-target").set_value("onco")
    at.selectbox(key="clinical-explain-method").set_value("gxi")
    at.button(key="clinical-explain-explain").click().run()
    assert not at.exception and not at.error
    blocks = _html_blocks(at)
    assert len(blocks) == 1
    assert "supports onco" in blocks[0]
    assert "<script" not in blocks[0]
    assert "&lt;" in blocks[0] and "<b>" not in blocks[0]
    assert [m.label for m in at.metric][:1] == ["Target score"]


NER_PAGE = str(ROOT / "pages" / "2_Clinical_entities.py")


def test_entities_page_highlights_and_lists_entities(app_env):
    at = AppTest.from_file(NER_PAGE, default_timeout=60).run()
    at.selectbox(key="ner-model").set_value("tiny-ner").run()
    at.text_area(key="ner-text").input("Cisplatin-induced nephrotoxicity <i>x</i> in a patient with asthma.")
    submit(at).click().run()
    assert not at.exception and not at.error
    assert "document(s) with tiny-ner" in at.success[0].value
    assert {m.label for m in at.metric} >= {"Chemical", "Disease", "Documents"}
    table = at.dataframe[0].value
    assert list(table.columns) == ["id", "text", "label", "start", "end", "score"]
    blocks = _html_blocks(at)
    assert blocks and "<i>" not in blocks[0] and "&lt;i&gt;" in blocks[0]


REPORTS_PAGE = str(ROOT / "pages" / "3_Imaging_reports.py")


def test_reports_page_labels_a_pasted_batch_with_evidence(app_env):
    at = AppTest.from_file(REPORTS_PAGE, default_timeout=90).run()
    at.selectbox(key="reports-model").set_value("tiny-reports").run()
    at.text_area(key="reports-text").input(
        "FINDINGS: No pneumothorax. Small left pleural effusion.\n\nIMPRESSION: Cannot exclude pneumonia.\n\n"
        "Lungs are clear. Heart size is normal <b>today</b>.")
    submit(at).click().run()
    assert not at.exception and not at.error
    assert "3 report(s) labelled with tiny-reports" in at.success[0].value
    batch = at.dataframe[0].value
    assert list(batch.columns) == ["id", *OBSERVATIONS]
    assert batch.loc[0, "Pneumothorax"] == "neg" and batch.loc[0, "Pleural Effusion"] == "pos"
    assert batch.loc[1, "Pneumonia"] == "unc" and batch.loc[2, "No Finding"] == "pos"
    # filtering by observation and label
    at.selectbox(key="reports-filter-obs").set_value("Pneumonia").run()
    at.multiselect(key="reports-filter-label").set_value(["uncertain"]).run()
    assert at.dataframe[0].value["id"].tolist() == ["3"]  # ids are first lines of blocks
    # one report: evidence highlighted, escaped
    at.selectbox(key="reports-doc").set_value(2).run()
    blocks = [el.proto.body for el in at.get("html")]
    assert blocks and "<b>" not in blocks[0] and "&lt;b&gt;" in blocks[0]
    detail = next(d.value for d in at.dataframe if "observation" in d.value.columns)
    assert detail.set_index("observation").loc["Cardiomegaly", "evidence"] == "Heart size is normal <b>today</b>."


EMBED_PAGE = str(ROOT / "pages" / "6_Embeddings.py")


def test_embeddings_page_maps_a_batch_and_recolours(app_env):
    at = AppTest.from_file(EMBED_PAGE, default_timeout=60).run()
    at.selectbox(key="embed-model").set_value("tiny-text").run()
    at.text_area(key="embed-text").input("\n".join(f"note number {i} about the heart" for i in range(12)))
    at.checkbox(key="embed-one-per-line").check()
    submit(at).click().run()
    assert not at.exception and not at.error
    assert "12 item(s) embedded with tiny-text" in at.success[0].value
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    at.selectbox(key="embed-map-colour").set_value("confidence").run()
    assert not at.exception and not at.error and len(at.get("plotly_chart")) == 1
    at.selectbox(key="embed-map-proj").set_value("pca").run()
    assert not at.exception and not at.error
    [chart] = at.get("plotly_chart")
    assert "12 item(s) embedded" in at.success[0].value and '"customdata"' in chart.proto.spec  # one map, its points


MOL_PAGE = str(ROOT / "pages" / "4_Molecules.py")


def test_molecules_page_validates_predicts_and_draws_atoms(app_env):
    at = AppTest.from_file(MOL_PAGE, default_timeout=60).run()
    at.selectbox(key="mol-model").set_value("tiny-mol").run()
    at.text_area(key="mol-text").input("CCO ethanol\nC1CC broken\nOCC ethanol again\nc1ccccc1Cl chlorobenzene\n")
    submit(at).click().run()
    assert not at.exception and not at.error
    assert "3 molecule(s) kept, 1 rejected, 1 duplicate(s) flagged" in at.success[0].value
    report = at.dataframe[0].value
    assert "unclosed ring" in report.loc[report["row"] == 2, "error"].iloc[0]
    table = next(d.value for d in at.dataframe if "carbons" in d.value.columns)
    assert {"uncertainty", "nearest_train_similarity", "in_domain", "name"} <= set(table.columns)
    assert len(at.get("image")) >= 3  # structure grid
    at.selectbox(key="mol-pick").set_value(2).run()
    at.button(key="mol-explain-explain").click().run()
    assert not at.exception and not at.error
    other = next(d.value for d in at.dataframe if "token" in d.value.columns)
    assert list(other["token"]) == ["1", "1"]

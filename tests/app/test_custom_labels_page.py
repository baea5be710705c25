"""Your own labels: define a label set (errors named per label), zero-shot suggestions at once, and the learning
curve once a version exists. A tiny random encoder keeps it fast (its suggestions are arbitrary, their shape is
not)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import shown

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "1b_Your_own_labels.py")
EDITOR = "labelset-labels-New label set"


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory) -> Path:
    from tests.conftest import make_tiny_classifier

    return make_tiny_classifier(tmp_path_factory.mktemp("enc") / "tiny-encoder")


@pytest.fixture
def custom_env(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _table(at: AppTest, column: str):
    """The table on the page with this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _save(at: AppTest, name: str, encoder: Path, edits: dict | None = None) -> AppTest:
    at.text_input(key="labelset-set-name-New label set").set_value(name)
    at.text_input(key="labelset-encoder-New label set").set_value(str(encoder))
    if edits is not None:
        at.session_state[EDITOR] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    next(b for b in at.button if b.label == "Save label set").click()
    return at.run()


def test_define_labels_then_zero_shot_suggestions_at_once(custom_env, tiny_encoder):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception and not at.error
    assert any("No label set yet" in i.value for i in at.info)
    _save(at, "my-notes", tiny_encoder)
    assert not at.exception and not at.error
    assert "Saved the label set my-notes (3 labels, single-label)" in shown(at.success[0].value)
    folder = custom_env / "models" / "my-notes"
    assert (folder / "labels.json").stat().st_mode & 0o777 == 0o600 and (folder / "biofm.json").is_file()
    assert at.selectbox(key="custom-model").value == "my-notes"  # registered: the picker lists it
    next(b for b in at.button if b.label == "Try the example").click()
    at.run()
    assert not at.exception and not at.error
    assert "48 note(s): zero-shot suggestions from my-notes" in shown(at.success[-1].value)
    table = _table(at, "confidence")
    assert len(table) == 48 and set(table["label"]) <= {"smoking", "adverse_drug_event", "fall"}
    assert {"confidence", "p_smoking", "p_adverse_drug_event", "p_fall", "true_label"} <= set(table.columns)
    assert table["confidence"].between(0, 1).all()
    assert any("zero-shot: no version is trained yet" in shown(c.value) for c in at.caption)
    at.selectbox(key="custom-doc").set_value(2).run()
    at.selectbox(key="custom-explain-method").set_value("occlusion")
    at.button(key="custom-explain-explain").click().run()  # word attributions for the suggested label
    assert not at.exception and not at.error


def test_a_multi_label_set_suggests_any_number_of_labels(custom_env, tiny_encoder):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.checkbox(key="labelset-multi-New label set").check()
    _save(at, "multi-notes", tiny_encoder)
    assert "(3 labels, multi-label)" in shown(at.success[0].value)
    next(b for b in at.button if b.label == "Try the example").click()
    at.run()
    assert not at.exception and not at.error
    table = _table(at, "confidence")
    assert len(table) == 48 and "labels" in table.columns
    given = {n for cell in table["labels"].fillna("") for n in cell.split(";") if n}
    assert given <= {"smoking", "adverse_drug_event", "fall"}


def test_bad_labels_are_named_row_by_row_and_nothing_is_saved(custom_env, tiny_encoder):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    _save(at, "bad-set", tiny_encoder, edits={"1": {"description": ""}, "2": {"label": "SMOKING"}})
    errors = [shown(e.value) for e in at.error]
    assert any(e.startswith("Row 2: label 'adverse_drug_event': the description is empty") for e in errors)
    assert any(e.startswith("Row 3: label 'SMOKING' appears twice (row 1 too)") for e in errors)
    assert not (custom_env / "models" / "bad-set").exists() and not at.success
    at = _save(at, "has space", tiny_encoder, edits={})
    assert any("a label set's name holds 1-64 letters" in shown(e.value) for e in at.error)


def test_the_learning_curve_shows_once_a_version_exists(custom_env, tiny_encoder, tmp_path):
    from biofm.tasks.custom import load_label_set
    from biofm.tasks.custom.fewshot import read_reviewed, train_version
    from biofm.config import EXAMPLES_DIR

    at = AppTest.from_file(PAGE, default_timeout=120).run()
    _save(at, "curve-set", tiny_encoder)
    folder = custom_env / "models" / "curve-set"
    ls = load_label_set(folder)
    records = read_reviewed(EXAMPLES_DIR / "custom_notes.csv", ls)
    train_version(ls, records, folder, config={"max_steps": 2, "max_length": 16, "device": "cpu"})
    at.run()
    assert not at.exception and not at.error
    assert any("In use: version 1 of curve-set, trained on" in shown(m.value) for m in at.markdown)
    versions = _table(at, "dev macro-F1")
    assert versions["version"].tolist() == [1] and 0 <= versions["dev macro-F1"].iloc[0] <= 1
    curve = at.get("plotly_chart")[-1].proto.spec
    import json

    data = json.loads(curve)["data"][0]
    assert data["x"][0] == 0 and len(data["x"]) == 2  # zero-shot and version 1
    # compare every version on the reviewed items of the model's review batches
    from biofm import api
    from biofm.review import ReviewStore

    store = ReviewStore(f"sqlite:///{custom_env / 'biofm.db'}")
    preds = api.predict("custom", records[:12], model=str(folder), settings=_cpu())
    batch = api.send_to_review(store, "custom", preds, api.registry(_cpu()).get("curve-set"))
    for item in store.queue(batch, "x", "input"):
        store.decide(item.id, "Dr Curve", "correct", {"label": item.prediction["true_label"]})
    at.button(key="custom-compare").click().run()
    assert not at.exception and not at.error
    table = _table(at, "macro_f1")
    assert table["version"].tolist() == [0, 1] and table["macro_f1"].between(0, 1).all()


def _cpu():
    from biofm.config import load_settings

    return load_settings(device="cpu")


def test_models_and_embeddings_pages_say_there_is_no_label_set_yet_then_list_it(custom_env, tiny_encoder):
    models = str(ROOT / "pages" / "7_Models.py")
    at = AppTest.from_file(models, default_timeout=60).run()
    at.selectbox(key="train-task").set_value("custom").run()
    assert not at.exception and not at.error
    assert any("No label set of your own yet" in c.value for c in at.caption)
    embed = AppTest.from_file(str(ROOT / "pages" / "6_Embeddings.py"), default_timeout=60).run()
    embed.selectbox(key="embed-task").set_value("custom").run()
    assert not embed.exception and not embed.error
    assert any("No label set of your own yet" in i.value for i in embed.info)
    _save(AppTest.from_file(PAGE, default_timeout=120).run(), "listed-set", tiny_encoder)
    at = AppTest.from_file(models, default_timeout=60).run()
    at.selectbox(key="train-task").set_value("custom").run()
    assert at.selectbox(key="train-custom-labels").options == ["listed-set"] and not at.error
    embed.run()
    assert "listed-set" in embed.selectbox(key="embed-model").options and not embed.error

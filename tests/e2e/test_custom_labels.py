"""Your own labels in Chromium: define three labels, zero-shot suggestions on the example notes, send them to
review, review 24 items in teach order (accept or correct), retrain from Review (the learning curve: zero-shot and
version 1), review 6 more and retrain (the curve gains a point) and the new version's predictions differ from the zero-shot ones. Training is kept short by the server's
BIOFM_CUSTOM_MAX_STEPS (the real embedded MiniLM encoder, a few contrastive steps on one thread)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, app_server, download, shot

pytestmark = pytest.mark.e2e
NAME = "e2e-note-labels"
N = 48  # notes in assets/examples/custom_notes.csv


@pytest.fixture(scope="module")
def custom_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("custom-data")
    with app_server(data_dir, {"BIOFM_MODEL_DIRS": "", "BIOFM_PHI_GATE": "warn", "BIOFM_CUSTOM_MAX_STEPS": "6",
                               "BIOFM_CUSTOM_MIN_PER_LABEL": "3", "BIOFM_CUSTOM_THREADS": "1"}) as url:
        yield url, data_dir


def _curve_points(page) -> int:
    return page.locator(".js-plotly-plot .scatterlayer path.point").count()


def _review(page, n_items: int, suggested: dict, start: int = 0) -> dict:
    """Accept or correct the next ``n_items`` of the teach queue (``start`` already reviewed) through the card's
    keyboard shortcuts, each to the true label the example file carries (``suggested``: the batch's suggestion per
    id); returns the actions taken."""
    from biofm.config import EXAMPLES_DIR

    notes = pd.read_csv(EXAMPLES_DIR / "custom_notes.csv").set_index("id")
    actions = {"accept": 0, "correct": 0}
    for done in range(start, start + n_items):
        page.get_by_text(f"{done} of {N} accepted or corrected").first.wait_for()
        head = page.get_by_role("heading", name=re.compile(rf"own-\d+ · 1 of {N - done} in the queue"))
        head.first.wait_for()
        item = re.match(r"(own-\d+)", head.first.inner_text()).group(1)
        truth, model = notes.loc[item, "label"], suggested[item]
        page.get_by_text(notes.loc[item, "text"][:40]).first.wait_for()  # this item's card, not the last one's
        page.get_by_text(f"Model: {model} (").first.wait_for()
        if model == truth:
            page.get_by_role("heading").first.click()  # focus the page, not a field, so the shortcut applies
            page.keyboard.press("a")  # Accept
            actions["accept"] += 1
        else:
            page.locator("[data-testid=stSelectbox]").filter(has_text="Correct label").first.click()
            page.keyboard.type(truth)  # the selectbox filters as you type
            page.keyboard.press("Enter")
            page.get_by_role("heading").first.click()
            page.keyboard.press("s")  # Save correction
            actions["correct"] += 1
    page.get_by_text(f"{start + n_items} of {N} accepted or corrected").first.wait_for()
    return actions


def test_define_labels_review_24_retrain_and_the_predictions_change(custom_server, page, tmp_path):
    url, data_dir = custom_server
    page.goto(f"{url}/Your_own_labels")
    page.get_by_text("No label set yet").wait_for()
    page.get_by_role("textbox", name="Name of the label set").fill(NAME)
    page.get_by_role("button", name="Save label set").click()
    page.get_by_text(f"Saved the label set {NAME} (3 labels, single-label)").wait_for()
    shot(page, "custom-labels-defined")

    page.get_by_role("button", name="Try the example").click()
    page.get_by_text(f"{N} note(s): zero-shot suggestions from {NAME}").wait_for()
    page.get_by_text("no version is trained yet").wait_for()
    before = pd.read_csv(download(page, "Download CSV", tmp_path / "zero-shot.csv"))
    assert len(before) == N and set(before["mode"]) == {"zero-shot"}
    assert set(before["label"]) <= {"smoking", "adverse_drug_event", "fall"}
    shot(page, "custom-labels-suggestions")
    page.get_by_role("button", name="Send this batch to review").click()
    page.get_by_text("is ready to review").wait_for()

    page.goto(f"{url}/Review")
    box = page.get_by_label("Your name (recorded on every decision)")
    box.fill("Dr Teach")
    box.press("Enter")
    page.get_by_text("Teach the model").wait_for()
    shot(page, "custom-labels-review")
    order = page.locator("[data-testid=stSelectbox]").filter(has_text="Order").first.locator("input").first
    assert order.input_value() == "Teach: least confident and most informative first"
    suggested = dict(zip(before["id"], before["label"]))
    actions = _review(page, 24, suggested)
    assert sum(actions.values()) == 24 and actions["accept"] > 0
    from biofm.review import ReviewStore

    truth = pd.read_csv(ROOT / "assets" / "examples" / "custom_notes.csv").set_index("id")["label"]
    log = ReviewStore(f"sqlite:///{data_dir / 'biofm.db'}").audit_log(1)
    assert len(log) == 24 and all(d["reviewer"] == "Dr Teach" for d in log)
    assert all(d["new_value"] == {"label": truth[d["item"]]} for d in log)  # each stored as reviewed on the card
    shot(page, "custom-labels-reviewed")

    page.get_by_role("button", name="Retrain from reviewed items").click()
    page.get_by_text(f"Version 1 of {NAME} is in use").wait_for(timeout=300_000)
    page.get_by_text("Learning curve: macro-F1 on the fixed dev part").wait_for()
    assert _curve_points(page) == 2  # zero-shot (version 0) and version 1
    page.get_by_text("Learning curve: macro-F1 on the fixed dev part").first.scroll_into_view_if_needed()
    shot(page, "custom-labels-retrained")
    _review(page, 6, suggested, start=24)  # six more, then the next version: the curve gains a point
    page.get_by_role("button", name="Retrain from reviewed items").click()
    page.get_by_text(f"Version 2 of {NAME} is in use").wait_for(timeout=300_000)
    page.get_by_text("Learning curve: macro-F1 on the fixed dev part").wait_for()
    assert _curve_points(page) == 3
    page.get_by_text("Learning curve: macro-F1 on the fixed dev part").first.scroll_into_view_if_needed()
    shot(page, "custom-labels-retrained-again")

    page.goto(f"{url}/Your_own_labels")
    page.get_by_text(f"In use: version 2 of {NAME}").wait_for()
    page.get_by_role("button", name="Try the example").click()
    page.get_by_text(f"{N} note(s): few-shot suggestions from {NAME}").wait_for()
    after = pd.read_csv(download(page, "Download CSV", tmp_path / "few-shot.csv"))
    assert set(after["mode"]) == {"few-shot"} and after["id"].tolist() == before["id"].tolist()
    p = [f"p_{n}" for n in ("smoking", "adverse_drug_event", "fall")]
    assert (after[p] - before[p]).abs().to_numpy().max() > 0.05  # the new version's predictions, not the old ones
    accuracy = {k: float((f["label"] == f["true_label"]).mean()) for k, f in (("zero-shot", before), ("v2", after))}
    print("accuracy on the example notes", accuracy, "review actions", actions)
    curve = page.get_by_text("Learning curve: macro-F1 on the fixed dev part")
    expect(curve).to_have_count(1)  # one curve, nothing stale left from before the run
    curve.scroll_into_view_if_needed()
    assert _curve_points(page) == 3
    shot(page, "custom-labels-few-shot")

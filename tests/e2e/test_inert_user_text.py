"""User text never renders as Markdown: a Markdown image pointing at 127.0.0.2 planted in an id, a label, a column
name, a file name, the reviewer name and a model card makes no request there on any page (issue #20)."""

from __future__ import annotations

import pytest

from tests.conftest import free_port, make_tiny_classifier, start_biofm_app
from tests.e2e.conftest import ROOT, shot, upload

pytestmark = pytest.mark.e2e

HOST = "127.0.0.2"


def planted(what: str) -> str:
    return f"![{what}](http://{HOST}:9/{what}.png)"


FILE_NAME = f"![file](http:{HOST}:9).csv"  # a file name holds no '/': the scheme-relative form still fetches
LABELS = [planted("label-a"), planted("label-b"), planted("label-c")]


@pytest.fixture(scope="module")
def planted_server(tmp_path_factory):
    """A server whose model folder holds a model with planted labels and card, and whose review database holds a
    batch with a planted id, predicted and true label."""
    from biofm import api
    from biofm.io import read_text_upload
    from biofm.review.store import ReviewStore

    root = tmp_path_factory.mktemp("planted")
    models, data = root / "models", root / "data"
    model = make_tiny_classifier(models / "planted", labels=LABELS, name="planted")
    (model / "README.md").write_text(f"# planted\n\nTrained on {planted('card')} and <img src='http://{HOST}:9/"
                                     "html.png'> $x^2$ data.\n")
    res = read_text_upload(f"id,text,label\n\"{planted('id')}\",chest pain,\"{LABELS[0]}\"\n".encode(), "x.csv",
                           label_column="label")
    preds = api.predict("text-classify", res.records, model=str(model))
    api.send_to_review(ReviewStore(f"sqlite:///{data / 'biofm.db'}"), "text-classify", preds,
                       api.registry().get(str(model), task="text-classify"), source="planted")
    port = free_port()
    log = open(root / "server.log", "w")
    proc = start_biofm_app(port, {"BIOFM_DATA_DIR": str(data), "BIOFM_MODEL_DIRS": str(models), "BIOFM_PHI_GATE": "off"},
                           ROOT, log)  # the gate would stop at the planted URLs; this test is about rendering
    yield f"http://localhost:{port}", root
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def _pick(page, label: str, option: str) -> None:
    """Choose a selectbox option by typing it (Streamlit's selectbox filters as you type)."""
    page.locator("[data-testid=stSelectbox]").filter(has_text=label).first.locator("input").click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)


def _no_planted_element(page) -> None:
    assert page.locator(f"img[src*='{HOST}'], a[href*='{HOST}'], source[src*='{HOST}']").count() == 0


def test_planted_markdown_images_fetch_nothing_on_any_page(planted_server, browser, tmp_path, request):
    server, root = planted_server
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    request.addfinalizer(lambda: shot(page, "inert-user-text-last") if not page.is_closed() else None)
    visited = []

    def visit(path: str, title: str) -> None:
        page.goto(f"{server}/{path}")
        page.get_by_role("heading", name=title).first.wait_for()
        visited.append(path)

    # Home and Models show the planted model's card
    visit("", "biofm")
    _pick(page, "Model card", "planted")
    page.get_by_text("Card: planted").click()
    page.get_by_text("Trained on").first.wait_for()
    visit("Models", "Models")
    _pick(page, "Card", "planted")
    page.get_by_text("Model card: planted").click()
    page.get_by_text("Trained on").first.wait_for()
    _no_planted_element(page)

    # Clinical text: a planted file name, column name, id and true label
    src = tmp_path / FILE_NAME
    src.write_text(f"\"{planted('column')}\",id,truth\nc1,\"{planted('id')}\",\"{planted('truth')}\"\n"
                   f"c2,n2,\"{planted('truth')}\"\n", encoding="utf-8")
    visit("Clinical_text", "Clinical text")
    upload(page, src)
    warning = page.get_by_text("looks like ids or codes").inner_text().replace("\u2060", "")
    assert planted("column") in warning  # shown as the literal text (an invisible joiner stops autolinking)
    title = page.get_by_text("Preview: the first").first.inner_text().replace("\u2060", "")
    assert FILE_NAME in title  # the preview's title shows the name as text
    _pick(page, "True label column (optional)", "truth")
    page.get_by_role("button", name="Classify").click()
    page.get_by_text("document(s) classified").wait_for(timeout=180_000)  # the shipped model loads
    page.get_by_text("True labels the model does not know").wait_for()
    _no_planted_element(page)

    # a file that cannot be read: its planted name is in the error
    empty = tmp_path / "e" / f"![error](http:{HOST}:9).csv"
    empty.parent.mkdir()
    empty.write_text("")
    visit("Clinical_entities", "Clinical entities")
    upload(page, empty)
    page.get_by_role("button", name="Find entities").click()
    page.get_by_text("the file is empty").wait_for()
    _no_planted_element(page)

    # Review: a planted reviewer name, item id, predicted and true label
    visit("Review", "Review")
    page.get_by_label("Your name (recorded on every decision)").fill(planted("reviewer"))
    page.keyboard.press("Enter")
    page.get_by_text("accepted or corrected").wait_for()
    page.get_by_text("true label in the input file").wait_for()
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("Nothing left to review").wait_for()
    page.reload()
    page.get_by_label("Your name (recorded on every decision)").fill(planted("reviewer"))
    page.keyboard.press("Enter")
    page.get_by_text("Nothing left to review").wait_for()
    _no_planted_element(page)

    for path, title in (("Imaging_reports", "Imaging reports"), ("Molecules", "Molecules"),
                        ("Embeddings", "Embeddings")):
        visit(path, title)
        _no_planted_element(page)
    page.wait_for_timeout(1000)
    shot(page, "inert-user-text")
    ctx.close()
    assert len(visited) == 8
    leaked = [u for u in requests if HOST in u]
    assert leaked == [], leaked

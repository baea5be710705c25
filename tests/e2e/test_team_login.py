import re

import pytest

from biofm.review import ReviewStore
from tests.conftest import free_port, start_biofm_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def team_server(tmp_path, tiny_model_dir):
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as idp:
        port = free_port()
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f'[auth]\nredirect_uri = "http://localhost:{port}/oauth2callback"\n'
                           f'cookie_secret = "{"k" * 40}"\nclient_id = "biofm"\nclient_secret = "biofm-secret"\n'
                           f'server_metadata_url = "http://localhost:{idp.server_port}/.well-known/openid-configuration"\n')
        log = open(tmp_path / "server.log", "w")
        proc = start_biofm_app(port, {"BIOFM_DATA_DIR": str(tmp_path), "BIOFM_MODEL_DIRS": str(tiny_model_dir.parent),
                                      "BIOFM_CURATORS": "cur@example.org",
                                      "STREAMLIT_SECRETS_FILES": str(secrets)}, None, log)
        yield f"http://localhost:{port}", tmp_path
        proc.terminate()
        proc.wait(timeout=20)


def _sign_in(browser, url, sub):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{url}/Review")
    page.get_by_role("button", name="Sign in").first.click()
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    # the sidebar names the account (webui.md puts an invisible word joiner after '@' so it is not autolinked)
    shown = re.compile(re.escape(f"({sub})").replace("@", "@\u2060?"))
    page.get_by_text(shown).first.wait_for()
    page.goto(f"{url}/Review")  # the provider sends the browser back to the home page
    page.get_by_text(shown).first.wait_for()
    return ctx, page


def test_two_reviewers_blind_and_a_curator_adjudicates(team_server, browser, tmp_path):
    url, data = team_server
    store = ReviewStore(f"sqlite:///{data / 'biofm.db'}")
    items = [{"external_id": f"t{i}", "text": f"Team note {i}.", "confidence": 0.5 + i / 10,
              "prediction": {"label": "cardiac", "probs": {"cardiac": 0.6, "neuro": 0.4}}} for i in range(2)]
    batch = store.add_batch("text-classify", "tiny-text", "1", ["cardiac", "neuro"], items, reviews_per_item=2)
    ids = [v.id for v in store.queue(batch, "x", "input")]
    ctx_a, a = _sign_in(browser, url, "ann@example.org")
    assert a.get_by_role("textbox", name="Your name (recorded on every decision)").count() == 0
    a.get_by_role("button", name="Accept").click()
    a.get_by_text("t1").first.wait_for()
    a.get_by_role("button", name="Accept").click()
    a.get_by_text("Nothing left to review").wait_for()
    ctx_b, b = _sign_in(browser, url, "bob@example.org")
    b.get_by_text("t0").first.wait_for()
    assert b.get_by_text("Your last decision").count() == 0  # blind
    b.get_by_role("button", name="Accept").click()
    b.get_by_text("t1").first.wait_for()
    b.get_by_text("Blind review").wait_for()
    correct = b.locator("[data-testid=stSelectbox]").filter(has_text="Correct label")
    for _ in range(60):  # while the rerun after Accept draws, the last card's widget can still be on the page
        if correct.count() == 1:
            break
        b.wait_for_timeout(500)
    correct.click()
    b.get_by_role("option", name="neuro").click()
    b.get_by_role("button", name="Save correction").click()
    b.get_by_text("Nothing left to review").wait_for()
    ctx_c, c = _sign_in(browser, url, "cur@example.org")
    c.get_by_text("Adjudicate disagreements (1)").click()
    c.get_by_role("button", name="Gold: neuro").click()
    c.get_by_text("gold label neuro saved").wait_for()
    c.get_by_text("Review items").click()  # the export sits below the review card
    with c.expect_download() as dl:
        c.get_by_role("button", name="Export CSV").first.click()
    dl.value.save_as(tmp_path / "gold.csv")
    import pandas as pd

    frame = pd.read_csv(tmp_path / "gold.csv")
    assert frame[["id", "label", "adjudicated"]].values.tolist() == [["t0", "cardiac", False], ["t1", "neuro", True]]
    assert {d["reviewer"] for d in store.audit_log(batch)} == {"ann@example.org", "bob@example.org"}
    assert [a_["curator"] for a_ in store.adjudications(batch)] == ["cur@example.org"]
    assert [e["user"] for e in store.events(batch) if e["event"] == "export"] == ["cur@example.org"]
    for ctx in (ctx_a, ctx_b, ctx_c):
        ctx.close()

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import biofm.tasks  # noqa: F401  (registers every task's review codec)
from biofm.review import ReviewStore

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "5_Review.py")


@pytest.fixture
def review_env(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    store = ReviewStore(f"sqlite:///{tmp_path / 'biofm.db'}")
    items = [{"external_id": f"n{i}", "text": f"Note <b>{i}</b>", "confidence": c,
              "prediction": {"label": lab, "probs": {"cardiac": c, "neuro": 1 - c}}}
             for i, (lab, c) in enumerate([("cardiac", 0.9), ("neuro", 0.55), ("cardiac", 0.7)])]
    batch = store.add_batch("text-classify", "tiny-text", "1", ["cardiac", "neuro"], items)
    return store, batch


def test_review_needs_a_name_then_accepts_and_corrects_in_uncertainty_order(review_env):
    store, batch = review_env
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception and not at.error
    import getpass

    assert at.text_input(key="reviewer").value == getpass.getuser()  # a name to start with, changeable
    at.text_input(key="reviewer").input(" ").run()
    assert "Enter your name" in at.warning[0].value
    at.text_input(key="reviewer").input("Dr Ada").run()
    assert at.subheader[0].value.startswith("n1")  # least confident first
    assert at.text[0].value == "Note <b>1</b>"  # shown as text, not HTML
    at.button(key="review-accept").click().run()
    assert at.subheader[0].value.startswith("n2")
    at.selectbox(key=f"review-label-{store.queue(batch, 'x', 'input')[2].id}").set_value("neuro")
    at.text_input(key=f"review-comment-{store.queue(batch, 'x', 'input')[2].id}").input("murmur is cardiac? no")
    at.button(key="review-correct").click().run()
    at.run()  # the browser reruns the card's fragment by itself; AppTest needs the nudge
    assert at.subheader[0].value.startswith("n0")
    log = store.audit_log(batch)
    assert [(d["item"], d["reviewer"], d["action"], d["new_value"]) for d in log] == [
        ("n1", "Dr Ada", "accept", {"label": "neuro"}), ("n2", "Dr Ada", "correct", {"label": "neuro"})]
    assert log[1]["comment"] == "murmur is cardiac? no" and log[1]["old_value"] == {"label": "cardiac"}
    metrics = next(d.value for d in at.dataframe if "precision" in d.value.columns)
    assert set(metrics["label"]) == {"neuro"}


def test_kappa_shows_once_two_reviewers_have_decided(review_env):
    store, batch = review_env
    for v in store.queue(batch, "a", "input"):
        store.decide(v.id, "a", "accept")
        store.decide(v.id, "b", "correct", {"label": "neuro"})
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    at.text_input(key="reviewer").input("a").run()
    assert "Nothing left to review" in at.success[0].value
    kappa = next(d.value for d in at.dataframe if "Cohen's kappa" in d.value.columns)
    assert set(kappa["label"]) == {"cardiac", "neuro", "(all labels)"}


def test_empty_review_page_tries_the_example(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.button(key="review-example").click().run()
    assert not at.exception and not at.error
    store = ReviewStore(f"sqlite:///{tmp_path / 'biofm.db'}")
    batch = store.batches()[0]
    assert batch["items"] == 20 and batch["model"] == "disease-category"
    assert "true label in the input file" in " ".join(c.value for c in at.caption)
    assert not at.warning or "Enter your name" not in at.warning[0].value


def _named(at, name="Dr Ada"):
    at.text_input(key="reviewer").input(name).run()
    return at


def test_the_reviewer_name_survives_a_browser_reload(review_env):
    at = _named(AppTest.from_file(PAGE, default_timeout=30).run())
    assert at.text_input(key="reviewer").value == "Dr Ada"
    reloaded = AppTest.from_file(PAGE, default_timeout=30).run()  # a reload: a new session, empty session state
    assert reloaded.text_input(key="reviewer").value == "Dr Ada"
    assert not reloaded.error


def test_a_stale_card_in_a_second_tab_stores_nothing_and_says_so(review_env):
    store, batch = review_env
    tab_a = _named(AppTest.from_file(PAGE, default_timeout=30).run())
    tab_b = _named(AppTest.from_file(PAGE, default_timeout=30).run())
    assert tab_a.subheader[0].value.startswith("n1") and tab_b.subheader[0].value.startswith("n1")
    tab_a.button(key="review-accept").click().run()
    tab_b.button(key="review-correct").click().run()  # "s" in tab B, which still shows n1
    assert "This card was stale: n1 was decided meanwhile in another tab" in tab_b.warning[0].value
    assert [(d["item"], d["action"]) for d in store.audit_log(batch)] == [("n1", "accept")]  # nothing for n2
    tab_b.run()
    assert tab_b.subheader[0].value.startswith("n2")  # the queue is current again
    tab_a2 = _named(AppTest.from_file(PAGE, default_timeout=30).run())
    tab_b.button(key="review-accept").click().run()  # B decides n2; A's fresh card also showed n2
    tab_a2.button(key="review-reject").click().run()
    assert "This card was stale: n2" in tab_a2.warning[0].value
    assert [(d["item"], d["action"]) for d in store.audit_log(batch)] == [("n1", "accept"), ("n2", "accept")]
    assert not tab_a.error and not tab_b.error and not tab_a2.error


def test_an_unchanged_save_correction_is_an_accept(review_env):
    store, batch = review_env
    at = _named(AppTest.from_file(PAGE, default_timeout=30).run())
    at.button(key="review-correct").click().run()  # the label left as the model said
    assert [d["action"] for d in store.audit_log(batch)] == ["accept"]
    assert not at.error


def test_sending_the_same_batch_twice_offers_the_stored_one(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(Path(PAGE).parent / "1_Clinical_text.py"), default_timeout=60).run()
    at.selectbox(key="clinical-model").set_value("tiny-text").run()
    at.text_area(key="clinical-text").input("Chest pain on exertion.\n\nNew glioma on MRI.\n")
    at.checkbox(key="clinical-one-per-line").check()
    next(b for b in at.button if b.label == "Classify").click().run()
    at.button(key="clinical-send-review").click().run()
    assert any("Batch 1 (2 items) is ready to review" in s.value for s in at.success)
    at.button(key="clinical-send-review").click().run()
    store = ReviewStore(f"sqlite:///{tmp_path / 'biofm.db'}")
    assert len(store.batches()) == 1  # no silent duplicate
    assert "already stored as batch 1" in at.info[-1].value
    at.button(key="clinical-send-review-copy").click().run()  # asked for: a second copy
    assert [b["id"] for b in store.batches()] == [2, 1]
    assert not at.error


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "biofm",
        "client_secret": "s", "server_metadata_url": "http://localhost:1/.well-known/openid-configuration"}


def _signed_in(email, curators=""):
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0]}
    return at.run()


def test_with_a_login_the_account_is_the_reviewer_blind_and_curators_adjudicate(review_env, monkeypatch):
    store, batch = review_env
    monkeypatch.setenv("BIOFM_CURATORS", "cur@example.org")
    store.set_reviews_per_item(batch, 2, "setup")
    ann = _signed_in("ann@example.org")
    assert "reviewer" not in [t.key for t in ann.text_input]  # no name field: the account is recorded
    ann.button(key="review-accept").click().run()
    bob = _signed_in("bob@example.org")
    assert bob.subheader[0].value.startswith("n1")  # n1 still needs a second review
    assert not any("Your last decision" in i.value for i in bob.info)  # blind: ann's decision is not shown
    bob.selectbox(key=f"review-label-{store.queue(batch, 'x', 'input')[1].id}").set_value("cardiac")
    bob.button(key="review-correct").click().run()
    assert {d["reviewer"] for d in store.audit_log(batch)} == {"ann@example.org", "bob@example.org"}
    log = next(d.value for d in _signed_in("bob@example.org").dataframe if "input_hash" in d.value.columns)
    assert set(log["reviewer"]) == {"bob@example.org"}  # a reviewer's audit log holds only their own decisions
    cur = _signed_in("cur@example.org")
    cur.radio(key="review-work").set_value("adjudicate").run()
    assert not cur.error
    assert cur.subheader[0].value.startswith("n1")
    gold = next(b for b in cur.button if b.label == "Gold: neuro")
    gold.click().run()
    trail = store.adjudications(batch)
    assert [(a["item"], a["curator"], a["new_value"]) for a in trail] == [("n1", "cur@example.org", {"label": "neuro"})]
    assert trail[0]["reviewer_values"] == {"ann@example.org": {"label": "neuro"}, "bob@example.org": {"label": "cardiac"}}
    assert "No open disagreements" in " ".join(s.value for s in cur.success)


def test_with_a_login_nobody_signed_in_sees_only_a_sign_in(review_env):
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button(key="identity-login").label == "Sign in" and not at.text_input and not at.subheader

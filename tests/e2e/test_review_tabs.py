import pytest

from biofm.review import ReviewStore

pytestmark = pytest.mark.e2e


def test_the_same_reviewer_in_two_tabs_a_stale_card_stores_nothing(server, server_data_dir, browser):
    store = ReviewStore(f"sqlite:///{server_data_dir / 'biofm.db'}")
    items = [{"external_id": f"tab-note-{i}", "text": f"Tab note {i}.", "confidence": c,
              "prediction": {"label": "cardiac", "probs": {"cardiac": c, "neuro": 1 - c}}}
             for i, c in enumerate([0.6, 0.7, 0.8])]
    batch = store.add_batch("text-classify", "tiny-text", "1", ["cardiac", "neuro"], items)  # the newest batch
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab_a, tab_b = ctx.new_page(), ctx.new_page()
    for tab in (tab_a, tab_b):
        tab.set_default_timeout(90_000)
        tab.goto(f"{server}/Review")
        box = tab.get_by_role("textbox", name="Your name (recorded on every decision)")
        box.fill("Dr Tabs")
        box.press("Enter")
        tab.get_by_text("tab-note-0").first.wait_for()  # least confident first, in both tabs
    tab_a.get_by_role("button", name="Accept").click()
    tab_a.get_by_text("tab-note-1").first.wait_for()
    tab_b.get_by_role("heading").first.click()  # focus the page, not a text field, so the shortcut applies
    tab_b.keyboard.press("s")  # Save correction on the card tab B still shows
    tab_b.get_by_text("This card was stale: tab-note-0 was decided meanwhile").wait_for()
    assert [(d["item"], d["action"]) for d in store.audit_log(batch)] == [("tab-note-0", "accept")]
    ctx.close()

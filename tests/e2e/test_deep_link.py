"""On a fresh server, a bookmark straight to a page shows biofm's titled navigation, not Streamlit's
pages-folder sidebar ("app", "Home") that ran the page without the router."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import free_port, start_biofm_app

pytestmark = pytest.mark.e2e


def test_first_visit_straight_to_a_page_gets_the_router(page, tmp_path):
    port = free_port()
    proc = start_biofm_app(port, {"BIOFM_DATA_DIR": str(tmp_path)}, tmp_path, subprocess.DEVNULL)  # never visited
    try:
        page.goto(f"http://localhost:{port}/Molecules")
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Start here").wait_for()
        assert "Models and training" in sidebar.inner_text()
        assert sidebar.get_by_text("app", exact=True).count() == 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)

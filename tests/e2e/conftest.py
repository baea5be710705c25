"""A real biofm server on a free localhost port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from tests.conftest import free_port, start_biofm_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-results"


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory) -> Path:
    """The app's data directory (its review database is ``biofm.db`` there)."""
    return tmp_path_factory.mktemp("biofm-data")


@contextlib.contextmanager
def app_server(data_dir: Path, env: dict):
    """A biofm server on a free localhost port, its data dir ``data_dir`` and ``env`` on top (its log:
    ``data_dir/server.log``, quoted when it does not start); yields its URL and stops it afterwards."""
    port, log = free_port(), open(data_dir / "server.log", "w")
    try:
        proc = start_biofm_app(port, {"BIOFM_DATA_DIR": str(data_dir), **env}, ROOT, log)
    except RuntimeError as exc:
        log.close()
        raise RuntimeError(f"{exc}: {(data_dir / 'server.log').read_text()[-2000:]}") from None
    try:
        yield f"http://localhost:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def server(server_data_dir, tiny_model_dir):
    with app_server(server_data_dir, {"BIOFM_MODEL_DIRS": str(tiny_model_dir.parent), "BIOFM_PHI_GATE": "warn"}) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, headless=True,
                               args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                     "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(90_000)
    yield pg
    ctx.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def upload(page, path: Path) -> None:
    """Switch a page's input to 'Upload a file' and hand the browser a file."""
    page.get_by_text("Upload a file").click()
    page.locator("input[type=file]").set_input_files(str(path))


def download(page, button: str, dest: Path) -> Path:
    """Click a download button and save what the browser received."""
    with page.expect_download() as dl:
        page.get_by_role("button", name=button).first.click()  # a rerun can briefly show a stale copy
    dl.value.save_as(dest)
    return dest


# what a page shows when something failed: Python's traceback, Streamlit's exception box and its help links
TRACEBACK_MARKS = ("Traceback (most recent call last)", "File \"/", "KeyError", "Ask Google", "Ask ChatGPT")


def no_traceback(page) -> None:
    """The page shows no traceback and no Streamlit exception box."""
    text = page.inner_text("body")
    assert not any(mark in text for mark in TRACEBACK_MARKS), text[:2000]
    assert page.locator("[data-testid='stException']").count() == 0


def wait_idle(page) -> None:
    """Until Streamlit has finished the current run (its status widget disappears)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=120_000)

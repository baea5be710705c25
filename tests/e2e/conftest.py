"""A real biofm server on a free localhost port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-results"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory) -> Path:
    """The app's data directory (its review database is ``biofm.db`` there)."""
    return tmp_path_factory.mktemp("biofm-data")


@pytest.fixture(scope="session")
def server(server_data_dir, tiny_model_dir):
    port = _free_port()
    data_dir = server_data_dir
    env = {**os.environ, "BIOFM_DATA_DIR": str(data_dir), "BIOFM_MODEL_DIRS": str(tiny_model_dir.parent),
           "HF_HUB_OFFLINE": "1"}
    log = open(data_dir / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "biofm.cli", "app", "--port", str(port)],  # the user's command
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        raise RuntimeError(f"the app did not start: {(data_dir / 'server.log').read_text()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


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

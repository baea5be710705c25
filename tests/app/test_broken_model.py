"""A model whose weights are corrupt: the page says so as an error (not a traceback, not an empty result), so a page
test that checks ``at.error`` as well as ``at.exception`` notices a page that fails."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.conftest import submit

CLINICAL = str(Path(__file__).resolve().parents[2] / "pages" / "1_Clinical_text.py")


def test_corrupt_weights_are_an_error_on_the_page(app_env, tiny_model_dir, tmp_path, monkeypatch):
    broken = tmp_path / "models" / "broken-text"
    shutil.copytree(tiny_model_dir, broken)
    spec = json.loads((broken / "biofm.json").read_text())
    (broken / "biofm.json").write_text(json.dumps({**spec, "name": "broken-text"}))
    [weights] = broken.glob("*.safetensors")
    weights.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{\"a\": 1}" + b"\x00" * 64)  # a header, no tensors
    monkeypatch.setenv("BIOFM_MODEL_DIRS", os.environ["BIOFM_MODEL_DIRS"] + f":{broken.parent}")
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "data"))

    at = AppTest.from_file(CLINICAL, default_timeout=60).run()
    at.selectbox(key="clinical-model").set_value("broken-text").run()
    at.text_area(key="clinical-text").input("Chest pain on exertion.")
    submit(at).click().run()
    assert not at.exception  # what 26 page tests used to check alone: it passes on this failing page
    assert at.error, "the page failed without saying so"
    message = at.error[0].value
    assert message.startswith("Running broken-text failed:") and "app.log" in message
    assert not at.success and not at.dataframe  # no result shown as if it were one

"""Shipped models are read-only to biofm: no training output inside them or at a models root, and no stray
biofm.json hides them (issue #20)."""

from __future__ import annotations

import json
import shutil

import pytest

from biofm.cli import main
from biofm.config import SHIPPED_MODELS_DIR
from biofm.models.registry import Registry, default_registry


def _snapshot():
    return sorted((str(p.relative_to(SHIPPED_MODELS_DIR)), p.stat().st_mtime_ns)
                  for p in SHIPPED_MODELS_DIR.rglob("*") if p.is_file())


@pytest.fixture
def train_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOFM_DATA_DIR", str(tmp_path / "home"))
    path = tmp_path / "train.csv"
    path.write_text("text,label\n" + "".join(f"note {i} about fever,{'a' if i % 2 else 'b'}\n" for i in range(20)))
    return path


@pytest.mark.parametrize("out, name, message", [
    ("{shipped}/disease-category", "my-model", "inside the shipped models folder"),
    ("{shipped}", "x", "inside the shipped models folder"),
    ("{shipped}/new-one", None, "inside the shipped models folder"),
    ("{home}/models", "x", "is a models folder"),
])
def test_training_never_writes_into_shipped_models_or_a_models_root(out, name, message, train_csv, tmp_path,
                                                                     capsys):
    before = _snapshot()
    out = out.format(shipped=SHIPPED_MODELS_DIR, home=tmp_path / "home")
    argv = ["train", "text-classify", "--train", str(train_csv), "--out", out, "--epochs", "1", "-q"]
    assert main(argv + (["--name", name] if name else [])) == 2
    assert message in capsys.readouterr().err
    assert _snapshot() == before
    assert not (tmp_path / "home" / "models" / "biofm.json").exists()


def test_training_into_another_registered_models_folder_is_refused(train_csv, tmp_path, tiny_model_dir,
                                                                    monkeypatch, capsys):
    monkeypatch.setenv("BIOFM_MODEL_DIRS", str(tiny_model_dir.parent))
    out = tiny_model_dir / "sub"
    assert main(["train", "text-classify", "--train", str(train_csv), "--out", str(out), "-q"]) == 2
    assert "inside the folder of the registered model 'tiny-text'" in capsys.readouterr().err
    assert not out.exists()


def test_a_stray_spec_at_a_models_root_hides_nothing(tmp_path, tiny_model_dir):
    root = tmp_path / "models"
    shutil.copytree(tiny_model_dir, root / "tiny-text")
    (root / "biofm.json").write_text(json.dumps({"name": "stray", "task": "text-classify", "labels": ["a"]}))
    reg = Registry()
    reg.scan(root)
    assert "tiny-text" in reg.names() and "stray" not in reg.names()
    assert {"disease-category", "phi-deid"} <= set(reg.names())


def test_a_stray_spec_in_the_shipped_folder_hides_no_shipped_model(monkeypatch, tmp_path):
    fake = tmp_path / "assets-models"
    shutil.copytree(SHIPPED_MODELS_DIR / "disease-category", fake / "disease-category", ignore=shutil.ignore_patterns(
        "*.safetensors"))
    (fake / "biofm.json").write_text(json.dumps({"name": "x", "task": "text-classify", "labels": ["a"]}))
    import biofm.models.registry as registry

    monkeypatch.setattr(registry, "SHIPPED_MODELS_DIR", fake)
    assert Registry([fake]).names() == ["disease-category"]


def test_a_user_model_named_like_a_shipped_one_never_replaces_it(tmp_path, tiny_model_dir, monkeypatch):
    from tests.conftest import make_tiny_classifier

    make_tiny_classifier(tmp_path / "mine" / "disease-category", name="disease-category")
    monkeypatch.setenv("BIOFM_MODEL_DIRS", str(tmp_path / "mine"))
    from biofm.config import load_settings

    reg = default_registry(load_settings())
    assert reg.get("disease-category").source == "shipped"
    assert reg.get("local:disease-category").location == str((tmp_path / "mine" / "disease-category").resolve())

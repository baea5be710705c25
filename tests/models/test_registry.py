import json
import time

import pytest

from biofm.models import (EMBEDDED_BASE, ModelNotAvailableError, Registry, UnknownModelError, default_registry,
                          load_model, spec_from_dir)
from biofm import api
from biofm.tasks import get_task
from biofm.config import load_settings


def test_shipped_registry_has_the_default_classifier():
    spec = default_registry().get("disease-category")
    assert spec.task == "text-classify" and spec.source == "shipped"
    assert spec.adapter and spec.base == EMBEDDED_BASE
    assert len(spec.labels) == 5 and "neoplasms" in spec.labels
    assert "macro-F1" in spec.card_text()


def test_extra_model_dirs_from_settings_are_registered(tiny_model_dir, monkeypatch):
    monkeypatch.setenv("BIOFM_MODEL_DIRS", str(tiny_model_dir.parent))
    registry = default_registry(load_settings())
    assert "tiny-text" in registry.names("text-classify")
    assert registry.get("tiny-text").source == "local"


def test_a_plain_hugging_face_directory_gets_a_derived_spec(tiny_model_dir, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    for f in tiny_model_dir.iterdir():
        if f.name not in ("biofm.json", "README.md"):
            (plain / f.name).write_bytes(f.read_bytes())
    spec = api.resolve_spec(str(plain), None)
    assert spec.task == "text-classify" and spec.labels == ("cardiac", "neuro", "onco")
    assert spec.source == "local" and spec.max_length == 64
    assert "No model card" in spec.card_text()


def test_ner_is_derived_from_bio_labels(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"id2label": {"0": "O", "1": "B-Disease", "2": "I-Disease"}}))
    assert api.resolve_spec(str(tmp_path), None).task == "ner"


def test_unknown_names_say_what_is_known():
    with pytest.raises(UnknownModelError, match="not a registered name.*disease-category"):
        default_registry().get("no-such-model")


def test_task_mismatch_is_refused(tiny_model_dir):
    with pytest.raises(UnknownModelError, match="is a text-classify model, not ner"):
        Registry(roots=[]).get(str(tiny_model_dir), task="ner")


def test_directory_without_config_is_not_a_model(tmp_path):
    with pytest.raises(UnknownModelError, match="not a model directory"):
        Registry(roots=[]).get(str(tmp_path))


def test_hub_id_offline_fails_fast_naming_the_model(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.time()
    with pytest.raises(ModelNotAvailableError, match="'someone/not-cached-model'.*cannot be reached"):
        Registry(roots=[]).get("someone/not-cached-model", task="text-classify")
    assert time.time() - t0 < 10


def test_loading_is_cached_per_process(tiny_model_dir):
    spec = spec_from_dir(tiny_model_dir)
    build = get_task(spec.task).build
    assert load_model(spec, build, "cpu", "fp32") is load_model(spec, build, "cpu", "fp32")
    assert not load_model(spec, build, "cpu", "fp32").model.training


def test_weights_are_read_from_safetensors_only(tiny_model_dir, tmp_path):
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    for f in tiny_model_dir.iterdir():
        if f.suffix != ".safetensors":
            (pickled / f.name).write_bytes(f.read_bytes())
    (pickled / "pytorch_model.bin").write_bytes(b"not loaded")
    (pickled / "biofm.json").write_text((tiny_model_dir / "biofm.json").read_text().replace("tiny-text", "pickled"))
    from biofm.models import ModelNotAvailableError

    with pytest.raises(ModelNotAvailableError, match="biofm loads safetensors only"):
        load_model(spec_from_dir(pickled), get_task("text-classify").build, "cpu", "fp32")

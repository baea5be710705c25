"""Weights load from safetensors only (adapters included), and new model names cannot escape or shadow."""

from __future__ import annotations

import json
import shutil

import pytest

from biofm.models import ModelNotAvailableError
from biofm.models.registry import Registry, check_model_name
from biofm.models.spec import ModelSpec


def _pickled_copy(src, dst, weights="model.safetensors", pickle_name="pytorch_model.bin"):
    import torch

    shutil.copytree(src, dst)
    (dst / weights).unlink()
    torch.save({"w": torch.zeros(1)}, dst / pickle_name)
    return dst


def test_a_model_directory_with_only_pickled_weights_is_refused_by_name(tiny_model_dir, tmp_path):
    from biofm import api

    folder = _pickled_copy(tiny_model_dir, tmp_path / "pickled")
    with pytest.raises(ModelNotAvailableError, match="pickled \\(pytorch_model.bin\\); biofm loads safetensors only"):
        api.load(str(folder), "text-classify")


def test_a_pickled_adapter_is_refused_before_peft_sees_it(tmp_path, tiny_model_dir):
    from torch import nn

    from biofm.models.load import merge_adapter

    folder = tmp_path / "adapter"
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA"}))
    import torch

    torch.save({"w": torch.zeros(1)}, folder / "adapter_model.bin")
    with pytest.raises(ModelNotAvailableError, match="adapter_model.bin"):
        merge_adapter(nn.Linear(2, 2), str(folder))


@pytest.mark.parametrize("name", [".", "..", "../up", "a/b", "", "-dash-first", "x" * 65, "spa ce"])
def test_bad_model_names_are_refused(name):
    assert "model name" in check_model_name(name, Registry(roots=[]))


def test_a_shipped_name_is_refused_and_a_user_copy_never_replaces_it():
    reg = Registry(roots=[])
    reg.add(ModelSpec(name="esol", task="molecules", labels=("logS",), input_kind="smiles", max_length=128, source="shipped", location="/shipped"))
    assert "shipped model" in check_model_name("esol", reg)
    assert check_model_name("my-esol.v2", reg) is None
    user = reg.add(ModelSpec(name="esol", task="molecules", labels=("logS",), input_kind="smiles", max_length=128, source="local", location="/mine"))
    assert reg.get("esol").location == "/shipped" and user.name == "local:esol"


def test_retraining_a_shipped_model_keeps_its_name_but_never_writes_into_assets(monkeypatch, tmp_path):
    """scripts/train_shipped_models.sh trains into runs/shipped/NAME under BIOFM_RETRAIN_SHIPPED=1 and copies over:
    the shipped name is allowed then, the assets folder still is not."""
    from biofm.config import SHIPPED_MODELS_DIR
    from biofm.models.registry import check_training_out

    reg = Registry(roots=[])
    reg.add(ModelSpec(name="esol", task="molecules", labels=("logS",), input_kind="smiles", max_length=128,
                      source="shipped", location=str(SHIPPED_MODELS_DIR / "esol")))
    monkeypatch.setenv("BIOFM_RETRAIN_SHIPPED", "1")
    assert check_model_name("esol", reg) is None
    assert "read-only" in check_training_out(SHIPPED_MODELS_DIR / "esol", reg)
    assert check_training_out(tmp_path / "runs" / "shipped" / "esol", reg) is None
    script = (SHIPPED_MODELS_DIR.parents[1] / "scripts" / "train_shipped_models.sh").read_text()
    assert "--out assets/models" not in script and "BIOFM_RETRAIN_SHIPPED=1" in script

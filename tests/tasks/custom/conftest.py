"""Fixtures of the custom task's tests: a tiny encoder (fast), the embedded MiniLM for behaviour checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from biofm.tasks.custom import testing


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    """A tiny random BERT encoder (2 layers, 32 wide) with MiniLM's tokenizer, safetensors."""
    from tests.conftest import make_tiny_classifier

    return make_tiny_classifier(tmp_path_factory.mktemp("enc") / "tiny-encoder")


@pytest.fixture
def tiny_folder(tmp_path, tiny_encoder) -> Path:
    return testing.model_dir(tmp_path, tiny_encoder)


@pytest.fixture
def tiny_multi_folder(tmp_path, tiny_encoder) -> Path:
    return testing.model_dir(tmp_path, tiny_encoder, multi_label=True)

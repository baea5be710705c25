"""Shared fixtures: a tiny randomly initialised BERT classifier (fast) and helpers."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# tests of other features run without the PHI gate; the gate's own tests set BIOFM_PHI_GATE (or delete it: warn)
os.environ.setdefault("BIOFM_PHI_GATE", "off")

TINY_LABELS = ["cardiac", "neuro", "onco"]


def make_tiny_classifier(path: Path, labels=TINY_LABELS, max_length: int = 32, seed: int = 0,
                         name: str = "tiny-text") -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from biofm.models import embedded_encoder_path

    tok = AutoTokenizer.from_pretrained(embedded_encoder_path())
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64, num_labels=len(labels),
                     id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    torch.manual_seed(seed)
    model = BertForSequenceClassification(cfg).eval()
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    (path / "biofm.json").write_text(json.dumps({
        "name": name, "task": "text-classify", "labels": labels, "input_kind": "text", "max_length": max_length,
    }))
    (path / "README.md").write_text(f"# {name}\n\nA tiny random model for tests.\n")
    return path


def load_tiny(path, task: str):
    """A test model loaded on the CPU in fp32 through the task's builder."""
    from biofm import api
    from biofm.config import load_settings

    return api.load(str(path), task, load_settings(device="cpu", precision="fp32"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return make_tiny_classifier(tmp_path_factory.mktemp("models") / "tiny-text")


@pytest.fixture(scope="session")
def tiny_loaded(tiny_model_dir):
    return load_tiny(tiny_model_dir, "text-classify")


NER_LABELS = ["O", "B-Chemical", "I-Chemical", "B-Disease", "I-Disease"]


def make_tiny_tagger(path: Path, max_length: int = 16, name: str = "tiny-ner", labels=None, task: str = "ner") -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    from biofm.models import embedded_encoder_path

    tok = AutoTokenizer.from_pretrained(embedded_encoder_path())
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64, num_labels=len(labels or NER_LABELS),
                     id2label=dict(enumerate(labels or NER_LABELS)),
                     label2id={l: i for i, l in enumerate(labels or NER_LABELS)})
    torch.manual_seed(0)
    BertForTokenClassification(cfg).save_pretrained(path, safe_serialization=True)
    tok.save_pretrained(path)
    (path / "biofm.json").write_text(json.dumps({"name": name, "task": task, "labels": labels or NER_LABELS,
                                                 "max_length": max_length}))
    return path


@pytest.fixture(scope="session")
def tiny_tagger_dir(tmp_path_factory) -> Path:
    return make_tiny_tagger(tmp_path_factory.mktemp("models-ner") / "tiny-ner")


PHI_LABELS = ["O"] + [f"{p}-{t}" for t in ("NAME", "DATE", "AGE", "ID", "CONTACT", "LOCATION", "ORGANIZATION")
                      for p in ("B", "I")]


@pytest.fixture(scope="session")
def tiny_phi_dir(tmp_path_factory) -> Path:
    return make_tiny_tagger(tmp_path_factory.mktemp("models-phi") / "tiny-phi", name="tiny-phi", labels=PHI_LABELS,
                            task="phi")


@pytest.fixture(scope="session")
def tiny_tagger(tiny_tagger_dir):
    return load_tiny(tiny_tagger_dir, "ner")


@pytest.fixture(scope="session")
def tiny_report(tiny_model_dir, tmp_path_factory):
    """A tiny report labeler trained for a few steps on generated reports: (directory, training result)."""
    from biofm.reports.generator import generate_reports
    from biofm.tasks.reports.train import train_report_model
    from biofm.tasks import get_task
    from biofm.train.common import TrainConfig

    out = tmp_path_factory.mktemp("models-reports") / "tiny-reports"
    data = [(r.text, r.labels) for r in generate_reports(64, seed=0)]
    cfg = TrainConfig(base=str(tiny_model_dir), method="full", epochs=4, lr=3e-3, batch_size=16, max_length=64,
                      seed=0, device="cpu", precision="fp32", patience=5)
    return out, train_report_model(get_task("reports"), data[:48], data[48:], out, name="tiny-reports", cfg=cfg)


@pytest.fixture(scope="session")
def tiny_report_dir(tiny_report) -> Path:
    return tiny_report[0]


@pytest.fixture(scope="session")
def tiny_molecule_dir(tmp_path_factory):
    """A tiny SMILES encoder pre-trained for a few steps and a regression head on a learnable toy target."""
    import numpy as np

    from biofm.chem.pretrain import pretrain_encoder
    from biofm.chem.train import train_molecule_model
    from biofm.tasks import get_task
    from biofm.tasks.molecules.testing import SMILES as TOY_SMILES, carbons

    root = tmp_path_factory.mktemp("models-mol")
    pretrain_encoder(TOY_SMILES * 4, root / "enc", epochs=1, batch_size=16, hidden=32, layers=1)
    y = np.array([[carbons(s)] for s in TOY_SMILES], dtype=np.float32)  # carbon count
    idx = list(range(len(TOY_SMILES)))
    train_molecule_model(get_task("molecules"), root / "enc", TOY_SMILES, y, (idx[:18], idx[18:22], idx[22:]), root / "tiny-mol",
                         name="tiny-mol", targets=["carbons"], kind="regression", epochs=3, lr=1e-3, device="cpu")
    from biofm.chem.model_kinds import fit_baselines  # the forest, the ensemble and their conformal calibration

    fit_baselines(get_task("molecules"), root / "tiny-mol", TOY_SMILES, y, (idx[:18], idx[18:22], idx[22:]),
                  kind="regression", targets=["carbons"])
    return root / "tiny-mol"


def break_predict(monkeypatch, breaks, error: Exception) -> None:
    """Make ``biofm.api.predict`` raise ``error`` for any batch holding a record for which ``breaks(record)``."""
    from biofm import api

    real = api.predict

    def fragile(task, records, *args, **kwargs):
        if any(breaks(r) for r in records):
            raise error
        return real(task, records, *args, **kwargs)

    monkeypatch.setattr(api, "predict", fragile)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_healthy(port: int) -> bool:
    import urllib.request

    try:
        return urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


def start_biofm_app(port: int, env: dict, cwd, stdout, **popen) -> subprocess.Popen:
    """``biofm app --port PORT`` (the user's command) in a child process, returned once it answers its health
    check; it is stopped and an error raised if it exits or has not started within 60 s."""
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "biofm.cli", "app", "--port", str(port)], cwd=cwd,
                            env={**os.environ, "HF_HUB_OFFLINE": "1", **env}, stdout=stdout,
                            stderr=subprocess.STDOUT, **popen)
    deadline = time.time() + 60
    while not app_healthy(port):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"biofm app did not start (exit code {proc.poll()})")
        time.sleep(0.5)
    return proc

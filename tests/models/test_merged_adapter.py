"""Inference runs on a private copy of the weights with the LoRA adapter merged in: same outputs as the unmerged
adapter, no adapter layers left, and the copy serving explanations is the merged one too."""

from __future__ import annotations

import json

import numpy as np
import torch

from biofm.records import TextRecord
from biofm.tasks.text_classify.kind import TextClassifier
from tests.conftest import load_tiny, make_tiny_classifier

NOTES = ["Chest pain with troponin rise.", "MRI brain shows a small glioma.", "Headache.",
         "Colon biopsy: adenocarcinoma, nodes involved; CT shows no distant spread of disease."]


def _adapter_dir(tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification

    base = make_tiny_classifier(tmp_path / "base", seed=3)
    model = AutoModelForSequenceClassification.from_pretrained(base)
    peft = get_peft_model(model, LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, target_modules=["query", "value"]))
    torch.manual_seed(0)
    with torch.no_grad():  # LoRA starts as a no-op (B = 0): give it weights so merging matters
        for name, p in peft.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 5.0)
    out = tmp_path / "adapter"
    peft.save_pretrained(out, safe_serialization=True)
    spec = json.loads((base / "biofm.json").read_text())
    (out / "biofm.json").write_text(json.dumps({**spec, "name": "tiny-lora", "adapter": True, "base": str(base)}))
    (out / "README.md").write_text("# tiny-lora\n")
    return base, out, peft.eval()


def test_merged_adapter_gives_the_unmerged_outputs(tmp_path):
    base, adapter, unmerged = _adapter_dir(tmp_path)
    loaded = load_tiny(adapter, "text-classify")
    assert not any("lora" in name for name, _ in loaded.model.named_parameters())  # merged, not wrapped
    preds = TextClassifier(loaded).predict([TextRecord(str(i), t) for i, t in enumerate(NOTES)])
    enc = loaded.tokenizer(NOTES, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = unmerged(**enc).logits.softmax(-1).numpy()
        plain = load_tiny(base, "text-classify").model(**enc).logits.softmax(-1).numpy()
    np.testing.assert_allclose(preds.probs, expected, atol=1e-5)
    assert np.abs(plain - expected).max() > 1e-3  # the adapter changes the outputs, so the check above means it


def test_explanations_use_the_merged_copy(tmp_path):
    from biofm import api

    _, adapter, _ = _adapter_dir(tmp_path)
    loaded = load_tiny(adapter, "text-classify")
    explainer = api.explainer(loaded)
    assert explainer.model is not loaded.model
    for (name, a), (_, b) in zip(loaded.model.state_dict().items(), explainer.model.state_dict().items()):
        assert torch.equal(a, b), name

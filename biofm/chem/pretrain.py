"""Masked-language-model pre-training of the SMILES encoder.

The masking is written here rather than with transformers' DataCollatorForLanguageModeling: that collator needs a
``PreTrainedTokenizer``, and the SMILES tokenizer is a regex tokenizer with its own vocabulary file.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from biofm.chem.smiles import SPECIAL, SmilesTokenizer
from biofm.inference import pad_batch
from biofm.models.load import pick_device
from biofm.nets.smiles_encoder import ENCODER_FILE, encoder_config, save_module
from biofm.train.common import linear_schedule, seed_everything, write_json


def pretrain_encoder(smiles: Sequence[str], out_dir: str | Path, *, epochs: int = 3, batch_size: int = 128,
                     lr: float = 5e-4, max_len: int = 128, seed: int = 13, hidden: int = 256, layers: int = 4,
                     progress: Callable[[dict], None] | None = None, device: str = "auto") -> dict:
    """Masked-language-model pre-training (15% of tokens: 80% [MASK], 10% random, 10% kept)."""
    from transformers import BertForMaskedLM

    seed_everything(seed)
    dev = pick_device(device)
    tok = SmilesTokenizer.build(smiles)
    seqs = []
    for s in smiles:
        try:
            seqs.append(tok.encode(s, max_length=max_len).ids)
        except ValueError:
            continue
    cfg = encoder_config(len(tok), hidden, layers, max_len)
    model = BertForMaskedLM(cfg).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(seqs) / batch_size)
    sched = linear_schedule(opt, int(0.05 * steps), steps)
    gen = torch.Generator().manual_seed(seed)
    special = torch.tensor([tok.pad_token_id, tok.cls_token_id, tok.sep_token_id])
    losses, step, t0 = [], 0, time.time()
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(seqs), generator=gen).tolist()
        for b in range(0, len(order), batch_size):
            ids, mask = pad_batch([seqs[i] for i in order[b:b + batch_size]], tok.pad_token_id)
            labels = ids.clone()
            choose = (torch.rand(ids.shape, generator=gen) < 0.15) & ~torch.isin(ids, special)
            labels[~choose] = -100
            roll = torch.rand(ids.shape, generator=gen)
            inputs = ids.clone()
            inputs[choose & (roll < 0.8)] = tok.mask_token_id
            rand_ids = torch.randint(len(SPECIAL), len(tok), ids.shape, generator=gen)
            swap = choose & (roll >= 0.8) & (roll < 0.9)
            inputs[swap] = rand_ids[swap]
            loss = model(input_ids=inputs.to(dev), attention_mask=mask.to(dev), labels=labels.to(dev)).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            losses.append(loss.item())
            if progress:
                progress({"epoch": epoch + 1, "step": step, "total_steps": steps, "loss": loss.item()})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(out)
    (out / "encoder_config.json").write_text(json.dumps(cfg.to_dict(), indent=1))
    save_module(model.bert, out / ENCODER_FILE)
    final = float(np.mean(losses[-50:]))
    result = {"corpus_size": len(seqs), "vocab_size": len(tok), "steps": step, "epochs": epochs,
              "final_mlm_loss": final, "first_mlm_loss": float(np.mean(losses[:50])), "seconds": round(time.time() - t0),
              "config": {"hidden": hidden, "layers": layers, "max_len": max_len, "batch_size": batch_size, "lr": lr,
                         "seed": seed}}
    write_json(out / "pretraining.json", result)
    return result

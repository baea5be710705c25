"""The SMILES encoder (a small BERT over the regex SMILES vocabulary) and the property model on top of it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from biofm.chem.smiles import SmilesTokenizer
from biofm.inference import masked_mean

HEAD_FILE = "head.safetensors"
ENCODER_FILE = "encoder.safetensors"


def encoder_config(vocab_size: int, hidden: int = 256, layers: int = 4, max_len: int = 128):
    from transformers import BertConfig

    return BertConfig(vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=4,
                      intermediate_size=hidden * 2, max_position_embeddings=max_len, pad_token_id=0,
                      hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)


@dataclass
class _Output:
    logits: torch.Tensor


class MoleculeModel(nn.Module):
    def __init__(self, encoder: nn.Module, n_out: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(encoder.config.hidden_size, n_out)

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def encode(self, input_ids, attention_mask) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return masked_mean(out.last_hidden_state, attention_mask)

    def forward(self, input_ids, attention_mask=None, **_) -> _Output:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        return _Output(self.head(self.dropout(self.encode(input_ids, attention_mask))))


def save_module(module: nn.Module, path: Path, half: bool = True) -> None:
    from safetensors.torch import save_file

    save_file({k: (v.half() if half and v.is_floating_point() else v).detach().contiguous().cpu()
               for k, v in module.state_dict().items()}, path)


def load_state(module: nn.Module, path: Path) -> None:
    from safetensors.torch import load_file

    module.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in load_file(path).items()})


def load_encoder(folder: str | Path):
    """Tokenizer and BertModel of a pre-trained SMILES encoder directory."""
    from transformers import BertConfig, BertModel

    folder = Path(folder)
    tok = SmilesTokenizer.load(folder)
    encoder = BertModel(BertConfig.from_dict(json.loads((folder / "encoder_config.json").read_text())),
                        add_pooling_layer=False)
    load_state(encoder, folder / ENCODER_FILE)
    return tok, encoder


def load_property_model(folder: str | Path, n_out: int):
    """Tokenizer and MoleculeModel (encoder + head) of a trained property-model directory."""
    tok, encoder = load_encoder(folder)
    model = MoleculeModel(encoder, n_out)
    load_state(model.head, Path(folder) / HEAD_FILE)
    return tok, model

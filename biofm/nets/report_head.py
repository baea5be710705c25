"""An encoder with one linear layer giving 14 observations x 4 classes (the imaging-report labeler's network)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from biofm.inference import masked_mean

HEAD_FILE = "report_head.safetensors"


@dataclass
class MultiHeadOutput:
    logits: torch.Tensor
    hidden_states: tuple | None = None


class MultiHeadClassifier(nn.Module):
    """Encoder + masked-mean pooling + one linear layer giving ``n_heads x n_classes`` logits."""

    def __init__(self, encoder: nn.Module, n_heads: int, n_classes: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.n_heads, self.n_classes = n_heads, n_classes
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(encoder.config.hidden_size, n_heads * n_classes)

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def pooled(self, input_ids, attention_mask) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return masked_mean(out.last_hidden_state, attention_mask)

    def logits(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.head(pooled).view(-1, self.n_heads, self.n_classes)

    def forward(self, input_ids, attention_mask=None, output_hidden_states: bool = False, **_) -> MultiHeadOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        pooled = masked_mean(out.last_hidden_state, attention_mask)
        logits = self.head(self.dropout(pooled)).view(-1, self.n_heads, self.n_classes)
        return MultiHeadOutput(logits, out.hidden_states if output_hidden_states else None)

    def save_head(self, path: Path) -> None:
        from safetensors.torch import save_file

        save_file({f"head.{k}": v.detach().contiguous().cpu() for k, v in self.head.state_dict().items()}, path)

    def load_head(self, path: Path) -> None:
        from safetensors.torch import load_file

        self.head.load_state_dict({k.removeprefix("head."): v for k, v in load_file(path).items()})

"""The batching engine every task uses.

Items (token-id sequences) are sorted by length so each batch pads only to its own longest member, run under
``torch.inference_mode`` with autocast (bf16/fp16 on CUDA, bf16 on CPUs with AMX), and put back in input order.
On CUDA out-of-memory the batch size is halved and the batch retried.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence

import numpy as np
import torch

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Step = Callable[[torch.Tensor, torch.Tensor], dict[str, torch.Tensor]]

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def autocast(device: torch.device, precision: str):
    """Autocast context for a device and a precision name ('fp32' turns it off)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=DTYPES[precision])


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc).lower()


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first (an OOM shows up in the first batch)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask


def run_batched(
    sequences: Sequence[Sequence[int]],
    step: Step,
    *,
    device: torch.device,
    pad_id: int,
    batch_size: int = 32,
    precision: str = "fp32",
    token_outputs: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> list[dict[str, np.ndarray]]:
    """Run ``step`` over all sequences in length-sorted, dynamically padded batches; outputs in input order.

    ``step(input_ids, attention_mask)`` returns row-aligned tensors. Keys in ``token_outputs`` are per-token and
    are cut back to each sequence's own length.
    """
    n = len(sequences)
    results: list[dict[str, np.ndarray] | None] = [None] * n
    if n == 0:
        return []
    lengths = [len(s) for s in sequences]
    pending = length_sorted_batches(lengths, batch_size)
    done, limit = 0, batch_size
    if progress:
        progress(0, n)
    with torch.inference_mode():
        while pending:
            batch = pending.pop(0)
            if len(batch) > limit:  # an earlier OOM lowered the batch size for the rest of the run
                pending[:0] = [batch[i:i + limit] for i in range(limit, len(batch), limit)]
                batch = batch[:limit]
            ids, mask = pad_batch([sequences[i] for i in batch], pad_id)
            try:
                with autocast(device, precision):
                    out = step(ids.to(device, non_blocking=True), mask.to(device, non_blocking=True))
            except (torch.cuda.OutOfMemoryError, RuntimeError) as exc:
                if not _is_oom(exc) or len(batch) == 1:
                    raise
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                limit = len(batch) // 2
                log.warning("out of memory at batch size %d; going on at %d", len(batch), limit)
                pending[:0] = [batch[:limit], batch[limit:]]
                continue
            arrays = {k: v.detach().float().cpu().numpy() for k, v in out.items()}
            for row, idx in enumerate(batch):
                item = {}
                for key, arr in arrays.items():
                    item[key] = arr[row, : lengths[idx]] if key in token_outputs else arr[row]
                results[idx] = item
            done += len(batch)
            if progress:
                progress(done, n)
    return results  # type: ignore[return-value]


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of token vectors over the attention mask (sentence-transformers pooling)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)

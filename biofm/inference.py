"""The batching engine every task uses.

Sequences (token ids) are packed once into one flat array, sorted by length and cut into batches by a *token
budget* (rows x padded width), so short documents go through in large batches and long ones in small batches that
fit. Each batch is padded only to its own longest member by one vectorised gather (no per-row Python), run under
``torch.inference_mode`` with autocast (bf16/fp16 on CUDA, bf16 on CPUs with AMX), and its outputs are scattered
back into input order with one indexed assignment per output. On CUDA the batch tensors are pinned and copied
``non_blocking`` and the next batch is assembled while the GPU runs the current one. On out-of-memory the batch is
halved and retried, and the budget stays lowered for the rest of the run.

The defaults depend on the device (:func:`engine_limits`): a user sets nothing to get the fast path.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Step = Callable[[torch.Tensor, torch.Tensor], dict[str, torch.Tensor]]

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}

# (max rows, max tokens = rows x padded width) per batch. CPU: measured with bench/inference.py on 2 cores without
# AMX (fp32), small batches do best (64 rows / 2k tokens, flat within noise from 16 to 64 rows); CUDA: large batches
# keep the GPU busy; an OOM halves them. Not yet measured on a GPU here.
CPU_LIMITS = (64, 2048)
CUDA_LIMITS = (1024, 65536)


def engine_limits(device: torch.device, batch_size: int | None = None,
                  max_tokens: int | None = None) -> tuple[int, int]:
    """Rows and tokens per batch: the given values, else the device's defaults."""
    rows, tokens = CUDA_LIMITS if device.type == "cuda" else CPU_LIMITS
    return (batch_size or rows), (max_tokens or tokens)


def autocast(device: torch.device, precision: str):
    """Autocast context for a device and a precision name ('fp32' turns it off)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=DTYPES[precision])


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc).lower()


def length_sorted_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None) -> list[np.ndarray]:
    """Indices grouped into batches of similar length, longest first (an OOM shows up in the first batch).

    A batch holds at most ``batch_size`` rows and, when ``max_tokens`` is given, at most ``max_tokens`` tokens
    once padded to its longest member (always at least one row)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    batches, i, n = [], 0, len(order)
    while i < n:
        width = max(int(lengths[order[i]]), 1)
        k = batch_size if max_tokens is None else max(1, min(batch_size, max_tokens // width))
        batches.append(order[i:i + k])
        i += k
    return batches


class Packed:
    """Token-id sequences in one flat array with offsets: a batch is built by one gather, not a loop over rows."""

    def __init__(self, sequences: Sequence[Sequence[int]]) -> None:
        self.lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
        self.offsets = np.zeros(len(sequences), dtype=np.int64)
        if len(sequences) > 1:
            np.cumsum(self.lengths[:-1], out=self.offsets[1:])
        total = int(self.lengths.sum())
        self.flat = np.fromiter((t for s in sequences for t in s), dtype=np.int64, count=total) if total else \
            np.zeros(1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, rows: np.ndarray, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
        lengths = self.lengths[rows]
        width = max(int(lengths.max()), 1)
        cols = np.arange(width)
        mask = cols[None, :] < lengths[:, None]
        pos = np.minimum(self.offsets[rows][:, None] + cols[None, :], len(self.flat) - 1)
        ids = np.where(mask, self.flat[pos], pad_id)
        return torch.from_numpy(ids), torch.from_numpy(mask.astype(np.int64))


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad sequences to their longest member: ``(input_ids, attention_mask)``."""
    packed = Packed(seqs)
    return packed.batch(np.arange(len(packed)), pad_id)


@dataclass
class EngineOutputs:
    """A run's outputs in input order: ``out[key]`` is an array ``[n, ...]`` for a per-row output, and a list of
    ``n`` arrays (each cut to its sequence's length) for a per-token output."""

    n: int
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    tokens: dict[str, list] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: str):
        return self.rows[key] if key in self.rows else self.tokens[key]

    def __contains__(self, key: str) -> bool:
        return key in self.rows or key in self.tokens

    def keys(self) -> list[str]:
        return [*self.rows, *self.tokens]

    def _store(self, batch: np.ndarray, arrays: dict[str, np.ndarray], lengths: np.ndarray, token_keys) -> None:
        for key, arr in arrays.items():
            if key in token_keys:
                slot = self.tokens.setdefault(key, [None] * self.n)
                for row, idx in enumerate(batch):  # ragged: one view per sequence, no copy
                    slot[idx] = arr[row, : lengths[row]]
            else:
                if key not in self.rows:
                    self.rows[key] = np.zeros((self.n, *arr.shape[1:]), dtype=arr.dtype)
                self.rows[key][batch] = arr


def _to_device(ids: torch.Tensor, mask: torch.Tensor, device: torch.device):
    if device.type == "cuda":
        return ids.pin_memory().to(device, non_blocking=True), mask.pin_memory().to(device, non_blocking=True)
    return ids, mask


def run_batched(
    sequences: Sequence[Sequence[int]],
    step: Step,
    *,
    device: torch.device,
    pad_id: int,
    batch_size: int | None = None,
    max_tokens: int | None = None,
    precision: str = "fp32",
    token_outputs: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> EngineOutputs:
    """Run ``step`` over all sequences in length-sorted, token-budgeted, dynamically padded batches.

    ``step(input_ids, attention_mask)`` returns row-aligned tensors. Keys in ``token_outputs`` are per-token and
    are cut back to each sequence's own length. ``batch_size`` caps the rows and ``max_tokens`` the padded tokens
    of a batch (defaults: :func:`engine_limits` for the device).
    """
    packed = Packed(sequences)
    n = len(packed)
    out = EngineOutputs(n)
    if n == 0:
        return out
    rows_limit, token_limit = engine_limits(device, batch_size, max_tokens)
    pending = length_sorted_batches(packed.lengths, rows_limit, token_limit)
    done = 0
    if progress:
        progress(0, n)
    staged = None  # the next batch, assembled (and on CUDA copied) while the current one runs
    with torch.inference_mode():
        while pending or staged is not None:
            if staged is None:
                batch = pending.pop(0)
                staged = (batch, *_to_device(*packed.batch(batch, pad_id), device))
            batch, ids, mask = staged
            staged = None
            try:
                with autocast(device, precision):
                    result = step(ids, mask)
                if pending:  # overlap: build the next batch before waiting for this one's results
                    nxt = pending.pop(0)
                    staged = (nxt, *_to_device(*packed.batch(nxt, pad_id), device))
                arrays = {k: v.detach().float().cpu().numpy() for k, v in result.items()}
            except (torch.cuda.OutOfMemoryError, RuntimeError) as exc:
                if not _is_oom(exc) or len(batch) == 1:
                    raise
                if staged is not None:
                    pending.insert(0, staged[0])
                    staged = None
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                rows_limit = len(batch) // 2
                token_limit = max(1, rows_limit * int(packed.lengths[batch].max()))
                log.warning("out of memory at %d rows; going on with at most %d rows and %d tokens per batch",
                            len(batch), rows_limit, token_limit)
                pending[:0] = [batch[:rows_limit], batch[rows_limit:]]
                pending = [part for b in pending for part in _split(b, rows_limit, token_limit, packed.lengths)]
                continue
            out._store(batch, arrays, packed.lengths[batch], token_outputs)
            done += len(batch)
            if progress:
                progress(done, n)
    return out


def _split(batch: np.ndarray, rows_limit: int, token_limit: int, lengths: np.ndarray) -> list[np.ndarray]:
    """A pending batch cut to the (lowered) limits; it is already sorted longest first."""
    return [batch[p] for p in length_sorted_batches(lengths[batch], rows_limit, token_limit)]


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of token vectors over the attention mask (sentence-transformers pooling)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)

import numpy as np
import pytest
import torch

from biofm.inference import (CPU_LIMITS, CUDA_LIMITS, engine_limits, length_sorted_batches, masked_mean, pad_batch,
                             run_batched)

CPU = torch.device("cpu")


def echo_step(ids, mask):
    """Per-row: the sum of real tokens and the length; per-token: the ids themselves."""
    return {"total": (ids * mask).sum(1, keepdim=True), "length": mask.sum(1, keepdim=True),
            "tokens": ids.float().unsqueeze(-1)}


def row_step(ids, mask):
    out = echo_step(ids, mask)
    del out["tokens"]
    return out


def test_batches_are_length_sorted_and_cover_every_item():
    lengths = [3, 10, 1, 7, 7, 2]
    batches = length_sorted_batches(lengths, 2)
    assert sorted(i for b in batches for i in b) == list(range(6))
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(lengths, reverse=True)


def test_token_budget_packs_short_sequences_into_large_batches_and_long_ones_into_small():
    lengths = [100] * 4 + [10] * 40
    batches = length_sorted_batches(lengths, batch_size=1000, max_tokens=200)
    assert [len(b) for b in batches] == [2, 2, 20, 20]  # 2 x 100 tokens, then 20 x 10 tokens
    for b in batches:
        assert len(b) * max(lengths[i] for i in b) <= 200
    # a sequence longer than the budget still goes through, alone
    assert [len(b) for b in length_sorted_batches([500, 5, 5], batch_size=8, max_tokens=100)] == [1, 2]


def test_device_defaults_and_overrides():
    assert engine_limits(CPU) == CPU_LIMITS
    assert engine_limits(torch.device("cuda")) == CUDA_LIMITS
    assert engine_limits(CPU, batch_size=7, max_tokens=99) == (7, 99)


def test_padding_only_to_the_batch_maximum():
    ids, mask = pad_batch([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]] and mask.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_outputs_come_back_in_input_order_with_token_outputs_trimmed():
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(1, 100, size=rng.integers(1, 30))) for _ in range(37)]
    seen = []

    def step(ids, mask):
        seen.append(tuple(ids.shape))
        return echo_step(ids, mask)

    out = run_batched(seqs, step, device=CPU, pad_id=0, batch_size=8, token_outputs=("tokens",))
    assert len(out) == 37 and set(out.keys()) == {"total", "length", "tokens"}
    assert out["total"][:, 0].astype(int).tolist() == [sum(s) for s in seqs]
    assert out["length"][:, 0].astype(int).tolist() == [len(s) for s in seqs]
    assert [t[:, 0].astype(int).tolist() for t in out["tokens"]] == [[int(x) for x in s] for s in seqs]
    assert len(seen) == 5  # ceil(37 / 8)
    widths = [w for _, w in seen]
    assert widths == sorted(widths, reverse=True)  # longest first, each padded to its own longest


def test_token_budget_in_a_run_keeps_every_batch_within_the_budget():
    rng = np.random.default_rng(1)
    seqs = [[1] * int(n) for n in rng.integers(1, 60, size=200)]
    seen = []

    def step(ids, mask):
        seen.append(ids.shape)
        return row_step(ids, mask)

    out = run_batched(seqs, step, device=CPU, pad_id=0, batch_size=100, max_tokens=256)
    assert all(rows * width <= 256 for rows, width in seen)
    assert out["length"][:, 0].astype(int).tolist() == [len(s) for s in seqs]


def test_progress_reports_every_batch_up_to_the_total():
    calls = []
    run_batched([[1]] * 10, echo_step, device=CPU, pad_id=0, batch_size=4, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 10), (4, 10), (8, 10), (10, 10)]


def test_out_of_memory_halves_the_batch_and_retries():
    sizes = []

    def step(ids, mask):
        sizes.append(ids.shape[0])
        if ids.shape[0] > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return row_step(ids, mask)

    seqs = [[i + 1] * (i + 1) for i in range(8)] + [[1]] * 20
    out = run_batched(seqs, step, device=CPU, pad_id=0, batch_size=8)
    assert out["total"][:, 0].astype(int).tolist() == [sum(s) for s in seqs]
    assert sizes[:3] == [8, 4, 2] and max(sizes[3:]) <= 2  # the lowered limit holds for the rest of the run


def test_other_errors_are_not_swallowed():
    def step(ids, mask):
        raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        run_batched([[1, 2]], step, device=CPU, pad_id=0)


def test_empty_input():
    assert len(run_batched([], echo_step, device=CPU, pad_id=0)) == 0


def test_masked_mean_ignores_padding():
    hidden = torch.tensor([[[1.0], [3.0], [100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert masked_mean(hidden, mask).item() == pytest.approx(2.0)

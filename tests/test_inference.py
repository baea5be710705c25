import numpy as np
import pytest
import torch

from biofm.inference import length_sorted_batches, masked_mean, pad_batch, run_batched

CPU = torch.device("cpu")


def echo_step(ids, mask):
    """Per-row: the sum of real tokens and the length; per-token: the ids themselves."""
    return {"total": (ids * mask).sum(1, keepdim=True), "length": mask.sum(1, keepdim=True),
            "tokens": ids.float().unsqueeze(-1)}


def test_batches_are_length_sorted_and_cover_every_item():
    lengths = [3, 10, 1, 7, 7, 2]
    batches = length_sorted_batches(lengths, 2)
    assert sorted(i for b in batches for i in b) == list(range(6))
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(lengths, reverse=True)


def test_padding_only_to_the_batch_maximum():
    ids, mask = pad_batch([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]] and mask.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_outputs_come_back_in_input_order_with_token_outputs_trimmed():
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(1, 100, size=rng.integers(1, 30))) for _ in range(37)]
    seen_widths = []

    def step(ids, mask):
        seen_widths.append(ids.shape)
        return echo_step(ids, mask)

    out = run_batched(seqs, step, device=CPU, pad_id=0, batch_size=8, token_outputs=("tokens",))
    assert [int(o["total"][0]) for o in out] == [sum(s) for s in seqs]
    assert [int(o["length"][0]) for o in out] == [len(s) for s in seqs]
    assert all(o["tokens"].shape == (len(s), 1) for o, s in zip(out, seqs))
    assert len(seen_widths) == 5  # ceil(37 / 8)


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
        return echo_step(ids, mask)

    seqs = [[i + 1] * (i + 1) for i in range(8)]
    out = run_batched(seqs, step, device=CPU, pad_id=0, batch_size=8)
    assert [int(o["total"][0]) for o in out] == [sum(s) for s in seqs]
    assert sizes[:3] == [8, 4, 2] and max(sizes[3:]) <= 2


def test_other_errors_are_not_swallowed():
    def step(ids, mask):
        raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        run_batched([[1, 2]], step, device=CPU, pad_id=0)


def test_empty_input():
    assert run_batched([], echo_step, device=CPU, pad_id=0) == []


def test_masked_mean_ignores_padding():
    hidden = torch.tensor([[[1.0], [3.0], [100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert masked_mean(hidden, mask).item() == pytest.approx(2.0)

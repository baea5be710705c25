"""The training loop tells the job panel when it stops early (so progress is not left at 45% with no word)."""

import torch

from biofm.train.common import fit


def test_early_stop_is_reported_with_the_kept_epoch():
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    x, y = torch.randn(16, 2), torch.randn(16, 1)
    scores = iter([0.5, 0.4, 0.3, 0.2, 0.1, 0.0])  # the dev metric only gets worse after epoch 1
    events = []
    fit(model, n_examples=16, batch=lambda idx: ((model(x[idx]) - y[idx]) ** 2).mean(),
        evaluate=lambda: {"f1": next(scores)}, metric="f1", epochs=6, lr=0.01, batch_size=8, seed=0, patience=2,
        progress=events.append)
    stop = [e for e in events if e.get("event") == "early_stop"]
    assert len(stop) == 1 and stop[0]["epoch"] == 3 and stop[0]["epochs"] == 6 and stop[0]["best_epoch"] == 1

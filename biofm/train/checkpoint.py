"""Training checkpoints without pickle: tensors (model, best state, optimizer, RNG) in safetensors, the rest JSON."""

from __future__ import annotations

import json
from pathlib import Path

import torch


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def save_checkpoint(folder: Path, model, optimizer, scheduler, gen, best_state, meta: dict) -> None:
    """Everything needed to resume, without pickle: tensors in safetensors, the rest in JSON."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu().clone().contiguous() for k, v in model.state_dict().items()}
    tensors.update({f"best.{k}": v.cpu().clone().contiguous() for k, v in (best_state or {}).items()})
    opt = optimizer.state_dict()
    scalars: dict = {}
    for pid, st in opt["state"].items():
        for name, val in st.items():
            if torch.is_tensor(val):
                tensors[f"opt.{pid}.{name}"] = val.detach().cpu().clone().contiguous()
            else:
                scalars.setdefault(str(pid), {})[name] = val
    tensors["rng"] = gen.get_state()
    tmp = folder / "checkpoint.safetensors.tmp"
    save_file(tensors, tmp)
    tmp.replace(folder / "checkpoint.safetensors")
    sched = {k: v for k, v in scheduler.state_dict().items() if k != "lr_lambdas"}
    _write_json(folder / "checkpoint.json", {**meta, "param_groups": opt["param_groups"], "opt_scalars": scalars,
                                            "scheduler": sched})


def load_checkpoint(folder: Path, model, optimizer, scheduler, gen):
    from safetensors.torch import load_file

    meta = json.loads((folder / "checkpoint.json").read_text(encoding="utf-8"))
    tensors = load_file(folder / "checkpoint.safetensors")
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    best_state = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")} or None
    state: dict = {}
    for key, val in tensors.items():
        if key.startswith("opt."):
            _, pid, name = key.split(".", 2)
            state.setdefault(int(pid), {})[name] = val
    for pid, scal in meta["opt_scalars"].items():
        state.setdefault(int(pid), {}).update(scal)
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    sched = scheduler.state_dict()
    sched.update(meta["scheduler"])
    scheduler.load_state_dict(sched)
    gen.set_state(tensors["rng"])
    return meta, best_state

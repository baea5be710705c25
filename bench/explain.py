"""Integrated Gradients on one 256-token note (n_steps=50): biofm's attribute() vs a plain Captum loop.

Run: .venv/bin/python bench/explain.py [--model disease-category] [--repeats 3]

(a) plain: Captum LayerIntegratedGradients, fp32, internal_batch_size=1 (one forward/backward per step);
(b) biofm fp32: the same attribution in one batch of 50 steps;
(c) biofm default precision (bf16 autocast where the CPU has AMX).
Reports seconds (best of repeats), the ratio to (a), and each run's convergence delta relative to the output
difference, so speed is not bought with a worse approximation.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from biofm.explain.attribution import _forward, _prepare, attribute, explanation_copy  # noqa: E402
from biofm.models import default_registry, load_model  # noqa: E402
from biofm.tasks import get_task  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "medical_abstracts" / "train.csv"


def note_of_256_tokens(tokenizer) -> str:
    with DATA.open(newline="", encoding="utf-8") as fh:
        text = " ".join(row["medical_abstract"] for _, row in zip(range(3), csv.DictReader(fh)))
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    return text[: enc["offset_mapping"][253][1]]  # 254 tokens + [CLS] + [SEP] = 256


def best_of(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="disease-category")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()
    from captum.attr import LayerIntegratedGradients

    spec = default_registry().get(args.model)
    auto = explanation_copy(load_model(spec, get_task(spec.task).build, "auto", "auto"))
    text = note_of_256_tokens(auto.tokenizer)
    prep = _prepare(auto, text, None)
    print(f"note: {prep.ids.shape[1]} tokens, target {prep.target_name}, {torch.get_num_threads()} threads, "
          f"n_steps {args.steps}")

    def plain():
        lig = LayerIntegratedGradients(_forward(auto, prep, "fp32"), auto.model.get_input_embeddings())
        base = torch.full_like(prep.ids, auto.tokenizer.pad_token_id)
        base[0, 0], base[0, -1] = prep.ids[0, 0], prep.ids[0, -1]
        attr, delta = lig.attribute(prep.ids, baselines=base, additional_forward_args=(prep.mask,),
                                    n_steps=args.steps, internal_batch_size=1, return_convergence_delta=True)
        return float(delta.abs())

    def ours(precision):
        return lambda: attribute(auto, text, None, "ig", precision=precision, n_steps=args.steps,
                                 with_faithfulness=False)

    plain()  # warm-up
    t_a, delta_a = best_of(plain, args.repeats)
    t_b, attr_b = best_of(ours("fp32"), args.repeats)
    t_c, attr_c = best_of(ours(auto.precision), args.repeats)
    diff = abs(attr_b.output - attr_b.baseline_output)
    print("\n| contender | seconds | speed-up vs (a) | delta / output difference |\n|---|---|---|---|")
    print(f"| (a) plain Captum LIG, fp32, internal_batch_size=1 | {t_a:.2f} | 1.00x | {delta_a / diff:.2%} |")
    print(f"| (b) biofm attribute(), fp32, one batch | {t_b:.2f} | {t_a / t_b:.2f}x | {attr_b.delta / diff:.2%} |")
    diff_c = abs(attr_c.output - attr_c.baseline_output)
    print(f"| (c) biofm attribute(), {auto.precision} | {t_c:.2f} | {t_a / t_c:.2f}x | {attr_c.delta / diff_c:.2%} |")
    top_b = [u for u, _ in attr_b.top_units(10)]
    top_c = [u for u, _ in attr_c.top_units(10)]
    print(f"\ntop-10 words shared between (b) and (c): {len(set(top_b) & set(top_c))}/10")


if __name__ == "__main__":
    main()

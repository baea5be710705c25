"""The model card (README.md) of a custom model version: labels, method, data, dev metrics, the learning curve."""

from __future__ import annotations

from biofm.tasks.custom.labelset import LabelSet


def _f(x) -> str:
    return f"{x:.4f}" if isinstance(x, float) else ("–" if x is None else str(x))


def version_card(name: str, ls: LabelSet, entry: dict, history: list[dict]) -> str:
    cfg = entry["config"]
    kind = "multi-label" if ls.multi_label else "single-label"
    lines = [f"# {name} (version {entry['version']})", "",
             f"Your own labels, **{ls.name}** ({kind}), learnt from {entry['n_reviewed']} reviewed item(s).", "",
             "| label | description | threshold |", "|---|---|---|"]
    for lab, t in zip(ls.labels, entry["thresholds"]):
        lines.append(f"| {lab.name} | {lab.description.strip()} | {t if ls.multi_label else 'argmax'} |")
    lines += ["", "## Method", "",
              f"SetFit (Tunstall et al. 2022): contrastive fine-tuning of `{ls.encoder}` on pairs of reviewed items "
              f"(CosineSimilarityLoss; {entry['contrastive_steps']} steps of {cfg['batch_size']} pairs, learning "
              f"rate {cfg['lr']}, {cfg['max_length']} tokens, seed {cfg['seed']}), then a logistic-regression head "
              + ("per label (one-vs-rest), each label's threshold chosen for F1 on a held-out part split by "
                 "iterative stratification." if ls.multi_label else "(multinomial; the top label is predicted)."),
              "Embeddings: mean pooling, L2-normalised; documents past 256 tokens are read in overlapping windows "
              "whose logits are averaged.", "",
              "## Data", "",
              f"- reviewed items: {entry['n_reviewed']}; trained on {entry['n_fit']}"
              + (f", thresholds on {entry['n_held']} held out" if entry["n_held"] else "")
              + f"; dev part: {entry['n_dev']} (fixed per item: {cfg['dev_percent']}% by a hash of the item id)"]
    data = entry.get("data") or {}
    if data.get("train_file"):
        lines.append(f"- file: {data['train_file']} (sha256 `{data.get('train_sha256', '')[:16]}…`)")
    if data.get("licence"):
        lines.append(f"- data licence: {data['licence']}")
    if data.get("description"):
        lines[2:2] = [data["description"], ""]
    dev = entry.get("dev") or {}
    lines += ["", "## Dev metrics", ""]
    if dev:
        zs = entry.get("zero_shot_dev") or {}
        lines += ["| model | macro-F1 | micro-F1 |", "|---|---|---|",
                  f"| this version | {_f(dev['macro_f1'])} | {_f(dev['micro_f1'])} |",
                  f"| zero-shot (label descriptions) | {_f(zs.get('macro_f1'))} | {_f(zs.get('micro_f1'))} |", "",
                  "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        lines += [f"| {n} | {m['precision']} | {m['recall']} | {m['f1']} | {m['support']} |"
                  for n, m in dev["per_label"].items()]
    else:
        lines.append("No dev part yet (too few reviewed items): no metrics.")
    lines += ["", "## Learning curve", "", "| version | items trained on | dev items | dev macro-F1 |", "|---|---|---|---|"]
    for v in history:
        lines.append(f"| {v['version']} | {v['n_train']} | {v['n_dev']} | {_f((v.get('dev') or {}).get('macro_f1'))} |")
    lines += ["", "## Use and limits", "", "Research and decision-support use only. A model learnt from a few dozen "
              "reviewed notes of one site reflects those notes: check it on new notes before relying on it.", ""]
    return "\n".join(lines)

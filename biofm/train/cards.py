"""Model cards: a README.md beside the weights with data, command, licence and dev metrics."""

from __future__ import annotations

from pathlib import Path


def _fmt(x) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def text_classifier_card(name: str, result: dict, command: str, description: str = "", licence: str = "") -> str:
    dev, base = result["dev"], result["baseline_tfidf_logreg"]
    cfg, data = result["config"], result.get("data", {})
    lines = [
        f"# {name}",
        "",
        description or "Document classifier fine-tuned by biofm.",
        "",
        "## Training",
        "",
        f"- Base encoder: `{cfg['base']}`; method: **{cfg['method']}**"
        + (f" (LoRA r={cfg['lora_r']}, alpha={cfg['lora_alpha']}, on query/key/value/dense; classifier trained fully)"
           if cfg["method"] == "lora" else ""),
        f"- Epochs run: {len(result['history'])} (best epoch {dev['epoch']}, early stopping on dev macro-F1), "
        f"lr {cfg['lr']}, batch {cfg['batch_size']}, max length {cfg['max_length']} tokens, seed {cfg['seed']}, "
        f"AdamW (weight decay {cfg['weight_decay']}), linear warm-up/decay, gradient clipping 1.0",
        f"- Device: {result['device']}, autocast precision: {result['precision']}",
        f"- Train / dev examples: {result['train_size']} / {result['dev_size']}",
    ]
    if data:
        lines.append(f"- Data: {data.get('train_file', '')} (sha256 `{data.get('train_sha256', '')[:16]}…`)"
                     + (f"; dev: {data['dev']}" if data.get("dev") else ""))
    if licence:
        lines.append(f"- Data licence: {licence}")
    lines += ["", "Reproduce:", "", "```", command, "```", "",
              "## Dev metrics", "",
              "| model | macro-F1 | accuracy |", "|---|---|---|",
              f"| {name} | {_fmt(dev['macro_f1'])} | {_fmt(dev['accuracy'])} |",
              f"| TF-IDF (1-2 grams) + logistic regression, same split | {_fmt(base['macro_f1'])} | "
              f"{_fmt(base['accuracy'])} |", "",
              "Per label (dev):", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, row in dev["per_label"].items():
        if isinstance(row, dict) and label not in ("macro avg", "weighted avg"):
            lines.append(f"| {label} | {_fmt(row['precision'])} | {_fmt(row['recall'])} | {_fmt(row['f1-score'])} | "
                         f"{int(row['support'])} |")
    lines += ["", "## Training curve", "", "| epoch | train loss | dev macro-F1 | dev accuracy | seconds |",
              "|---|---|---|---|---|"]
    for h in result["history"]:
        lines.append(f"| {h['epoch']} | {h['train_loss']:.4f} | {h['dev_macro_f1']:.4f} | {h['dev_accuracy']:.4f} | "
                     f"{h['seconds']} |")
    lines += ["", "## Use and limits", "",
              "Research and decision-support use only: predictions are not a diagnosis. Documents longer than the "
              "max length are classified with overlapping sliding windows whose logits are averaged.", ""]
    return "\n".join(lines)


def write_card(out_dir: str | Path, text: str) -> Path:
    path = Path(out_dir) / "README.md"
    path.write_text(text, encoding="utf-8")
    return path


def ner_card(name: str, result: dict, command: str, description: str = "", licence: str = "") -> str:
    dev, cfg, data = result["dev"], result["config"], result.get("data", {})
    per = dev["per_type"]
    lines = [
        f"# {name}", "", description or "Biomedical named-entity recogniser fine-tuned by biofm.", "",
        "## Training", "",
        f"- Base encoder: `{cfg['base']}`; method: **{cfg['method']}**"
        + (f" (LoRA r={cfg['lora_r']}, alpha={cfg['lora_alpha']})" if cfg["method"] == "lora" else ""),
        f"- Entity types: {', '.join(result['entity_types'])} (BIO tags, label read from each word's first subword)",
        f"- Epochs run: {len(result['history'])} (best epoch {dev['epoch']}, early stopping on dev entity F1), "
        f"lr {cfg['lr']}, batch {cfg['batch_size']}, max length {cfg['max_length']} tokens, seed {cfg['seed']}",
        f"- Device: {result['device']}, autocast precision: {result['precision']}",
        f"- Train / dev sentences: {result['train_size']} / {result['dev_size']}",
    ]
    if data:
        lines.append(f"- Data: train {data.get('train_file', '')} (sha256 `{data.get('train_sha256', '')[:16]}…`), "
                     f"dev {data.get('dev', '')}")
    if licence:
        lines.append(f"- Data licence: {licence}")
    lines += ["", "Reproduce:", "", "```", command, "```", "",
              "## Dev metrics (strict entity match: type and both boundaries)", "",
              "| type | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for kind, row in per.items():
        lines.append(f"| {kind} | {_fmt(row['precision'])} | {_fmt(row['recall'])} | {_fmt(row['f1'])} | "
                     f"{row['support']} |")
    lines += ["", "## Training curve", "", "| epoch | train loss | dev entity F1 | seconds |", "|---|---|---|---|"]
    for h in result["history"]:
        lines.append(f"| {h['epoch']} | {h['train_loss']:.4f} | {h['dev_entity_f1']:.4f} | {h['seconds']} |")
    lines += ["", "## Use and limits", "",
              "Research use only. Notes longer than the max length are read with overlapping windows; each word's tag "
              "comes from the window where it has the most context on both sides.", ""]
    return "\n".join(lines)

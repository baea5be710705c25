"""The ``biofm`` command: app, predict, train, models."""

from __future__ import annotations

import argparse
import csv
import os
import shlex
import subprocess
import sys
from pathlib import Path

from biofm.config import PROJECT_ROOT, load_settings

CONLL_SUFFIXES = (".conll", ".tsv", ".iob", ".bio")


def _bar(desc: str):
    from tqdm import tqdm

    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(total=total, desc=desc, unit="item", file=sys.stderr, leave=False)
        bar = state["bar"]
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _settings(args):
    return load_settings(device=getattr(args, "device", None), batch_size=getattr(args, "batch_size", None))


def _write_errors(errors, out: Path) -> None:
    if not errors:
        return
    path = out.with_name(out.stem + ".errors.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["source", "row", "field", "message"])
        writer.writeheader()
        for err in errors:
            writer.writerow(err.as_dict())
    for err in errors[:20]:
        print(f"warning: {err.source} row {err.row} ({err.field}): {err.message}", file=sys.stderr)
    if len(errors) > 20:
        print(f"warning: … {len(errors) - 20} more", file=sys.stderr)
    print(f"{len(errors)} row error(s) written to {path}", file=sys.stderr)


def cmd_app(args) -> int:
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.address", "localhost",
           "--server.port", str(args.port), "--browser.gatherUsageStats", "false", "--server.headless", "true"]
    print(f"biofm app on http://localhost:{args.port}", file=sys.stderr)
    return subprocess.call(cmd, cwd=PROJECT_ROOT, env=env)


def cmd_models_list(args) -> int:
    from biofm.models.registry import default_registry

    registry = default_registry(load_settings())
    writer = csv.writer(sys.stdout)
    writer.writerow(["name", "task", "source", "labels", "location"])
    for spec in registry.specs():
        writer.writerow([spec.name, spec.task, spec.source, "|".join(spec.labels), spec.location])
    return 0


def cmd_models_show(args) -> int:
    from biofm.models.registry import default_registry

    print(default_registry(load_settings()).get(args.name).card_text())
    return 0


def cmd_predict_text(args) -> int:
    from biofm import api
    from biofm.io import read_text_file, write_table

    settings = _settings(args)
    result = read_text_file(args.input, text_column=args.text_column, id_column=args.id_column,
                            one_per_line=args.one_per_line, max_rows=settings.max_upload_rows)
    out = Path(args.output)
    _write_errors(result.errors, out)
    if not result.records:
        print("error: no readable rows in the input", file=sys.stderr)
        return 2
    preds = api.predict("text-classify", result.records, model=args.model, settings=settings,
                        progress=None if args.quiet else _bar("classifying"))
    frame = preds.to_frame()
    write_table(frame.drop(columns=["windows"]), out)
    if preds.n_windowed:
        print(f"note: {preds.n_windowed} document(s) were longer than the model's "
              f"{api.resolve_spec(args.model, 'text-classify', settings).max_length} tokens and were classified "
              "with sliding windows", file=sys.stderr)
    print(f"{len(frame)} predictions written to {out}", file=sys.stderr)
    return 0


def _read_label_map(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {r[0].strip(): r[1].strip() for r in rows[1:] if len(r) >= 2}


def cmd_train_text(args) -> int:
    from biofm.io import read_text_file
    from biofm.train.cards import text_classifier_card, write_card
    from biofm.train.common import TrainingDataError, file_sha256
    from biofm.train.common import TrainConfig
    from biofm.train.text_classify import train_text_classifier

    label_map = _read_label_map(args.label_map)

    def read(path):
        res = read_text_file(path, text_column=args.text_column, label_column=args.label_column, max_rows=None)
        if res.errors:
            _write_errors(res.errors, Path(args.out) / "train")
        for rec in res.records:
            if label_map and rec.label is not None:
                if rec.label not in label_map:
                    raise TrainingDataError(f"{path}: label {rec.label!r} (row {rec.meta.get('row')}) is not in "
                                            f"{args.label_map}")
                rec.label = label_map[rec.label]
        return res.records

    try:
        train = read(args.train)
        dev = read(args.dev) if args.dev else None
        cfg = TrainConfig(base=args.base, method=args.method, epochs=args.epochs, lr=args.lr,
                          batch_size=args.batch_size, max_length=args.max_length, seed=args.seed,
                          class_weights=args.class_weights, device=args.device or "auto", resume=args.resume)
        name = args.name or Path(args.out).name
        progress = _train_progress(args.quiet, args.progress_file)
        data_info = {"train_file": Path(args.train).name, "train_sha256": file_sha256(args.train),
                     "dev": Path(args.dev).name if args.dev else f"stratified {args.dev_fraction:.0%} of the train file"}
        result = train_text_classifier(train, args.out, name=name, dev_records=dev, cfg=cfg,
                                       dev_fraction=args.dev_fraction, progress=progress, data_info=data_info,
                                       should_stop=_cancel_check(args.cancel_file))
    except TrainingDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    command = "biofm " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    write_card(args.out, text_classifier_card(name, result, command, description=args.description or "",
                                              licence=args.licence or ""))
    dev_m, base_m = result["dev"], result["baseline_tfidf_logreg"]
    print(f"saved {args.out}: dev macro-F1 {dev_m['macro_f1']:.4f} (baseline {base_m['macro_f1']:.4f}), "
          f"accuracy {dev_m['accuracy']:.4f} (baseline {base_m['accuracy']:.4f})", file=sys.stderr)
    return 0


def cmd_predict_ner(args) -> int:
    import json

    from biofm import api
    from biofm.io import read_text_file
    from biofm.io.conll import read_conll, write_conll
    from biofm.tasks.ner import NerTagger
    from biofm.train.ner import predict_sentence_tags

    settings = _settings(args)
    out = Path(args.output)
    tagger = NerTagger(api.load(args.model, "ner", settings))
    progress = None if args.quiet else _bar("tagging")
    if Path(args.input).suffix.lower() in CONLL_SUFFIXES:
        sentences, errors = read_conll(args.input)
        _write_errors(errors, out)
        tags = predict_sentence_tags(tagger, sentences, batch_size=settings.batch_size, progress=progress)
        write_conll(out, sentences, tags)
        print(f"{len(sentences)} sentences tagged into {out} (token, input tag, predicted tag)", file=sys.stderr)
        return 0
    result = read_text_file(args.input, text_column=args.text_column, id_column=args.id_column,
                            one_per_line=args.one_per_line, max_rows=settings.max_upload_rows)
    _write_errors(result.errors, out)
    if not result.records:
        print("error: no readable rows in the input", file=sys.stderr)
        return 2
    preds = tagger.predict(result.records, batch_size=settings.batch_size, progress=progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for rec in preds.to_records():
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    n = sum(len(e) for e in preds.entities)
    if preds.n_windowed:
        print(f"note: {preds.n_windowed} document(s) were read with sliding windows", file=sys.stderr)
    print(f"{n} entities in {len(preds.ids)} documents written to {out}", file=sys.stderr)
    return 0


def cmd_train_ner(args) -> int:
    from biofm.io.conll import read_conll
    from biofm.train.cards import ner_card, write_card
    from biofm.train.common import TrainConfig, TrainingDataError, file_sha256
    from biofm.train.ner import train_ner

    try:
        train, terr = read_conll(args.train)
        if args.dev:
            dev, derr = read_conll(args.dev)
        else:  # a seeded 15% of the sentences for model selection
            import random

            order = list(range(len(train)))
            random.Random(args.seed).shuffle(order)
            cut = max(1, int(round(len(order) * 0.15)))
            dev, train, derr = [train[i] for i in order[:cut]], [train[i] for i in order[cut:]], []
        _write_errors(terr + derr, Path(args.out) / "train")
        cfg = TrainConfig(base=args.base, method=args.method, epochs=args.epochs, lr=args.lr,
                          batch_size=args.batch_size, max_length=args.max_length, seed=args.seed,
                          device=args.device or "auto", patience=args.patience, resume=args.resume)
        name = args.name or Path(args.out).name
        data_info = {"train_file": Path(args.train).name, "train_sha256": file_sha256(args.train),
                     "dev": Path(args.dev).name if args.dev else "15% of the training sentences (seeded)"}
        result = train_ner(train, dev, args.out, name=name, cfg=cfg,
                           progress=_train_progress(args.quiet, args.progress_file), data_info=data_info,
                           should_stop=_cancel_check(args.cancel_file))
    except TrainingDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    command = "biofm " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    write_card(args.out, ner_card(name, result, command, description=args.description or "",
                                  licence=args.licence or ""))
    o = result["dev"]["per_type"]["overall"]
    print(f"saved {args.out}: dev entity P {o['precision']:.4f} R {o['recall']:.4f} F1 {o['f1']:.4f}", file=sys.stderr)
    return 0


def cmd_explain(args) -> int:
    import json

    from biofm import api
    from biofm.explain import Target, attribute, standalone_html
    from biofm.explain.attribution import explanation_copy
    from biofm.io import read_paste, read_text_file
    from biofm.tasks.ner import NerTagger

    settings = _settings(args)
    if bool(args.text) == bool(args.input):
        print("error: give exactly one of --text or --input", file=sys.stderr)
        return 2
    out = Path(args.output)
    result = read_paste(args.text) if args.text else read_text_file(
        args.input, text_column=args.text_column, id_column=args.id_column, one_per_line=args.one_per_line,
        max_rows=settings.max_upload_rows)
    _write_errors(result.errors, out)
    loaded = api.load(args.model, args.task, settings)
    explainer = explanation_copy(loaded)
    opts = {"n_steps": args.steps} if args.method == "ig" else {}
    items, pages = [], []
    for rec in result.records:
        if args.task == "ner":
            ents = NerTagger(loaded).predict([rec]).entities[0]
            if args.entity:
                start, end = (int(x) for x in args.entity.split("-", 1))
                found = [e.label for e in ents if (e.start, e.end) == (start, end)]
                if not found and not args.target:
                    raise ValueError(f"{rec.id}: no entity was predicted at {start}-{end}; give its type with --target")
                targets = [Target(found[0] if found else args.target, start, end)]
            else:
                targets = [Target(e.label, e.start, e.end) for e in ents
                           if not args.target or args.target in (e.label, e.text)]
        else:
            targets = [args.target]
        for target in targets:
            attr = attribute(explainer, rec.text, target, args.method, **opts)
            items.append({"id": rec.id, **attr.to_json()})
            pages.append(standalone_html(attr))
            for w in attr.warnings:
                print(f"warning: {rec.id}: {w}", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.html:
        Path(args.html).write_text("\n<hr>\n".join(pages) or "<p>nothing explained</p>", encoding="utf-8")
    print(f"{len(items)} explanation(s) written to {out}", file=sys.stderr)
    return 0


def cmd_predict_reports(args) -> int:
    from biofm import api
    from biofm.io import read_text_file, write_table
    from biofm.reports.model import ReportLabeler

    settings = _settings(args)
    out = Path(args.output)
    result = read_text_file(args.input, text_column=args.report_column, id_column=args.id_column, blocks=True,
                            max_rows=settings.max_upload_rows)
    _write_errors(result.errors, out)
    if not result.records:
        print("error: no readable reports in the input", file=sys.stderr)
        return 2
    preds = ReportLabeler(api.load(args.model, "reports", settings)).predict(
        result.records, batch_size=settings.batch_size, progress=None if args.quiet else _bar("labelling"))
    if out.suffix.lower() in (".jsonl", ".json"):
        import json

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in preds.to_records()), encoding="utf-8")
    else:
        write_table(preds.to_chexpert_frame(), out)
    print(f"{len(preds.ids)} reports labelled into {out}", file=sys.stderr)
    return 0


def cmd_train_reports(args) -> int:
    from biofm.train.common import TrainingDataError

    try:
        return _train_reports(args)
    except TrainingDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _train_reports(args) -> int:
    from biofm.reports.generator import generate_reports
    from biofm.reports.model import ReportLabeler, report_metrics, train_report_model
    from biofm.records import TextRecord
    from biofm.models.loading import load_model
    from biofm.models.registry import spec_from_dir
    from biofm.train.cards import report_card, write_card
    from biofm.train.common import TrainConfig

    from biofm.train.data import read_chexpert_pairs

    def pairs(n, seed, style):
        return [(r.text, r.labels) for r in generate_reports(n, seed=seed, style=style)]

    if args.train:
        train = read_chexpert_pairs(args.train)
        if args.dev:
            dev = read_chexpert_pairs(args.dev)
        else:
            import random

            rng = random.Random(args.seed)
            order = list(range(len(train)))
            rng.shuffle(order)
            cut = max(1, int(round(len(train) * 0.15)))
            dev, train = [train[i] for i in order[:cut]], [train[i] for i in order[cut:]]
        data_info = {"train_file": Path(args.train).name, "dev": args.dev or "15% random split"}
    else:
        train = pairs(args.n_train, args.seed, "train")
        dev = pairs(args.n_dev, args.seed + 1, "train")
        data_info = {"generator": "biofm.reports.generator", "train": f"{args.n_train} 'train' phrasings"}
    cfg = TrainConfig(base=args.base, method=args.method, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                      max_length=args.max_length, seed=args.seed, device=args.device or "auto", patience=2,
                      resume=args.resume)
    name = args.name or Path(args.out).name
    result = train_report_model(train, dev, args.out, name=name, cfg=cfg,
                                progress=_train_progress(args.quiet, args.progress_file), data_info=data_info,
                                should_stop=_cancel_check(args.cancel_file))
    labeler = ReportLabeler(load_model(spec_from_dir(args.out), device=args.device or "auto"))
    evaluation = {}
    for set_name, style, seed in (("same phrasings", "train", args.seed + 2), ("held-out phrasings", "heldout", args.seed + 3)):
        data = pairs(args.n_test, seed, style)
        preds = labeler.predict([TextRecord(str(i), t) for i, (t, _) in enumerate(data)])
        gold = [lab for _, lab in data]
        evaluation[set_name] = {
            "model": report_metrics(gold, preds.model_labels),
            "rules": report_metrics(gold, [r.as_row() for r in preds.rules]),
            "ensemble": report_metrics(gold, [{o: v[0] for o, v in f.items()} for f in preds.final()]),
        }
        print(f"{set_name}: " + ", ".join(f"{k} macro-F1 {v['macro_f1']:.4f}" for k, v in evaluation[set_name].items()),
              file=sys.stderr)
    import json

    metrics_path = Path(args.out) / "metrics.json"
    data = json.loads(metrics_path.read_text())
    data["evaluation"] = evaluation
    metrics_path.write_text(json.dumps(data, indent=2))
    command = "biofm " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    write_card(args.out, report_card(name, result, evaluation, command, synthetic=not args.train))
    return 0


def cmd_embed(args) -> int:
    import pandas as pd

    from biofm import api
    from biofm.embed import project, scatter_figure
    from biofm.embed.columns import colour_columns
    from biofm.io import read_text_file
    from biofm.tasks import task_adapter

    settings = _settings(args)
    out = Path(args.output)
    if out.suffix.lower() not in (".html", ".csv"):
        print("error: output must end in .html or .csv", file=sys.stderr)
        return 2
    result = read_text_file(args.input, text_column=args.text_column, id_column=args.id_column,
                            label_column=args.label_column, one_per_line=args.one_per_line,
                            blocks=args.task == "reports", max_rows=settings.max_upload_rows)
    _write_errors(result.errors, out)
    if len(result.records) < 3:
        print("error: a map needs at least 3 readable rows", file=sys.stderr)
        return 2
    preds = task_adapter(args.task)(api.load(args.model, args.task, settings)).predict(
        result.records, batch_size=settings.batch_size, progress=None if args.quiet else _bar("embedding"))
    cols = colour_columns(args.task, preds, result.records)
    proj = project(preds.embeddings, args.method, perplexity=args.perplexity, seed=args.seed,
                   max_points=args.max_points)
    if proj.note:
        print(f"note: {proj.note}", file=sys.stderr)
    idx = proj.indices
    frame = pd.DataFrame({"id": [preds.ids[i] for i in idx], "x": proj.coords[:, 0], "y": proj.coords[:, 1],
                          **{name: [vals[i] for i in idx] for name, vals in cols.items()}})
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False)
    else:
        colour = args.colour or next(iter(cols))
        if colour not in cols:
            print(f"error: --colour {colour!r} is not one of {', '.join(cols)}", file=sys.stderr)
            return 2
        fig = scatter_figure(proj.coords, [cols[colour][i] for i in idx], [preds.texts[i] for i in idx],
                             ids=[preds.ids[i] for i in idx], title=f"{args.task} · {args.method}", color_name=colour)
        fig.write_html(out, include_plotlyjs=True, full_html=True)
    print(f"{len(frame)} points written to {out} (colour columns: {', '.join(cols)})", file=sys.stderr)
    return 0


def cmd_predict_molecules(args) -> int:
    import pandas as pd

    from biofm import api
    from biofm.chem.model import MoleculePredictor
    from biofm.io.molecules import read_molecule_file

    settings = _settings(args)
    out = Path(args.output)
    res = read_molecule_file(args.input, smiles_column=args.smiles_column, id_column=args.id_column,
                             strip_salts=args.strip_salts, max_rows=settings.max_upload_rows)
    file_errors = [e for e in res.errors if e.row == 0]
    _write_errors(file_errors, out)
    predictor = MoleculePredictor(api.load(args.model, "molecules", settings), mc_passes=args.mc_passes)
    frames = []
    if res.records:
        preds = predictor.predict(res.records, batch_size=settings.batch_size,
                                  progress=None if args.quiet else _bar("predicting"))
        frames.append(preds.to_frame(inputs=[r.smiles for r in res.records]).assign(
            _row=[r.row for r in res.records]))
    bad = [e for e in res.errors if e.row > 0]
    if bad:
        frames.append(pd.DataFrame({"id": [str(e.row) for e in bad], "input_smiles": [e.field for e in bad],
                                    "canonical_smiles": "", "valid": False, "error": [e.message for e in bad],
                                    "_row": [e.row for e in bad]}))
    if not frames:
        print("error: no molecules in the input", file=sys.stderr)
        return 2
    frame = pd.concat(frames, ignore_index=True).sort_values("_row").drop(columns="_row")
    from biofm.io import write_table

    write_table(frame, out)
    print(f"{len(res.records)} valid, {len(bad)} rejected molecule(s) written to {out}", file=sys.stderr)
    for e in bad[:10]:
        print(f"rejected row {e.row}: {e.field!r}: {e.message}", file=sys.stderr)
    return 0


def cmd_pretrain_smiles(args) -> int:
    from biofm.chem.model import pretrain_encoder
    from biofm.chem.smiles import parse_smiles

    smiles = []
    for path in args.corpus:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            col = next((c for c in reader.fieldnames or [] if c.lower() in ("smiles", "canonical_smiles")), None)
            if col is None:
                print(f"error: {path} has no smiles column", file=sys.stderr)
                return 2
            smiles += [r[col] for r in reader]
    canonical = sorted({p.canonical for p in map(parse_smiles, smiles) if p.valid})
    print(f"{len(canonical)} unique valid SMILES from {len(smiles)} rows", file=sys.stderr)
    result = pretrain_encoder(canonical, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                              seed=args.seed, progress=_train_progress(args.quiet, args.progress_file))
    from biofm.train.cards import encoder_card, write_card

    command = "biofm " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    write_card(args.out, encoder_card(result, [Path(p).name for p in args.corpus], command))
    print(f"saved {args.out}: MLM loss {result['first_mlm_loss']:.3f} -> {result['final_mlm_loss']:.3f}",
          file=sys.stderr)
    return 0


def cmd_train_molecules(args) -> int:
    import json
    import tempfile

    import numpy as np

    from biofm.chem.features import random_split, scaffold_split
    from biofm.train.data import molecule_table
    from biofm.chem.model import rf_baseline, train_molecule_model
    from biofm.train.cards import molecule_card, write_card
    from biofm.train.common import TrainingDataError

    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    try:
        smiles, y = molecule_table(args.train, args.smiles_column, targets, args.skip_invalid)
        if args.kind != "regression":
            bad = sorted({float(v) for v in y[~np.isnan(y)]} - {0.0, 1.0})
            if bad:
                raise TrainingDataError(f"{args.kind} targets must be 0, 1 or empty; found {bad[:5]}")
        if args.test:
            t_smiles, t_y = molecule_table(args.test, args.smiles_column, targets, args.skip_invalid)
            n = len(smiles)
            if args.split == "scaffold":
                tr, dv, _ = scaffold_split(smiles, (0.9, 0.1, 0.0))
            else:
                tr, dv, _ = random_split(n, args.seed, (0.9, 0.1, 0.0))
            smiles, y = smiles + t_smiles, np.concatenate([y, t_y])
            split = (tr, dv, list(range(n, len(smiles))))
            split_name = f"{args.split} 90/10 of {Path(args.train).name} for train/dev; test {Path(args.test).name}"
        else:
            split = scaffold_split(smiles) if args.split == "scaffold" else random_split(len(smiles), args.seed)
            split_name = f"{'Bemis-Murcko scaffold' if args.split == 'scaffold' else 'random'} 80/10/10"
    except TrainingDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    names = [t.strip() for t in (args.target_names or args.targets).split(",")]
    name = args.name or Path(args.out).name
    info = {"split": split_name, "data": Path(args.train).name + (f" + {Path(args.test).name}" if args.test else ""),
            "licence": args.licence or ""}
    common = dict(targets=names, kind=args.kind, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                  seed=args.seed, device=args.device or "auto")
    result = train_molecule_model(args.encoder, smiles, y, split, args.out, name=name,
                                  progress=_train_progress(args.quiet, args.progress_file),
                                  should_stop=_cancel_check(args.cancel_file), extra_info=info, **common)
    baseline = rf_baseline(smiles, y, split, args.kind, names, seed=args.seed)
    rnd = rnd_base = None
    if args.also_random and not args.test:
        rsplit = random_split(len(smiles), args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            rnd = train_molecule_model(args.encoder, smiles, y, rsplit, tmp, name="random-split", **common)["test"]
        rnd_base = rf_baseline(smiles, y, rsplit, args.kind, names, seed=args.seed)
    pre = json.loads((Path(args.encoder) / "pretraining.json").read_text()) if (
        Path(args.encoder) / "pretraining.json").is_file() else {}
    (Path(args.out) / "pretraining.json").write_text(json.dumps(pre, indent=1))
    metrics = json.loads((Path(args.out) / "metrics.json").read_text())
    metrics.update({"baseline_random_forest": baseline, "random_split": rnd, "random_split_baseline": rnd_base})
    (Path(args.out) / "metrics.json").write_text(json.dumps(metrics, indent=1))
    command = "biofm " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    write_card(args.out, molecule_card(name, result, baseline, command, pre, args.description or "", rnd, rnd_base))
    key = "rmse" if args.kind == "regression" else "roc_auc"
    print(f"saved {args.out} ({name}): test {key} {result['test'][key]:.4f}, random forest {baseline[key]:.4f}",
          file=sys.stderr)
    return 0


def _cancel_check(cancel_file: str | None):
    if not cancel_file:
        return None
    return lambda: Path(cancel_file).exists()


def _train_progress(quiet: bool, progress_file: str | None = None):
    import json
    import time

    from tqdm import tqdm

    bar = tqdm(total=None, desc="training", unit="step", file=sys.stderr, disable=quiet)
    sink = open(progress_file, "a", encoding="utf-8") if progress_file else None

    def progress(ev: dict) -> None:
        if sink is not None:
            sink.write(json.dumps({**ev, "time": time.time()}) + "\n")
            sink.flush()
        bar.total = ev["total_steps"]
        if ev.get("event") == "epoch":
            metric = ev["metric"]
            bar.write(f"epoch {ev['epoch']}: train loss {ev['train_loss']:.4f}, dev {metric} "
                      f"{ev['dev_' + metric]:.4f} ({ev['seconds']} s)")
        else:
            bar.update(ev["step"] - bar.n)
            bar.set_postfix(loss=f"{ev['loss']:.3f}")

    return progress


def _run_options(p: argparse.ArgumentParser, model_help: str = "registered name, model directory or hub id") -> None:
    p.add_argument("--model", default=None, help=model_help)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    p.add_argument("-q", "--quiet", action="store_true")


def _text_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-column", default=None)
    p.add_argument("--id-column", default=None)
    p.add_argument("--one-per-line", action="store_true", help="a .txt holds one document per line")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="biofm", description="Run, explain and fine-tune biomedical models locally.")
    sub = p.add_subparsers(dest="command", required=True)

    app = sub.add_parser("app", help="start the web app on localhost")
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(func=cmd_app)

    models = sub.add_parser("models", help="list or show registered models")
    msub = models.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="every registered model with task and source (CSV)").set_defaults(
        func=cmd_models_list)
    show = msub.add_parser("show", help="print a model's card")
    show.add_argument("name")
    show.set_defaults(func=cmd_models_show)

    predict = sub.add_parser("predict", help="run a model over a file")
    psub = predict.add_subparsers(dest="task", required=True)
    tc = psub.add_parser("text-classify", help="disease category of clinical documents")
    tc.add_argument("input", help=".txt, .csv, .jsonl or .zip of .txt")
    tc.add_argument("-o", "--output", required=True, help="OUT.csv or OUT.jsonl")
    _text_options(tc)
    _run_options(tc)
    tc.set_defaults(func=cmd_predict_text)

    ner = psub.add_parser("ner", help="Chemical and Disease mentions (JSONL), or tags for a CoNLL file")
    ner.add_argument("input", help=".txt, .csv, .jsonl, .zip, or a CoNLL file (.conll/.tsv: token per line)")
    ner.add_argument("-o", "--output", required=True, help="OUT.jsonl (or OUT.conll for CoNLL input)")
    _text_options(ner)
    _run_options(ner)
    ner.set_defaults(func=cmd_predict_ner)

    rp = psub.add_parser("reports", help="14 CheXpert observations of chest imaging reports")
    rp.add_argument("input", help=".csv with a report column, .txt (blank-line-separated reports), .zip of .txt")
    rp.add_argument("-o", "--output", required=True, help="OUT.csv (CheXpert convention) or OUT.jsonl (with evidence)")
    rp.add_argument("--report-column", default=None)
    rp.add_argument("--id-column", default=None)
    _run_options(rp)
    rp.set_defaults(func=cmd_predict_reports)

    mo = psub.add_parser("molecules", help="properties of SMILES lists (solubility, BBB penetration, Tox21)")
    mo.add_argument("input", help=".smi/.txt (SMILES [name]), .csv with a SMILES column, or .sdf")
    mo.add_argument("-o", "--output", required=True, help="OUT.csv or OUT.jsonl")
    mo.add_argument("--smiles-column", default=None)
    mo.add_argument("--id-column", default=None)
    mo.add_argument("--strip-salts", action="store_true", help="keep the largest fragment")
    mo.add_argument("--mc-passes", type=int, default=20, help="Monte-Carlo dropout passes for the uncertainty")
    _run_options(mo, model_help="esol, bbbp, tox21, or a model directory")
    mo.set_defaults(func=cmd_predict_molecules)

    pt = sub.add_parser("pretrain-smiles", help="masked-language-model pre-training of the SMILES encoder")
    pt.add_argument("corpus", nargs="+", help="CSV files with a smiles column")
    pt.add_argument("--out", required=True)
    pt.add_argument("--epochs", type=int, default=3)
    pt.add_argument("--batch-size", type=int, default=128)
    pt.add_argument("--lr", type=float, default=5e-4)
    pt.add_argument("--seed", type=int, default=13)
    pt.add_argument("-q", "--quiet", action="store_true")
    pt.add_argument("--progress-file", default=None, help=argparse.SUPPRESS)
    pt.set_defaults(func=cmd_pretrain_smiles)

    ex = sub.add_parser("explain", help="word attributions (Integrated Gradients, Gradient x Input, Occlusion)")
    ex.add_argument("task", choices=["text-classify", "ner"])
    ex.add_argument("--text", default=None, help="one document given inline")
    ex.add_argument("--input", default=None, help="or a file of documents (.txt, .csv, .jsonl, .zip)")
    ex.add_argument("-o", "--output", required=True, help="OUT.json: a list of {id, units, scores, target, method, delta, ...}")
    ex.add_argument("--html", default=None, help="also write a self-contained HTML view")
    ex.add_argument("--method", choices=["ig", "gxi", "occlusion"], default="ig")
    ex.add_argument("--target", default=None, help="class label (text-classify); entity type or text (ner)")
    ex.add_argument("--entity", default=None, help="ner: the entity's character span START-END")
    ex.add_argument("--steps", type=int, default=50, help="Integrated Gradients steps")
    _text_options(ex)
    _run_options(ex)
    ex.set_defaults(func=cmd_explain)

    em = sub.add_parser("embed", help="2-D map of a batch's embeddings (HTML scatter or CSV of coordinates)")
    em.add_argument("input")
    em.add_argument("--task", choices=["text-classify", "ner", "reports"], required=True)
    em.add_argument("-o", "--output", required=True, help="OUT.html or OUT.csv")
    em.add_argument("--method", choices=["tsne", "pca", "umap"], default="tsne")
    em.add_argument("--perplexity", type=float, default=30.0)
    em.add_argument("--seed", type=int, default=0)
    em.add_argument("--max-points", type=int, default=50_000)
    em.add_argument("--colour", default=None, help="column to colour the HTML by (default: the first)")
    em.add_argument("--label-column", default=None)
    _text_options(em)
    _run_options(em)
    em.set_defaults(func=cmd_embed)

    train = sub.add_parser("train", help="fine-tune a model on a labelled file")
    tsub = train.add_subparsers(dest="task", required=True)
    tt = tsub.add_parser("text-classify", help="document classifier")
    tt.add_argument("--train", required=True)
    tt.add_argument("--dev", default=None, help="dev file; without it a stratified split of --train")
    tt.add_argument("--dev-fraction", type=float, default=0.15)
    tt.add_argument("--out", required=True)
    tt.add_argument("--name", default=None)
    tt.add_argument("--base", default="embedded:all-MiniLM-L6-v2")
    tt.add_argument("--method", choices=["lora", "full"], default="lora")
    tt.add_argument("--epochs", type=int, default=8)
    tt.add_argument("--lr", type=float, default=None)
    tt.add_argument("--batch-size", type=int, default=16)
    tt.add_argument("--max-length", type=int, default=256)
    tt.add_argument("--seed", type=int, default=13)
    tt.add_argument("--text-column", default=None)
    tt.add_argument("--label-column", default="label")
    tt.add_argument("--label-map", default=None, help="CSV mapping label values (1st column) to names (2nd)")
    tt.add_argument("--class-weights", action="store_true")
    tt.add_argument("--description", default=None)
    tt.add_argument("--licence", default=None)
    tt.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    tt.add_argument("-q", "--quiet", action="store_true")
    tt.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    tt.add_argument("--progress-file", default=None, help=argparse.SUPPRESS)
    tt.add_argument("--cancel-file", default=None, help=argparse.SUPPRESS)
    tt.set_defaults(func=cmd_train_text)

    tn = tsub.add_parser("ner", help="token classifier from CoNLL files (token<TAB>BIO tag)")
    tn.add_argument("--train", required=True)
    tn.add_argument("--dev", default=None, help="dev CoNLL file; without it a seeded 15%% of --train")
    tn.add_argument("--out", required=True)
    tn.add_argument("--name", default=None)
    tn.add_argument("--base", default="embedded:all-MiniLM-L6-v2")
    tn.add_argument("--method", choices=["lora", "full"], default="full")
    tn.add_argument("--epochs", type=int, default=6)
    tn.add_argument("--lr", type=float, default=None)
    tn.add_argument("--batch-size", type=int, default=32)
    tn.add_argument("--max-length", type=int, default=128)
    tn.add_argument("--seed", type=int, default=13)
    tn.add_argument("--patience", type=int, default=2)
    tn.add_argument("--description", default=None)
    tn.add_argument("--licence", default=None)
    tn.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    tn.add_argument("-q", "--quiet", action="store_true")
    tn.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    tn.add_argument("--progress-file", default=None, help=argparse.SUPPRESS)
    tn.add_argument("--cancel-file", default=None, help=argparse.SUPPRESS)
    tn.set_defaults(func=cmd_train_ner)

    tm = tsub.add_parser("molecules", help="property model on the pre-trained SMILES encoder")
    tm.add_argument("--train", required=True, help="CSV with a SMILES column, or SDF with properties")
    tm.add_argument("--test", default=None, help="separate test file; without it an 80/10/10 split")
    tm.add_argument("--targets", required=True, help="comma-separated target columns")
    tm.add_argument("--target-names", default=None, help="comma-separated names to show (default: the columns)")
    tm.add_argument("--kind", choices=["regression", "binary", "multilabel"], required=True)
    tm.add_argument("--encoder", default=str(PROJECT_ROOT / "assets" / "models" / "smiles-encoder"))
    tm.add_argument("--split", choices=["scaffold", "random"], default="scaffold")
    tm.add_argument("--also-random", action="store_true", help="also report a random-split run on the card")
    tm.add_argument("--skip-invalid", action="store_true", help="skip SMILES that do not parse (else stop)")
    tm.add_argument("--smiles-column", default=None)
    tm.add_argument("--out", required=True)
    tm.add_argument("--name", default=None)
    tm.add_argument("--epochs", type=int, default=30)
    tm.add_argument("--lr", type=float, default=3e-4)
    tm.add_argument("--batch-size", type=int, default=32)
    tm.add_argument("--seed", type=int, default=13)
    tm.add_argument("--description", default=None)
    tm.add_argument("--licence", default=None)
    tm.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    tm.add_argument("-q", "--quiet", action="store_true")
    tm.add_argument("--progress-file", default=None, help=argparse.SUPPRESS)
    tm.add_argument("--cancel-file", default=None, help=argparse.SUPPRESS)
    tm.set_defaults(func=cmd_train_molecules)

    tr = tsub.add_parser("reports", help="report labeler on the synthetic report corpus")
    tr.add_argument("--out", required=True)
    tr.add_argument("--name", default=None)
    tr.add_argument("--train", default=None, help="CSV in the CheXpert convention; default: the generated corpus")
    tr.add_argument("--dev", default=None)
    tr.add_argument("--n-train", type=int, default=4000)
    tr.add_argument("--n-dev", type=int, default=400)
    tr.add_argument("--n-test", type=int, default=600)
    tr.add_argument("--base", default="embedded:all-MiniLM-L6-v2")
    tr.add_argument("--method", choices=["lora", "full"], default="lora")
    tr.add_argument("--epochs", type=int, default=4)
    tr.add_argument("--lr", type=float, default=None)
    tr.add_argument("--batch-size", type=int, default=32)
    tr.add_argument("--max-length", type=int, default=256)
    tr.add_argument("--seed", type=int, default=13)
    tr.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None)
    tr.add_argument("-q", "--quiet", action="store_true")
    tr.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    tr.add_argument("--progress-file", default=None, help=argparse.SUPPRESS)
    tr.add_argument("--cancel-file", default=None, help=argparse.SUPPRESS)
    tr.set_defaults(func=cmd_train_reports)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from biofm.io import InputError
    from biofm.models.loading import ModelNotAvailableError
    from biofm.models.registry import UnknownModelError

    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except (InputError, UnknownModelError, ModelNotAvailableError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

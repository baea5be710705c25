"""Training files for document classifiers: checked before a job starts, read, split and trained on."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from biofm.train.common import TrainConfig, TrainingDataError, check_labels, file_sha256


def read_label_map(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    from biofm.io.decoding import read_csv_file

    delimiter, text, _ = read_csv_file(path)  # an Excel "sep=;" first line is dropped
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return {r[0].strip(): r[1].strip() for r in rows[1:] if len(r) >= 2}


NO_LABEL = "no label (empty, null or NaN): row skipped"


def read_labelled(path, config: dict, errors_to: Path | None = None):
    """Labelled records of a CSV/JSONL file, label values mapped through ``label_map``; row errors refuse it."""
    from biofm.io import read_text_file

    res = read_text_file(path, text_column=config.get("text_column"), label_column=config.get("label_column"),
                         max_rows=None)
    from biofm.records import RowError

    column = config.get("label_column") or "label"
    missing = [r for r in res.records if r.label is None]
    if missing:  # an empty or NaN label is no class: the row is skipped and says why
        res.errors = sorted(res.errors + [RowError(r.meta.get("row", 0), column, NO_LABEL, r.meta.get("source", ""))
                                          for r in missing], key=lambda e: e.row)
        res.records = [r for r in res.records if r.label is not None]
    if res.errors and errors_to is not None:
        from biofm.io.writers import write_row_errors

        write_row_errors(res.errors, errors_to)
    label_map = read_label_map(config.get("label_map"))
    for rec in res.records:
        if label_map and rec.label is not None:
            if rec.label not in label_map:
                raise TrainingDataError(f"{path}: label {rec.label!r} (row {rec.meta.get('row')}) is not in "
                                        f"{config['label_map']}")
            rec.label = label_map[rec.label]
    return res


def check_text_file(path, config: dict) -> str:
    """A one-line summary of a usable training file; raises TrainingDataError (or InputError) otherwise."""
    res = read_labelled(path, {"label_column": "label", **config})
    unreadable = [e for e in res.errors if e.message != NO_LABEL]
    if unreadable:
        first = unreadable[0]
        raise TrainingDataError(f"{len(unreadable)} unreadable row(s); first: row {first.row} ({first.field}): "
                                f"{first.message}")
    labels = check_labels([r.label for r in res.records], rows=[r.meta.get("row") for r in res.records])
    counts = Counter(r.label for r in res.records)
    single = [lab for lab, n in counts.items() if n < 2]
    if single:
        raise TrainingDataError(f"label(s) with a single example cannot be split into train and dev: {single}")
    skipped = len(res.errors) - len(unreadable)
    return (f"{len(res.records)} documents, {len(labels)} labels: " + ", ".join(f"{k} {v}" for k, v in
                                                                              counts.most_common())
            + (f" ({skipped} row(s) without a label skipped)" if skipped else ""))


def train_text_task(kind, config: dict, progress=None, should_stop=None) -> str:
    """Read, split, train and write the card of a document classifier; a one-line summary."""
    from biofm.train.cards import text_classifier_card, write_card
    from biofm.tasks.text_classify.train import train_text_classifier

    out = Path(config["out"])
    train = read_labelled(config["train"], config, out / "train.errors.csv").records
    dev = read_labelled(config["dev"], config, out / "dev.errors.csv").records if config.get("dev") else None
    name = config.get("name") or out.name
    data_info = {"train_file": Path(config["train"]).name, "train_sha256": file_sha256(config["train"]),
                 "dev": Path(config["dev"]).name if config.get("dev") else
                 f"stratified {config['dev_fraction']:.0%} of the train file (at least 3 rows a label where it has 12)"}
    result = train_text_classifier(kind, train, out, name=name, dev_records=dev, cfg=TrainConfig.from_options(config),
                                   dev_fraction=config["dev_fraction"], progress=progress, data_info=data_info,
                                   should_stop=should_stop)
    write_card(out, text_classifier_card(name, result, kind.command_line(config),
                                         description=config.get("description") or "",
                                         licence=config.get("licence") or ""))
    from biofm.train.common import comparison_lines

    dev_m, base_m = result["dev"], result["baseline_tfidf_logreg"]
    start = result.get("started_from")
    return "\n".join([f"saved {out}" + (f" (adapted from {start['model']})" if start else "")
                      + f": dev macro-F1 {dev_m['macro_f1']:.4f} (TF-IDF baseline {base_m['macro_f1']:.4f}), "
                      f"accuracy {dev_m['accuracy']:.4f} (baseline {base_m['accuracy']:.4f})",
                      *comparison_lines(result.get("comparison"))])

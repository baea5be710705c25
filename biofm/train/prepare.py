"""Check a labelled file before a training job starts, so bad data fails fast with a clear message."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from biofm.train.common import TrainingDataError, check_labels

TRAINABLE_TASKS = ("text-classify", "ner", "reports", "molecules")


def check_training_file(task: str, path: str | Path, text_column: str | None = None,
                        label_column: str = "label", targets: list[str] | None = None, kind: str = "regression") -> str:
    """A one-line summary of a usable training file; raises TrainingDataError (or InputError) otherwise."""
    path = Path(path)
    if task == "text-classify":
        from biofm.io import read_text_file

        res = read_text_file(path, text_column=text_column, label_column=label_column, max_rows=None)
        if res.errors:
            first = res.errors[0]
            raise TrainingDataError(f"{len(res.errors)} unreadable row(s); first: row {first.row} ({first.field}): "
                                    f"{first.message}")
        labels = check_labels([r.label for r in res.records])
        counts = Counter(r.label for r in res.records)
        single = [lab for lab, n in counts.items() if n < 2]
        if single:
            raise TrainingDataError(f"label(s) with a single example cannot be split into train and dev: {single}")
        return f"{len(res.records)} documents, {len(labels)} labels: " + ", ".join(f"{k} {v}" for k, v in
                                                                                 counts.most_common())
    if task == "ner":
        from biofm.io.conll import read_conll

        sents, errors = read_conll(path)
        if errors:
            raise TrainingDataError(f"{errors[0].source} line {errors[0].row}: {errors[0].message}")
        tagged = [s for s in sents if s.tags]
        if not tagged:
            raise TrainingDataError("no tagged sentences (token<TAB>tag)")
        kinds = Counter(t[2:] for s in tagged for t in s.tags if t.startswith("B-"))
        if not kinds:
            raise TrainingDataError("the file has no entities (only O tags)")
        return f"{len(tagged)} sentences; entities: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common())
    if task == "reports":
        from biofm.train.data import read_chexpert_pairs

        pairs = read_chexpert_pairs(str(path))
        return f"{len(pairs)} labelled reports"
    if task == "molecules":
        import numpy as np

        from biofm.train.data import molecule_table

        if not targets:
            raise TrainingDataError("name the target column(s)")
        smiles, y = molecule_table(str(path), None, targets, skip_invalid=False)
        if kind != "regression" and set(np.unique(y[~np.isnan(y)])) - {0.0, 1.0}:
            raise TrainingDataError(f"{kind} targets must be 0, 1 or empty")
        return f"{len(smiles)} molecules, targets {', '.join(targets)} ({kind})"
    raise TrainingDataError(f"training for {task!r} is not available here; choose one of {TRAINABLE_TASKS}")


def train_args(task: str, train: Path, out: Path, name: str, *, dev: Path | None = None, method: str = "lora",
               epochs: int = 3, lr: float | None = None, batch_size: int = 16, max_length: int = 256, seed: int = 13,
               text_column: str | None = None, label_column: str = "label", class_weights: bool = False,
               base: str | None = None, targets: list[str] | None = None, kind: str = "regression") -> list[str]:
    """The ``biofm train`` arguments for a job."""
    if task == "molecules":
        args = ["train", "molecules", "--train", str(train), "--out", str(out), "--name", name, "--targets",
                ",".join(targets or []), "--kind", kind, "--epochs", str(epochs), "--batch-size", str(batch_size),
                "--seed", str(seed)] + (["--lr", str(lr)] if lr is not None else [])
        return args + (["--test", str(dev)] if dev is not None else [])
    args = ["train", task, "--train", str(train), "--out", str(out), "--name", name, "--method", method,
            "--epochs", str(epochs), "--batch-size", str(batch_size), "--max-length", str(max_length),
            "--seed", str(seed)]
    if dev is not None:
        args += ["--dev", str(dev)]
    if lr is not None:
        args += ["--lr", str(lr)]
    if base is not None:
        args += ["--base", base]
    if task == "text-classify":
        args += ["--label-column", label_column] + (["--text-column", text_column] if text_column else [])
        if class_weights:
            args.append("--class-weights")
    return args

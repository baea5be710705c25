"""``biofm pretrain-smiles``: masked-language-model pre-training of the SMILES encoder."""

from __future__ import annotations

import argparse
import csv
import io
import shlex
import sys
from pathlib import Path

from biofm.cli.argtypes import new_model_dir, positive_float, positive_int
from biofm.cli.common import train_progress


def add_parser(sub) -> None:
    pt = sub.add_parser("pretrain-smiles", help="masked-language-model pre-training of the SMILES encoder")
    pt.add_argument("corpus", nargs="+", help="CSV files with a smiles column")
    pt.add_argument("--out", required=True, type=new_model_dir)
    pt.add_argument("--epochs", type=positive_int, default=3)
    pt.add_argument("--batch-size", type=positive_int, default=128)
    pt.add_argument("--lr", type=positive_float, default=5e-4)
    pt.add_argument("--seed", type=int, default=13)
    pt.add_argument("-q", "--quiet", action="store_true")
    pt.add_argument("--progress-file", default=None, help=argparse.SUPPRESS)
    pt.set_defaults(func=run)


def run(args) -> int:
    from biofm.chem.pretrain import pretrain_encoder
    from biofm.chem.smiles import parse_smiles
    from biofm.io.decoding import read_csv_file

    smiles = []
    for path in args.corpus:
        delimiter, text, _ = read_csv_file(path)  # an Excel "sep=;" first line is dropped
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        col = next((c for c in reader.fieldnames or [] if c.lower() in ("smiles", "canonical_smiles")), None)
        if col is None:
            print(f"error: {path} has no smiles column", file=sys.stderr)
            return 2
        smiles += [r[col] for r in reader]
    canonical = sorted({p.canonical for p in map(parse_smiles, smiles) if p.valid})
    print(f"{len(canonical)} unique valid SMILES from {len(smiles)} rows", file=sys.stderr)
    result = pretrain_encoder(canonical, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                              seed=args.seed, progress=train_progress(args.quiet, args.progress_file))
    from biofm.train.cards import encoder_card, write_card

    command = "biofm " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    write_card(args.out, encoder_card(result, [Path(p).name for p in args.corpus], command))
    print(f"saved {args.out}: MLM loss {result['first_mlm_loss']:.3f} -> {result['final_mlm_loss']:.3f}",
          file=sys.stderr)
    return 0

"""``biofm deid eval GOLD``: the PHI detector's token and entity recall and precision on the user's annotated notes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from biofm.cli.common import bar, run_options, settings


def add_parser(sub) -> None:
    p = sub.add_parser("deid-eval", help="score the PHI detector on your annotated notes (also: biofm deid eval)",
                       description="Score the PHI detector (with the site's allow/deny/roster lists) on annotated "
                                   "notes: a BRAT folder (.txt + .ann), JSONL with spans, or CoNLL (BIO tags).")
    p.add_argument("gold", help="BRAT folder, .jsonl or CoNLL file")
    p.add_argument("-o", "--output", default=None, help="also write the scores as JSON")
    p.add_argument("--min-recall", type=float, default=None,
                   help="exit 1 when the overall token recall is below this (0-1)")
    run_options(p, model_help="PHI model: registered name or directory (default phi-deid)")
    p.set_defaults(func=run)


def run(args) -> int:
    from biofm.phi.gate import find
    from biofm.phi.gold import read_gold, score, table
    from biofm.records import TextRecord

    if args.min_recall is not None and not 0 <= args.min_recall <= 1:
        raise ValueError("--min-recall must be between 0 and 1")
    s = settings(args)
    notes = read_gold(args.gold)
    records = [TextRecord(str(i + 1), n.text, meta={"row": i + 1, "source": "paste"}) for i, n in enumerate(notes)]
    findings, _, _ = find(records, model=args.model, settings=s,
                          progress=None if args.quiet else bar("scanning for PHI", "field"))
    detected = [[] for _ in notes]
    for f in findings:
        if f.field == "text":
            detected[f.index] = f.spans
    scores = score(notes, detected)
    print(table(scores))
    if args.output:
        Path(args.output).write_text(json.dumps(scores, indent=1), encoding="utf-8")
    if args.min_recall is not None and scores["token_recall"] < args.min_recall:
        print(f"error: token recall {scores['token_recall']:.4f} is below --min-recall {args.min_recall}",
              file=sys.stderr)
        return 1
    return 0

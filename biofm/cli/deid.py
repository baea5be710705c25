"""``biofm deid INPUT -o OUT``: find and replace protected health information (redact, mask or surrogate)."""

from __future__ import annotations

import sys
from pathlib import Path

from biofm.cli.common import add_options, read_input, run_options, settings, write_errors
from biofm.tasks import get_task


def add_parser(sub) -> None:
    p = sub.add_parser("deid", help="de-identify notes: find PHI and redact, mask or replace it")
    p.add_argument("input", help="notes (.txt, .csv, .jsonl, .parquet, .zip)")
    p.add_argument("-o", "--output", required=True,
                   help="OUT.jsonl (id, text, deidentified, spans) or OUT.csv (the input's columns, text replaced)")
    p.add_argument("--action", choices=["redact", "mask", "surrogate"], default="redact")
    p.add_argument("--seed", type=int, default=None, help="surrogates: fix the fakes and date shifts")
    add_options(p, get_task("phi").read_options)
    run_options(p, model_help="PHI model: registered name or directory (default phi-deid)")
    p.set_defaults(func=run)


def run(args) -> int:
    from biofm.io.writers import write_rows
    from biofm.phi.actions import Surrogates
    from biofm.phi.gate import counts, deidentify_records, scan

    from biofm.io.writers import check_output

    out = Path(args.output)
    check_output(out, {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv"}, inputs=[args.input])
    kind, s = get_task("phi"), settings(args)
    result = read_input(kind, args, s, out, report=False)
    write_errors(result.errors, out)
    if not result.records:
        print("error: no readable rows in the input", file=sys.stderr)
        return 2
    preds = scan(result.records, model=args.model, settings=s)
    clean = deidentify_records(result.records, preds, args.action,
                               Surrogates(args.seed) if args.action == "surrogate" else None)
    if out.suffix.lower() == ".csv":
        _write_csv(out, result, clean)
    else:
        write_rows([{"id": rec.id, "text": rec.text, "deidentified": new.text, "spans": [e.as_dict() for e in ents]}
                    for rec, new, ents in zip(result.records, clean, preds.entities)], out, fmt="jsonl")
    found = counts(preds)
    print(f"{sum(found.values())} identifier(s) in {len(clean)} document(s) "
          f"({', '.join(f'{k} {v}' for k, v in sorted(found.items())) or 'none'}); {args.action} written to {out}",
          file=sys.stderr)
    return 0


def _write_csv(out: Path, result, clean) -> None:
    """The input's columns in their order, the text column de-identified (a non-table input: id,text)."""
    import pandas as pd

    from biofm.io.writers import write_table

    text_col = result.text_column or "text"
    columns = result.columns if result.columns else ["id", text_col]
    rows = []
    for rec in clean:
        extra = rec.meta.get("columns", {})
        rows.append({c: rec.text if c == text_col else extra.get(c, rec.id) for c in columns})
    write_table(pd.DataFrame(rows, columns=columns), out)

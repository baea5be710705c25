"""``biofm deid INPUT -o OUT``: find and replace protected health information (redact, mask or surrogate)."""

from __future__ import annotations

import sys
from pathlib import Path

from biofm.cli.common import _comma_list, add_options, bar, read_input, run_options, settings, write_errors
from biofm.tasks import get_task


def add_parser(sub) -> None:
    p = sub.add_parser("deid", help="de-identify notes: find PHI and redact, mask or replace it")
    p.add_argument("input", help="notes (.txt, .csv, .jsonl, .parquet, .zip)")
    p.add_argument("-o", "--output", required=True,
                   help="OUT.jsonl (id, text, deidentified, spans) or OUT.csv (the input's columns, text replaced)")
    p.add_argument("--action", choices=["redact", "mask", "surrogate"], default="redact")
    p.add_argument("--seed", type=int, default=None, help="surrogates: fix the fakes and date shifts")
    p.add_argument("--columns", type=_comma_list, default=None,
                   help="extra columns to scan (default: every column; the text, id and file name always); "
                        "columns left unscanned are listed on stderr")
    p.add_argument("--label-column", default=None, help="a label column, kept as it is (not scanned)")
    add_options(p, get_task("phi").read_options)
    run_options(p, model_help="PHI model: registered name or directory (default phi-deid)")
    p.set_defaults(func=run)


def run(args) -> int:
    from biofm.io.writers import write_rows
    from biofm.phi.actions import Surrogates
    from biofm.phi.gate import check

    from biofm.io.writers import check_output

    out = Path(args.output)
    check_output(out, {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv"}, inputs=[args.input])
    kind, s = get_task("phi"), settings(args)
    result = read_input(kind, args, s, out, report=False)
    if args.label_column:
        for rec in result.records:
            cols = dict(rec.meta.get("columns", {}))
            rec.label = cols.pop(args.label_column, None) or None
            rec.meta["columns"] = cols
    if not result.records:
        write_errors(result.errors, out)
        print("error: no readable rows in the input", file=sys.stderr)
        return 2
    gated = check(result.records, "warn", action=args.action, columns=args.columns, model=args.model, settings=s,
                  surrogates=Surrogates(args.seed) if args.action == "surrogate" and args.seed is not None else None,
                  progress=None if args.quiet else bar("scanning for PHI", "field"), task="phi")
    write_errors(gated.clean_errors(result.errors), out)
    clean = gated.records
    if out.suffix.lower() == ".csv":
        _write_csv(out, result, clean, args)
    else:
        rows = []
        for i, (rec, new) in enumerate(zip(result.records, clean)):
            row = {"id": new.id, "text": rec.text, "deidentified": new.text,
                   "spans": [_span(e) for e in gated.entities(i)]}
            if new.meta.get("columns"):
                row["columns"] = new.meta["columns"]
            rows.append(row)
        write_rows(rows, out, fmt="jsonl")
    found = gated.counts()
    print(f"{sum(found.values())} identifier(s) in {len(gated.rows_with_phi())} of {len(clean)} document(s) "
          f"({', '.join(f'{k} {v}' for k, v in sorted(found.items())) or 'none'}); {args.action} written to {out}",
          file=sys.stderr)
    print(f"scanned: {', '.join(gated.scanned)}", file=sys.stderr)
    if gated.unscanned:
        print(f"warning: not scanned: {', '.join(gated.unscanned)}", file=sys.stderr)
    return 0


def _span(e) -> dict:
    d = e.as_dict()
    d.setdefault("reason", getattr(e, "reason", "") or "")
    return d


def _write_csv(out: Path, result, clean, args) -> None:
    """The input's columns in their order, every scanned one de-identified (a non-table input: id,text)."""
    import pandas as pd

    from biofm.io.writers import write_table

    text_col = result.text_column or "text"
    columns = result.columns if result.columns else ["id", text_col]
    label_col = getattr(args, "label_column", None)
    rows = []
    for rec in clean:
        extra = rec.meta.get("columns", {})
        rows.append({c: rec.text if c == text_col else extra[c] if c in extra else
                     (rec.label or "") if c == label_col else rec.id for c in columns})
    write_table(pd.DataFrame(rows, columns=columns), out)

"""``biofm embed INPUT --task TASK -o OUT.html|OUT.csv``: a 2-D map of a batch's embeddings."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from biofm import api
from biofm.cli.argtypes import positive_float, positive_int
from biofm.cli.common import add_options, bar, gate, gate_options, read_input, run_options, settings, union_options
from biofm.tasks import get_task, task_names


def add_parser(sub) -> None:
    p = sub.add_parser("embed", help="2-D map of a batch's embeddings (HTML scatter or CSV of coordinates)")
    p.add_argument("input")
    p.add_argument("--task", choices=task_names("embed"), required=True)
    p.add_argument("-o", "--output", required=True, help="OUT.html or OUT.csv")
    p.add_argument("--method", choices=["tsne", "pca", "umap"], default="tsne")
    p.add_argument("--perplexity", type=positive_float, default=30.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-points", type=positive_int, default=50_000)
    p.add_argument("--colour", default=None, help="column to colour the HTML by (default: the first)")
    add_options(p, union_options("embed"))
    run_options(p)
    gate_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from biofm.embed import scatter_figure

    from biofm.io.writers import check_output, write_bytes, write_text

    out = Path(args.output)
    check_output(out, {".html": "html", ".csv": "csv"}, inputs=[args.input])
    kind, s = get_task(args.task), settings(args)
    result = gate(args.task, args, s, read_input(kind, args, s, out), args.quiet)
    if len(result.records) < 3:
        print("error: a map needs at least 3 readable rows", file=sys.stderr)
        return 2
    preds = api.predict(args.task, result.records, model=args.model, settings=s,
                        progress=None if args.quiet else bar("embedding", "record"))
    cols = api.colour_columns(args.task, preds, result.records)
    colour = args.colour or next(iter(cols))
    if colour not in cols:
        raise ValueError(f"--colour {colour!r} is not one of {', '.join(cols)}")
    proj = api.project(preds.embeddings, args.method, perplexity=args.perplexity, seed=args.seed,
                       max_points=args.max_points,
                       progress=None if args.quiet or args.method != "tsne" else bar("t-SNE map", "iteration"))
    if proj.note:
        print(f"note: {proj.note}", file=sys.stderr)
    idx = proj.indices
    frame = pd.DataFrame({"id": [preds.ids[i] for i in idx], "x": proj.coords[:, 0], "y": proj.coords[:, 1],
                          **{name: [vals[i] for i in idx] for name, vals in cols.items()}})
    if out.suffix.lower() == ".csv":
        write_bytes(out, frame.to_csv(index=False).encode("utf-8", errors="backslashreplace"))
    else:
        fig = scatter_figure(proj.coords, [cols[colour][i] for i in idx], [preds.texts[i] for i in idx],
                             ids=[preds.ids[i] for i in idx], title=f"{args.task} · {args.method}", color_name=colour)
        write_text(out, fig.to_html(include_plotlyjs=True, full_html=True))
    print(f"{len(frame)} points written to {out} (colour columns: {', '.join(cols)})", file=sys.stderr)
    return 0

"""``biofm explain TASK``: attributions for the predicted (or a named) target of each input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from biofm import api
from biofm.cli.argtypes import positive_int
from biofm.cli.common import add_options, gate, gate_options, read_input, run_options, settings, union_options
from biofm.tasks import get_task, task_names


def add_parser(sub) -> None:
    p = sub.add_parser("explain", help="attributions (Integrated Gradients, Gradient x Input, Occlusion)")
    p.add_argument("task", choices=task_names("explain"))
    p.add_argument("--text", default=None, help="one input given inline")
    p.add_argument("--input", default=None, help="or a file of inputs")
    p.add_argument("-o", "--output", required=True, help="OUT.json: a list of {id, ..., scores, target, method, delta}")
    p.add_argument("--html", default=None, help="also write a self-contained HTML view (text tasks)")
    p.add_argument("--method", choices=["ig", "gxi", "occlusion"], default="ig")
    p.add_argument("--target", default=None, help="target label, observation or entity type/text (default: predicted)")
    p.add_argument("--entity", default=None, help="an entity's character span START-END (entity tasks)")
    p.add_argument("--steps", type=positive_int, default=50, help="Integrated Gradients steps")
    add_options(p, union_options("explain"))
    run_options(p)
    gate_options(p)
    p.set_defaults(func=run)


def _records(kind, args, s, out: Path):
    if (args.text is None) == (args.input is None):
        raise ValueError("give exactly one of --text or --input")
    if args.text is not None:
        result = kind.read_paste(args.text)  # an empty text: InputError "the text is empty"
        if not result.records and result.errors:  # say why (RDKit's reason for a SMILES), not just "no rows"
            from biofm.io import InputError

            raise InputError(f"--text: {result.errors[0].message}")
    else:
        result = read_input(kind, args, s, out)
    return gate(args.task, args, s, result, args.quiet).records


def run(args) -> int:
    from biofm.explain import standalone_html
    from biofm.explain.render import explanation_record

    kind = get_task(args.task)
    if args.method not in kind.explain_methods:
        raise ValueError(f"{args.task} explanations use {', '.join(kind.explain_methods)}")
    from biofm.io.writers import check_output, write_text

    out = Path(args.output)
    check_output(out, {".json": "json"}, inputs=[args.input] if args.input else [])
    if args.html:
        check_output(args.html, {".html": "html", ".htm": "html"}, inputs=[args.input] if args.input else [])
    s = settings(args)
    records = _records(kind, args, s, out)
    if not records:
        print("error: no readable rows in the input", file=sys.stderr)
        return 2
    loaded = api.load(args.model, args.task, s)
    preds = api.predict(args.task, records, model=loaded, settings=s, **kind.explain_predict_options)
    explainer = api.explainer(loaded)
    opts = {"n_steps": args.steps} if args.method == "ig" else {}
    items, pages = [], []
    for i, rid in enumerate(preds.ids):
        for target in kind.cli_targets(preds, i, args.target, args.entity):
            attr = api.explain(args.task, explainer, preds.texts[i], target, args.method, **opts)
            items.append(explanation_record(attr, rid, loaded.spec.name))
            pages.append(standalone_html(attr, rid, loaded.spec.name) if hasattr(attr, "units") else "")
            for w in attr.warnings:
                print(f"warning: {rid}: {w}", file=sys.stderr)
    write_text(out, json.dumps(items, ensure_ascii=False, indent=1))
    if args.html:
        write_text(args.html, "\n<hr>\n".join(p for p in pages if p) or "<p>nothing explained</p>")
    print(f"{len(items)} explanation(s) written to {out}", file=sys.stderr)
    return 0




"""``biofm models list|show``: every registered model (CSV) and its card."""

from __future__ import annotations

import csv
import sys

from biofm import api
from biofm.config import load_settings


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list or show registered models")
    msub = p.add_subparsers(dest="models_command", required=True)
    msub.add_parser("list", help="every registered model with task and source (CSV)").set_defaults(func=run_list)
    show = msub.add_parser("show", help="print a model's card")
    show.add_argument("name")
    show.set_defaults(func=run_show)


def run_list(args) -> int:
    writer = csv.writer(sys.stdout)
    writer.writerow(["name", "task", "source", "labels", "location"])
    for spec in api.registry(load_settings()).specs():
        writer.writerow([spec.name, spec.task, spec.source, "|".join(spec.labels), spec.location])
    return 0


def run_show(args) -> int:
    print(api.registry(load_settings()).get(args.name).card_text())
    return 0

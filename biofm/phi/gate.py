"""The PHI gate every page and command goes through: scan records, count identifiers, de-identify, audit.

``scan`` runs the ``phi`` task; ``deidentify_records`` returns new records whose text has every detected identifier
replaced (one :class:`Surrogates` for the batch, so fakes are consistent); ``audit`` appends who ran what as-is.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from biofm.phi.actions import Surrogates, deidentify


def scan(records, model=None, settings=None):
    """PHI predictions (entities with label, score and source) for text records."""
    from biofm import api

    return api.predict("phi", records, model=model, settings=settings)


def counts(preds) -> dict[str, int]:
    return dict(Counter(e.label for ents in preds.entities for e in ents))


def deidentify_records(records, preds, action: str = "redact", surrogates: Surrogates | None = None) -> list:
    """Copies of ``records`` with identifiers replaced; ``meta["phi"]`` keeps the count per type (not the values)."""
    if action == "surrogate" and surrogates is None:
        surrogates = Surrogates()
    out = []
    for rec, ents in zip(records, preds.entities):
        text = deidentify(rec.text, ents, action, surrogates, doc_id=rec.id)
        out.append(replace(rec, text=text, meta={**rec.meta, "phi": dict(Counter(e.label for e in ents)),
                                                 "deidentified": action}))
    return out


def audit(data_dir: str | Path, event: dict) -> Path:
    """Append an event (e.g. a user running identified text as-is) to ``<data dir>/audit.log`` (JSON lines)."""
    path = Path(data_dir) / "audit.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **event}) + "\n")
    return path

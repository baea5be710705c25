"""The review codec of span outputs (entities, PHI): editing spans by their words, strict span scores, CoNLL
export."""

from __future__ import annotations

import json

from biofm.entities import Entity, entity_types
from biofm.review.codec import Editor, ReviewCodec


def _spans(value: dict, name: str) -> set:
    return {(e["start"], e["end"]) for e in value["entities"] if e["label"] == name}


class SpanCodec(ReviewCodec):
    """Review of a :class:`~biofm.tasks.fields.Spans` field: add, delete, retype or move entity spans; scored by
    strict span P/R/F1; CoNLL export to train on. Items come from the field (:meth:`ReviewCodec.items`)."""

    export_formats = ("csv", "jsonl", "conll")

    def value(self, prediction: dict) -> dict:
        return {"entities": [{k: e[k] for k in ("start", "end", "label", "text")} for e in prediction["entities"]]}

    def label_names(self, values, labels) -> list[str]:
        return sorted({e["label"] for v in values for e in v["entities"]})

    def label_value(self, value: dict, name: str):
        return tuple(sorted(_spans(value, name)))

    def metrics(self, rows, labels) -> dict[str, dict]:
        from biofm.train.metrics import span_prf

        scores = span_prf(({(e["label"], e["start"], e["end"]) for e in val["entities"]},
                           {(e["label"], e["start"], e["end"]) for e in view.prediction["entities"]})
                          for view, val in rows)
        scores.pop("overall")
        return {k: {"precision": v["precision"], "recall": v["recall"], "f1": v["f1"], "n": v["support"]}
                for k, v in scores.items()}

    def csv_rows(self, rows, labels):
        return ["id", "text", "entities"], [[v.external_id, v.text, json.dumps(val["entities"], ensure_ascii=False)]
                                            for v, val in rows]

    def export(self, rows, fmt: str, labels) -> bytes:
        if fmt != "conll":
            return super().export(rows, fmt, labels)
        from biofm.io.conll import documents_to_conll

        return documents_to_conll((view.text, [Entity(e["start"], e["end"], e["label"], e["text"], 1.0)
                                               for e in val["entities"]]) for view, val in rows).encode("utf-8")

    def train_export_format(self) -> str:
        return "conll"

    def editor(self, text: str, prediction: dict, labels) -> Editor:
        kinds = entity_types(labels) or sorted(
            {e["label"] for e in prediction["entities"]})
        rows = [{k: e[k] for k in ("start", "end", "label", "text")} for e in prediction["entities"]]
        return Editor(rows, ["text", "label"], {"label": kinds}, dynamic=True,
                      help="Add an entity by typing its words (as they appear in the text) and a label: its position "
                           "is found for you, a repeated phrase taking its next free occurrence. Delete a row to "
                           "remove one, change its words to move or resize it.")

    def from_editor(self, rows: list[dict], text: str):
        rows = _place_typed_spans(rows, text)
        missing = [r["text"] for r in rows if r.get("text") and r.get("start") is None]
        if missing:
            return None, "Not found in the text: " + ", ".join(repr(m) for m in missing[:5]) + "."
        good = [r for r in rows if r.get("label") and r.get("start") is not None and r.get("end") is not None]
        bad = [r for r in good if not (0 <= int(r["start"]) < int(r["end"]) <= len(text))]
        if bad:
            return None, f"{len(bad)} entity span(s) fall outside the text (0-{len(text)})."
        return {"entities": [{"start": int(r["start"]), "end": int(r["end"]), "label": r["label"],
                              "text": text[int(r["start"]):int(r["end"])]} for r in good]}, None

    def preview(self, text: str, prediction: dict, labels):
        from biofm.explain import entities_html

        kinds = entity_types(labels)
        ents = [Entity(e["start"], e["end"], e["label"], e["text"], e.get("score", 1.0)) for e in prediction["entities"]]
        return "html", entities_html(text, ents, kinds)


def _place_typed_spans(rows: list[dict], text: str) -> list[dict]:
    """Entities are edited by their words: a row whose words still match its offsets keeps them; a new or retyped
    row gets the offsets of the words' first occurrence in the text not taken by another row (none if absent)."""
    def matches(r) -> bool:
        return r.get("start") is not None and r.get("end") is not None and bool(r.get("text")) and \
            text[int(r["start"]):int(r["end"])] == r["text"]

    taken = {(int(r["start"]), int(r["end"])) for r in rows if matches(r)}
    out = []
    for r in rows:
        r = dict(r)
        words = (r.get("text") or "").strip()
        if words and not matches({**r, "text": words}):
            r["start"] = r["end"] = None
            pos = text.find(words)
            while pos >= 0 and (pos, pos + len(words)) in taken:
                pos = text.find(words, pos + 1)
            if pos >= 0:
                r["start"], r["end"] = pos, pos + len(words)
                taken.add((pos, pos + len(words)))
        out.append(r)
    return out

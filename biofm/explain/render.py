"""HTML for highlighted text. Every piece of user text goes through ``html.escape``; nothing else is trusted."""

from __future__ import annotations

import html
from collections.abc import Sequence

from biofm.explain.attribution import METHOD_NAMES, Attribution

ENTITY_COLOURS = {"Chemical": "#8fd3ff", "Disease": "#ffb3a7"}
FALLBACK_COLOURS = ["#c5e1a5", "#ffe082", "#d1c4e9", "#b2dfdb", "#f8bbd0"]
STYLE = (".biofm-text{white-space:pre-wrap;line-height:1.9;font-family:system-ui,sans-serif;font-size:15px}"
         ".biofm-text mark{padding:1px 2px;border-radius:3px;color:#111}"
         ".biofm-ent{padding:1px 3px;border-radius:4px}.biofm-ent sub{font-size:10px;color:#333;margin-left:2px}"
         ".biofm-legend span{display:inline-block;margin-right:10px;padding:1px 6px;border-radius:3px;"
         "font-family:system-ui,sans-serif;font-size:13px}")


def _rgba(score: float, scale: float) -> str:
    """Diverging scale: green supports the target, red opposes it; alpha by magnitude."""
    a = 0.0 if scale <= 0 else min(1.0, abs(score) / scale)
    rgb = "26,152,80" if score >= 0 else "215,48,39"
    return f"rgba({rgb},{0.08 + 0.72 * a:.3f})" if a > 0.02 else "transparent"


def _spans_html(text: str, spans: Sequence[tuple[int, int]], render_span) -> str:
    out, pos = [], 0
    for i, (s, e) in enumerate(spans):
        if s < pos:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(render_span(i, html.escape(text[s:e])))
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def attribution_html(attr: Attribution) -> str:
    """The text with each word shaded by its signed score; hover shows the score."""
    scale = max((abs(s) for s in attr.scores), default=0.0)

    def span(i: int, escaped: str) -> str:
        score = attr.scores[i]
        return f'<mark style="background:{_rgba(score, scale)}" title="{score:+.3g}">{escaped}</mark>'

    body = _spans_html(attr.text, attr.spans, span)
    legend = ('<div class="biofm-legend"><span style="background:rgba(26,152,80,.6)">supports '
              f'{html.escape(attr.target)}</span><span style="background:rgba(215,48,39,.6)">opposes</span></div>')
    return f'<style>{STYLE}</style>{legend}<div class="biofm-text">{body}</div>'


def entity_colour(label: str, labels: Sequence[str] = ()) -> str:
    if label in ENTITY_COLOURS:
        return ENTITY_COLOURS[label]
    idx = list(labels).index(label) if label in labels else abs(hash(label))
    return FALLBACK_COLOURS[idx % len(FALLBACK_COLOURS)]


def entities_html(text: str, entities: Sequence, labels: Sequence[str] = ()) -> str:
    """The text with entities highlighted by type, and a legend."""
    ents = sorted(entities, key=lambda e: (e.start, -e.end))
    kinds = sorted({e.label for e in ents} | set(labels))

    def span(i: int, escaped: str) -> str:
        e = ents[i]
        return (f'<mark class="biofm-ent" style="background:{entity_colour(e.label, kinds)}" '
                f'title="{html.escape(e.label)} {e.score:.2f}">{escaped}<sub>{html.escape(e.label)}</sub></mark>')

    legend = "".join(f'<span style="background:{entity_colour(k, kinds)}">{html.escape(k)}</span>' for k in kinds)
    body = _spans_html(text, [(e.start, e.end) for e in ents], span)
    return f'<style>{STYLE}</style><div class="biofm-legend">{legend}</div><div class="biofm-text">{body}</div>'


def explanation_record(attr, doc_id: str | None = None, model: str | None = None) -> dict:
    """An explanation as JSON data that says what it explains: ``{"id", "model", ...attr.to_json()}``."""
    return {"id": doc_id, "model": model, **attr.to_json()}


def explanation_filename(doc_id: str | None, model: str | None, suffix: str, stem: str = "explanation") -> str:
    """``explanation-<id>-<model>.<suffix>`` with characters a file name cannot safely hold replaced by ``_``."""
    import re

    parts = [stem] + [re.sub(r"[^A-Za-z0-9._-]+", "_", str(p)).strip("._")[:60] for p in (doc_id, model)
                      if p not in (None, "")]
    return "-".join(p for p in parts if p) + "." + suffix


def standalone_html(attr: Attribution, doc_id: str | None = None, model: str | None = None) -> str:
    """A self-contained HTML file for an explanation (download), naming the document and the model when given."""
    faith = attr.faithfulness
    named = ([f"document: {doc_id}"] if doc_id not in (None, "") else []) + ([f"model: {model}"] if model else [])
    facts = [*named, f"method: {METHOD_NAMES.get(attr.method, attr.method)}", f"target: {attr.target}",
             f"target score: {attr.output:.4f}"]
    if attr.delta is not None:
        facts.append(f"convergence delta: {attr.delta:.4f}")
    if faith:
        facts.append(f"comprehensiveness (top {faith['top_words']} words removed): {faith['comprehensiveness']:+.4f}")
        facts.append(f"sufficiency (only top {faith['top_words']} words kept): {faith['sufficiency']:+.4f}")
    items = "".join(f"<li>{html.escape(f)}</li>" for f in facts + attr.warnings)
    title = html.escape("biofm explanation" + (f": {doc_id}" if doc_id not in (None, "") else "")
                        + (f" ({model})" if model else ""))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<h2>{title}</h2><ul>{items}</ul>{attribution_html(attr)}</body></html>")


def evidence_html(text: str, evidence: Sequence[tuple[int, int, str, str]]) -> str:
    """The report with evidence sentences highlighted: (start, end, observation, label) per observation."""
    from biofm.viz import LABEL_COLOURS

    by_span: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for start, end, obs, label in evidence:
        if start >= 0:
            by_span.setdefault((start, end), []).append((obs, label))
    spans = sorted(by_span)

    def span(i: int, escaped: str) -> str:
        items = by_span[spans[i]]
        colour = LABEL_COLOURS[max(items, key=lambda x: ("negative", "uncertain", "positive").index(x[1])
                                   if x[1] in ("negative", "uncertain", "positive") else -1)[1]]
        tip = html.escape("; ".join(f"{o}: {lab}" for o, lab in items))
        tags = "<sub> " + html.escape(", ".join(o for o, _ in items)) + "</sub>"
        return f'<mark style="background:{colour}55" title="{tip}">{escaped}</mark>{tags}'

    return f'<style>{STYLE}</style><div class="biofm-text">{_spans_html(text, spans, span)}</div>'

"""The explanation panel: method and target pickers, then highlighted words or coloured atoms with downloads."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from biofm import api
from biofm.explain.attribution import METHOD_NAMES
from biofm.models import ModelSpec
from biofm.tasks import get_task
from webui.core import explainer_model
from webui.errors import guarded
from webui.text import md


def explanation_panel(spec: ModelSpec, text: str, targets: list, key: str, format_target=str,
                      doc_id: str | None = None) -> None:
    """Pick a method and target, press Explain, see the attributions (words or atoms, by what the task returns);
    the downloads name the document (``doc_id``) and the model in their content and file names."""
    kind = get_task(spec.task)
    c1, c2, c3 = st.columns([2, 3, 2])
    method = c1.selectbox("Method", list(kind.explain_methods), format_func=METHOD_NAMES.get, key=f"{key}-method")
    target = c2.selectbox("Target", targets, format_func=format_target, key=f"{key}-target")
    steps = c3.number_input("IG steps", 8, 300, 50, step=8, key=f"{key}-steps", disabled=method != "ig")
    run_key = f"{key}-result"
    if st.button("Explain", key=f"{key}-explain"):
        opts = {"n_steps": int(steps)} if method == "ig" else {}
        st.session_state.pop(run_key, None)
        with guarded("Explaining", "Try fewer IG steps or another method."), st.spinner("Computing attributions…"):
            try:
                st.session_state[run_key] = api.explain(spec.task, explainer_model(spec), text, target, method, **opts)
            except ValueError as exc:  # this input or target cannot be explained: say why
                st.error(f"Not explained: {md(exc)}")
    attr = st.session_state.get(run_key)
    if attr is None or getattr(attr, "text", getattr(attr, "smiles", None)) != text:
        return
    for w in attr.warnings:
        st.warning(w)
    (_words if hasattr(attr, "units") else _atoms)(attr, key, doc_id, spec.name)


def _words(attr, key: str, doc_id: str | None, model: str) -> None:
    from biofm.explain import attribution_html, standalone_html
    from biofm.explain.render import explanation_filename, explanation_record

    m = st.columns(4)
    m[0].metric("Target score", f"{attr.output:.3f}", help=f"probability of {attr.target}")
    if attr.delta is not None:
        m[1].metric("IG convergence delta", f"{attr.delta:.4f}")
    if attr.faithfulness:
        f = attr.faithfulness
        m[2].metric("Comprehensiveness", f"{f['comprehensiveness']:+.3f}",
                    help=f"fall in the target score when the top {f['top_words']} words are masked (higher = more faithful)")
        m[3].metric("Sufficiency", f"{f['sufficiency']:+.3f}",
                    help=f"fall when only the top {f['top_words']} words are kept (lower = more faithful)")
    st.html(attribution_html(attr))
    d1, d2 = st.columns(2)
    d1.download_button("Download explanation (HTML)", standalone_html(attr, doc_id, model),
                       explanation_filename(doc_id, model, "html"), "text/html", key=f"{key}-dl-html")
    d2.download_button("Download explanation (JSON)",
                       json.dumps(explanation_record(attr, doc_id, model), indent=1, ensure_ascii=False),
                       explanation_filename(doc_id, model, "json"), "application/json", key=f"{key}-dl-json")


def _atoms(attr, key: str, doc_id: str | None, model: str) -> None:
    from biofm.chem.explain import attribution_sdf, draw_attribution
    from biofm.explain.render import explanation_filename, explanation_record

    left, right = st.columns([3, 2])
    left.image(draw_attribution(attr), caption=f"{attr.target} ({attr.output:.3f}); green raises it, red lowers it")
    with right:
        if attr.delta is not None:
            st.metric("IG convergence delta", f"{attr.delta:.4f}")
        st.write("Bond, ring-closure and branch tokens (not drawn on atoms):")
        st.dataframe(pd.DataFrame(attr.other_tokens, columns=["token", "score"]), hide_index=True,
                     key=f"{key}-other-tokens")
        st.download_button("Attributions (JSON)",
                           json.dumps(explanation_record(attr, doc_id, model), indent=1, ensure_ascii=False),
                           explanation_filename(doc_id, model, "json", "atom_attributions"), "application/json",
                           key=f"{key}-attr-json")
        st.download_button("Attributions (SDF, atom property)", attribution_sdf(attr),
                           explanation_filename(doc_id, model, "sdf", "atom_attributions"), "chemical/x-mdl-sdfile",
                           key=f"{key}-attr-sdf")


def explain_one(task: str, preds, spec: ModelSpec, pick: int, key: str) -> None:
    """The explanation panel for document ``pick`` of a batch, targets from the task (predicted first)."""
    kind = get_task(task)
    targets = kind.targets(preds, pick)
    if not targets:
        st.write("Nothing to explain in this item.")
        return
    explanation_panel(spec, preds.texts[pick], targets, key=key,
                      format_target=lambda t: kind.target_label(preds, pick, t), doc_id=preds.ids[pick])

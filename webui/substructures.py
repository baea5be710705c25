"""The "Top substructures" panel: the scaffold, side chains and fingerprint environments that drive a prediction
for one molecule (drawn), and over the whole batch (a table), with the deletion faithfulness check."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from biofm.chem import substructures as sub
from biofm.io.writers import table_bytes
from biofm.models import ModelSpec
from biofm.tasks.molecules import model_predict_fn
from webui.core import explainer_model, loaded_model
from webui.errors import guarded
from webui.text import md

MAX_BATCH = 200  # molecules in one aggregate (about 30 model calls per molecule)


def _unit(kind: str) -> str:
    return "probability" if kind != "regression" else "target units"


def _label(s) -> str:
    return f"{s.kind}{'' if s.radius is None else f' (radius {s.radius})'}"


def _table(subs) -> pd.DataFrame:
    return pd.DataFrame([{"fragment": s.smiles, "kind": _label(s), "score": round(s.score, 4), "method": s.method,
                          "atoms": ", ".join(map(str, s.atoms)), "smarts": s.smarts, "without it": s.masked_smiles}
                         for s in subs])


def substructure_panel(spec: ModelSpec, preds, pick: int, key: str) -> None:
    """Top substructures of molecule ``pick`` for a chosen target (computed when picked: about 30 predictions), and
    on request the aggregate over every molecule of ``preds`` with the faithfulness check."""
    targets = list(preds.targets)
    c1, c2, c3 = st.columns([3, 2, 3])
    target = c1.selectbox("Target", range(len(targets)), format_func=lambda j: targets[j], key=f"{key}-target")
    top_k = c2.number_input("How many", 1, 12, 6, key=f"{key}-k")
    with_attr = c3.checkbox("Also sum Gradient × Input atom attributions", key=f"{key}-attr")
    smiles = preds.texts[pick]
    unit = _unit(preds.kind)
    st.caption(f"Each candidate (Murcko scaffold, side chains, Morgan-bit atom environments of radius 1 and 2, at most "
               f"{sub.MAX_CANDIDATES}) is deleted and the molecule predicted again; the score is the prediction "
               f"minus the prediction without it ({unit}): green pushes {md(targets[target])} up, red pushes it down.")
    kind = getattr(preds, "model_kind", None)  # explain the model kind that made these predictions
    sig = (spec.name, str(spec.location), kind, smiles, target, with_attr)
    one = st.session_state.get(f"{key}-one")
    if one is None or one[0] != sig:
        with guarded("Scoring substructures"), st.spinner("Deleting each substructure and predicting again…"):
            scores = None
            if with_attr:
                from biofm import api

                try:
                    attr = api.explain(spec.task, explainer_model(spec), smiles, targets[target], "gxi")
                    scores = attr.atom_scores
                except ValueError as exc:  # this molecule's atoms cannot be attributed: occlusion alone
                    st.warning(f"No atom attributions: {md(exc)}")
            fn = model_predict_fn(loaded_model(spec), model_kind=kind)
            try:
                result = sub.explain_substructures(smiles, fn, target, atom_scores=scores)
            except ValueError as exc:
                if scores is None:
                    raise
                st.warning(f"Atom attributions not used: {md(exc)}")
                result = sub.explain_substructures(smiles, fn, target)
            st.session_state[f"{key}-one"] = one = (sig, result)
    if one is None or one[0] != sig:
        return
    result = one[1]
    if not result.substructures:
        st.info("No substructure to delete: every candidate covers the whole molecule or could not be sanitised.")
    top = result.top(int(top_k), max_overlap=0.5)
    st.write(f"Prediction {result.prediction:.3f}; the {len(top)} substructure(s) whose deletion changes it most "
             "(each sharing at most half its atoms with one above it; the table holds them all):")
    grid = st.columns(3)
    for k, s in enumerate(top):
        with grid[k % 3]:
            st.image(sub.draw_substructure(result.smiles, s.atoms, s.score), width="stretch")
            st.caption(f"{k + 1} · {_label(s)} {md(s.smiles)}: {s.score:+.3f}")
    if result.skipped:
        st.caption(f"{len(result.skipped)} candidate(s) not scored: RDKit could not sanitise the molecule without "
                   "them.")
    st.dataframe(_table(result.substructures), hide_index=True, key=f"{key}-one-table")

    st.markdown("**Over the whole batch**")
    unique = list(dict.fromkeys(preds.texts))
    if len(unique) > MAX_BATCH:
        st.caption(f"The first {MAX_BATCH} of {len(unique)} distinct molecules are aggregated.")
        unique = unique[:MAX_BATCH]
    bsig = (spec.name, str(spec.location), kind, tuple(unique), target)
    if st.button(f"Aggregate over {len(unique)} molecule(s)", key=f"{key}-run-batch"):
        with guarded("Aggregating substructures"), st.spinner("Scoring every molecule's substructures…"):
            fn = model_predict_fn(loaded_model(spec), model_kind=kind)
            explanations = sub.explain_batch(unique, fn, target)
            check = sub.faithfulness(explanations, fn, n_random=5)
            st.session_state[f"{key}-batch"] = (bsig, explanations, check)
    batch = st.session_state.get(f"{key}-batch")
    if batch is None or batch[0] != bsig:
        return
    _, explanations, check = batch
    min_count = st.number_input("Only fragments found in at least this many molecules", 1, max(1, len(unique)),
                                2 if len(unique) >= 10 else 1, key=f"{key}-min")
    effects = [e for e in sub.aggregate(explanations) if e.molecules >= min_count]
    frame = pd.DataFrame([{"fragment": e.smiles, "kind": e.kind, "mean effect": round(e.mean_effect, 4),
                           "spread": round(e.std_effect, 4), "occurrences": e.count, "molecules": e.molecules}
                          for e in effects])
    st.caption(f"Fragments by their mean effect on {md(targets[target])} ({unit}): those that push it up most "
               "first, those that push it down at the bottom.")
    st.dataframe(frame, hide_index=True, key=f"{key}-batch-table")
    if len(frame):
        st.download_button("Download substructure table (CSV)", table_bytes(frame, "csv"), "substructures.csv",
                           "text/csv", key=f"{key}-batch-csv")
        ups = [e for e in effects if e.mean_effect > 0][:3]
        downs = [e for e in effects if e.mean_effect < 0][-3:][::-1]
        cols = st.columns(6)
        for c, e in zip(cols, ups + downs):
            c.image(sub.draw_substructure(e.example_smiles, e.example_atoms, e.mean_effect), width="stretch")
            c.caption(f"{md(e.smiles)}: {e.mean_effect:+.3f} over {e.count}")
    if not check.molecules:
        st.caption("No molecule large enough for the faithfulness check (a random substructure of the top one's size).")
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Top substructure deleted: mean change", f"{check.top_change:.3f}")
    m2.metric("Random substructure of the same size: mean change", f"{check.random_change:.3f}")
    m3.metric("Molecules where the top one moved it more", f"{check.wins:.0%}")
    st.caption(("Faithful: " if check.passed else "Not faithful here: ")
               + f"deleting the top substructure moved the prediction {'more' if check.passed else 'no more'} than "
               f"deleting a random connected one of the same size ({check.molecules} molecule(s), 5 random sets each).")

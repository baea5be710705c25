"""Molecules: validate SMILES, predict properties with uncertainty, and see which atoms drove a prediction."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

import webui
from biofm.chem.draw import structure_png
from biofm.chem.explain import AtomMappingError, attribute_atoms, attribution_sdf, draw_attribution
from biofm.chem.model import AD_THRESHOLD, MoleculePredictor
from biofm.io import InputError
from biofm.io.molecules import read_molecules
from biofm.io.text import peek_columns
from biofm.io.writers import table_bytes

st.set_page_config(page_title="Molecules · biofm", page_icon=":material/science:", layout="wide")
st.title("Molecules")
st.caption("Solubility, blood-brain-barrier penetration and Tox21 activity from SMILES, with Monte-Carlo-dropout "
           "uncertainty and the nearest training molecule. Research use only.")

settings = webui.settings()
spec = webui.model_picker("molecules", key="mol")
strip = st.checkbox("Strip salts and solvents (keep the largest fragment)", key="mol-strip")
source = st.radio("Input", ["Paste SMILES", "Upload a file"], horizontal=True, key="mol-source")
reader = None
if source == "Paste SMILES":
    with st.form("mol-paste"):
        text = st.text_area("SMILES, one per line (optionally followed by a name)", height=160, key="mol-text",
                            placeholder="CC(=O)Oc1ccccc1C(=O)O aspirin")
        if st.form_submit_button("Predict", type="primary"):
            reader = lambda: read_molecules(text.encode("utf-8"), "pasted.smi", strip_salts=strip,  # noqa: E731
                                            max_rows=settings.max_upload_rows)
else:
    up = st.file_uploader("File (.smi, .txt, .csv, .sdf)", type=["smi", "txt", "csv", "sdf"], key="mol-upload")
    if up is not None:
        data = up.getvalue()
        cols = peek_columns(data, up.name)
        col = None
        if cols:
            guess = next((c for c in cols if c.lower() in ("smiles", "canonical_smiles", "smi")), cols[0])
            col = st.selectbox("SMILES column", cols, index=cols.index(guess), key="mol-smiles-column")
        if st.button("Predict", type="primary", key="mol-run"):
            reader = lambda: read_molecules(data, up.name, smiles_column=col, strip_salts=strip,  # noqa: E731
                                            max_rows=settings.max_upload_rows,
                                            max_bytes=settings.max_upload_mb * 2**20)

if reader is not None and spec is not None:
    try:
        res = reader()
    except InputError as exc:
        st.error(str(exc))
        st.session_state.pop("mol-result", None)
    else:
        preds = None
        if res.records:
            preds = MoleculePredictor(webui.loaded_model(spec)).predict(
                res.records, batch_size=settings.batch_size, progress=webui.progress_callback("Predicting"))
        st.session_state["mol-result"] = {"res": res, "preds": preds, "spec": spec}

state = st.session_state.get("mol-result")
if state:
    res, preds, used = state["res"], state["preds"], state["spec"]
    report = pd.DataFrame(res.report())
    rejected = report[~report["valid"]] if len(report) else report
    dups = sum(1 for r in res.records if r.duplicate_of)
    st.success(f"{len(res.records)} molecule(s) kept, {len(rejected)} rejected, {dups} duplicate(s) flagged.")
    for e in res.errors:
        if e.row == 0:
            st.warning(e.message)
    with st.expander("Validation report", expanded=len(rejected) > 0):
        st.dataframe(report, hide_index=True, key="mol-report")
    if preds is None:
        st.stop()
    frame = preds.to_frame(inputs=[r.smiles for r in res.records])
    frame.insert(1, "name", [r.name for r in res.records])
    frame["in_domain"] = preds.in_domain
    targets = preds.targets
    st.subheader("Predictions")
    c1, c2, c3 = st.columns(3)
    sort_by = c1.selectbox("Sort by", targets + ["uncertainty", "nearest_train_similarity"], key="mol-sort")
    descending = c2.checkbox("Descending", value=True, key="mol-desc")
    only_ood = c3.checkbox(f"Only outside the applicability domain (similarity < {AD_THRESHOLD})", key="mol-ood")
    view = frame[~frame["in_domain"]] if only_ood else frame
    view = view.sort_values(sort_by, ascending=not descending)
    st.dataframe(view, hide_index=True, key="mol-table")
    st.download_button("Download CSV", table_bytes(frame, "csv"), "molecule_predictions.csv", "text/csv",
                       key="mol-csv")
    webui.send_to_review("molecules", preds, used, key="mol")
    unit = "probability" if preds.kind != "regression" else "value"
    show = view.head(24)
    grid = st.columns(4)
    for k, (_, row) in enumerate(show.iterrows()):
        with grid[k % 4]:
            png = structure_png(row["canonical_smiles"])
            if png:
                st.image(png, width="stretch")
            i = preds.ids.index(row["id"])
            st.caption(f"**{row['id']}** {row['name']}  \n" + "  \n".join(
                f"{t}: {preds.values[i, j]:.3f} ± {preds.std[i, j]:.3f}" for j, t in enumerate(targets[:3]))
                + ("" if preds.in_domain[i] else f"  \n:material/warning: far from training data ({preds.nearest_similarity[i]:.2f})"))
    if len(view) > 24:
        st.caption(f"Showing the first 24 of {len(view)} in the grid; the table holds them all.")

    st.subheader("Which atoms drove it?")
    a1, a2, a3 = st.columns(3)
    pick = a1.selectbox("Molecule", range(len(preds.ids)), key="mol-pick",
                        format_func=lambda i: f"{preds.ids[i]} {res.records[i].name}".strip())
    target = a2.selectbox("Target", targets, key="mol-target")
    method = a3.selectbox("Method", ["ig", "gxi"], key="mol-method",
                          format_func={"ig": "Integrated Gradients", "gxi": "Gradient × Input"}.get)
    if st.button("Explain", key="mol-explain"):
        try:
            explainer = webui.explainer_model(used)
            st.session_state["mol-attr"] = attribute_atoms(explainer, preds.smiles[pick], target, method)
        except AtomMappingError as exc:
            st.session_state.pop("mol-attr", None)
            st.error(f"Not drawn: {exc}")
    attr = st.session_state.get("mol-attr")
    if attr is not None and attr.smiles == preds.smiles[pick]:
        left, right = st.columns([3, 2])
        left.image(draw_attribution(attr), caption=f"{attr.target} ({unit} {attr.output:.3f}); green raises it, red "
                                                   "lowers it")
        with right:
            if attr.delta is not None:
                st.metric("IG convergence delta", f"{attr.delta:.4f}")
            st.write("Bond, ring-closure and branch tokens (not drawn on atoms):")
            st.dataframe(pd.DataFrame(attr.other_tokens, columns=["token", "score"]), hide_index=True,
                         key="mol-other-tokens")
            st.download_button("Attributions (JSON)", json.dumps(attr.to_json(), indent=1), "atom_attributions.json",
                               "application/json", key="mol-attr-json")
            st.download_button("Attributions (SDF, atom property)", attribution_sdf(attr), "atom_attributions.sdf",
                               "chemical/x-mdl-sdfile", key="mol-attr-sdf")

    st.subheader("Chemical space")
    cols = {f"{t}": [float(v) for v in preds.values[:, j]] for j, t in enumerate(targets)}
    cols["uncertainty"] = [float(v) for v in preds.std.mean(1)]
    cols["nearest training similarity"] = [float(v) for v in preds.nearest_similarity]
    overlay = st.checkbox("Overlay the training set", key="mol-overlay")
    emb, hover, ids = preds.embeddings, [f"{s} {n}" for s, n in zip(preds.smiles, preds.names)], list(preds.ids)
    if overlay:
        from biofm.io.molecules import MoleculeRecord

        train_smiles = json.loads((Path(used.location) / "train_smiles.json").read_text())[:5000]
        tp = MoleculePredictor(webui.loaded_model(used), mc_passes=0).predict(
            [MoleculeRecord(f"train-{i}", s, s) for i, s in enumerate(train_smiles)])
        emb = np.concatenate([emb, tp.embeddings])
        hover += train_smiles
        ids += tp.ids
        cols = {"set": ["batch"] * len(preds.ids) + ["training"] * len(train_smiles)}
    chosen = webui.embedding_panel(emb, cols, hover, ids, key="mol-map", title="Molecule embeddings")
    for cid in chosen[:4]:
        smi = hover[ids.index(cid)].split(" ")[0]
        png = structure_png(smi)
        if png:
            st.image(png, caption=f"{cid}: {smi}", width=260)

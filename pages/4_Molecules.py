"""Molecules: validate SMILES, predict properties with uncertainty, and see which atoms drove a prediction."""

import pandas as pd
import streamlit as st

import webui
from webui import molecules as molui
from biofm.chem.draw import structure_png
from biofm.io.writers import table_bytes
from biofm.tasks import get_task
from biofm.tasks.molecules.kind import AD_THRESHOLD

TASK = "molecules"

st.set_page_config(page_title="Molecules · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Molecules")
st.caption("Solubility, blood-brain-barrier penetration and Tox21 activity from SMILES, by a transformer, a random "
           "forest on Morgan fingerprints or their ensemble, with conformal intervals or prediction sets and the "
           "nearest training molecule. Research use only.")

spec = webui.model_picker(TASK, key="mol")
model_kind, confidence = molui.kind_picker(spec, key="mol")
strip = st.checkbox("Strip salts and solvents (keep the largest fragment)", key="mol-strip")
read = webui.document_input(TASK, "mol", "Predict", extra={"strip_salts": strip})
webui.run_batch(TASK, spec, read, "mol", "Predicting", model_kind=model_kind, confidence=confidence)

state = webui.batch_result("mol", TASK, stop_when_empty=False, row_errors=False)  # rows: the validation report
if state:
    res, preds, used = state["read"], state["preds"], state["spec"]
    report = pd.DataFrame(res.report())
    rejected = report[~report["valid"]] if len(report) else report
    dups = sum(1 for r in res.records if r.duplicate_of)
    st.success(f"{len(res.records)} molecule(s) kept, {len(rejected)} rejected, {dups} duplicate(s) flagged.")
    with st.expander("Validation report", expanded=len(rejected) > 0):
        st.dataframe(report, hide_index=True, key="mol-report",
                     column_config={"error": st.column_config.TextColumn("error", width="large"),
                                    "input_smiles": st.column_config.TextColumn("input_smiles", width="medium")})
        for _, bad in rejected.iterrows():  # the reasons in full, whatever the column width
            st.caption(f"Row {bad['row']}: {webui.md(bad['error'])}")
    if preds is None:
        st.stop()
    frame = molui.numeric_frame(pd.DataFrame(preds.rows()))
    frame.insert(1, "name", [r.name for r in res.records])
    frame["in_domain"] = preds.in_domain
    targets = preds.targets
    st.subheader("Predictions")
    st.markdown(molui.produced_by(preds))
    c1, c2, c3 = st.columns(3)
    sort_by = c1.selectbox("Sort by", targets + ["uncertainty", "nearest_train_similarity"], key="mol-sort")
    descending = c2.checkbox("Descending", value=True, key="mol-desc")
    only_ood = c3.checkbox(f"Only outside the applicability domain (similarity < {AD_THRESHOLD})", key="mol-ood")
    view = (frame[~frame["in_domain"]] if only_ood else frame).sort_values(sort_by, ascending=not descending)
    st.dataframe(view, hide_index=True, key="mol-table")
    export = pd.DataFrame(get_task(TASK).output_rows(preds, res))  # the rows `biofm predict` writes
    st.download_button("Download CSV", table_bytes(export, "csv"), "molecule_predictions.csv", "text/csv",
                       key="mol-csv")
    webui.send_to_review(TASK, preds, used, key="mol")
    grid = st.columns(4)
    for k, (_, row) in enumerate(view.head(24).iterrows()):
        with grid[k % 4]:
            png = structure_png(row["canonical_smiles"])
            if png:
                st.image(png, width="stretch")
            i = preds.ids.index(row["id"])
            st.caption(f"**{webui.md(row['id'])}** {webui.md(row['name'])}  \n" + "  \n".join(
                molui.molecule_caption_lines(preds, i))
                + ("" if preds.in_domain[i] else
                   f"  \n:material/warning: far from training data ({preds.nearest_similarity[i]:.2f})"))
    if len(view) > 24:
        st.caption(f"Showing the first 24 of {len(view)} in the grid; the table holds them all.")

    st.subheader("Which atoms drove it?")
    pick = st.selectbox("Molecule", range(len(preds.ids)), key="mol-pick",
                        format_func=lambda i: f"{preds.ids[i]} {res.records[i].name}".strip())
    webui.explain_one(TASK, preds, used, pick, key="mol-explain")  # not "mol": its -result is the batch
    with st.expander("Top substructures", expanded=True):
        webui.substructure_panel(used, preds, pick, key="mol-sub")

    st.subheader("Chemical space")
    webui.batch_map(TASK, preds, res.records, used, key="mol")

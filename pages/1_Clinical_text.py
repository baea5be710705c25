"""Clinical text: disease category of notes and abstracts (paste or upload)."""

import streamlit as st

import webui
from biofm.io import InputError, read_paste, read_text_upload
from biofm.io.text import guess_column, peek_columns
from biofm.io.writers import table_bytes
from biofm.tasks.text_classify import TextClassifier
from biofm.viz import label_distribution_figure, probability_figure

st.set_page_config(page_title="Clinical text · biofm", page_icon="📝", layout="wide")
st.title("Clinical text")
st.caption("Disease category of clinical notes and biomedical abstracts. Research use only; not a diagnosis.")

settings = webui.settings()
spec = webui.model_picker("text-classify", key="clinical")
source = st.radio("Input", ["Paste", "Upload a file"], horizontal=True, key="clinical-source")

read = None
if source == "Paste":
    with st.form("clinical-paste"):
        text = st.text_area("Notes", height=200, key="clinical-text",
                            placeholder="Paste a note, or several with 'one per line' ticked.")
        one_per_line = st.checkbox("One document per line", key="clinical-one-per-line")
        if st.form_submit_button("Classify", type="primary"):
            read = lambda: read_paste(text, one_per_line=one_per_line)  # noqa: E731
else:
    upload = st.file_uploader("File (.txt, .csv, .jsonl, or .zip of .txt)", type=["txt", "csv", "jsonl", "zip"],
                              key="clinical-upload")
    text_column = id_column = None
    one_per_line = False
    if upload is not None:
        data = upload.getvalue()
        columns = peek_columns(data, upload.name)
        if columns:
            guess = guess_column(columns, "text")
            text_column = st.selectbox("Text column", columns, index=columns.index(guess) if guess else 0,
                                       key="clinical-text-column")
            id_guess = guess_column(columns, "id")
            id_options = ["(row number)"] + columns
            id_column = st.selectbox("ID column", id_options,
                                     index=id_options.index(id_guess) if id_guess else 0, key="clinical-id-column")
            id_column = None if id_column == "(row number)" else id_column
        elif upload.name.lower().endswith(".txt"):
            one_per_line = st.checkbox("One document per line", key="clinical-upload-per-line")
        if st.button("Classify", type="primary", key="clinical-run"):
            read = lambda: read_text_upload(  # noqa: E731
                data, upload.name, text_column=text_column, id_column=id_column, one_per_line=one_per_line,
                max_rows=settings.max_upload_rows, max_bytes=settings.max_upload_mb * 2**20)

if read is not None:
    if spec is None:
        st.error("Choose a model first.")
    else:
        try:
            result = read()
        except InputError as exc:
            st.error(str(exc))
            st.session_state.pop("clinical-result", None)
        else:
            preds = None
            if result.records:
                clf = TextClassifier(webui.loaded_model(spec))
                preds = clf.predict(result.records, batch_size=settings.batch_size,
                                    progress=webui.progress_callback("Classifying"))
            st.session_state["clinical-result"] = {"preds": preds, "errors": result.errors, "model": spec.name}

state = st.session_state.get("clinical-result")
if state:
    webui.show_row_errors(state["errors"])
    preds = state["preds"]
    if preds is None:
        st.error("No readable documents: see the row errors above.")
        st.stop()
    st.success(f"{len(preds.ids)} document(s) classified with {state['model']}.")
    if preds.n_windowed:
        st.info(f"{preds.n_windowed} document(s) were longer than the model's {spec.max_length if spec else ''} "
                "tokens and were classified with overlapping sliding windows (window logits averaged); see the "
                "'windows' column. Nothing was truncated.")
    frame = preds.to_frame()
    shown = frame.copy()
    shown["text"] = shown["text"].str.slice(0, 160)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Predictions")
        st.dataframe(shown, hide_index=True, key="clinical-table",
                     column_config={"score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0,
                                                                              format="%.3f")})
    with right:
        st.plotly_chart(label_distribution_figure(preds.labels, order=preds.label_names), key="clinical-dist")
    st.subheader("One document")
    pick = st.selectbox("Document", range(len(preds.ids)), format_func=lambda i: f"{preds.ids[i]}: {preds.labels[i]}",
                        key="clinical-doc")
    c1, c2 = st.columns([3, 2])
    with c1:
        st.text(preds.texts[pick][:5000] + (" …" if len(preds.texts[pick]) > 5000 else ""))
    with c2:
        st.plotly_chart(probability_figure(preds.probs[pick], preds.label_names), key="clinical-probs")
    d1, d2 = st.columns(2)
    export = frame.drop(columns=["windows"])
    d1.download_button("Download CSV", table_bytes(export, "csv"), "predictions.csv", "text/csv", key="clinical-csv")
    d2.download_button("Download JSONL", table_bytes(export, "jsonl"), "predictions.jsonl", "application/jsonl",
                       key="clinical-jsonl")

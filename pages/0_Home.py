"""biofm home: start here in three steps, this machine, registered models, links to the pages."""

import pandas as pd
import streamlit as st

import webui
from webui.text import card as show_card

st.title("biofm")
st.write("Run fine-tuned biomedical foundation models on your own data, on this machine, and see why they "
         "said what they said. Nothing you upload leaves this computer.")

st.subheader("Start here")
s1, s2, s3 = st.columns(3)
with s1.container(border=True):
    st.markdown("**1. Run a model on an example**")
    st.write("Open Clinical text and press *Try the example*: 20 short notes are classified in seconds.")
    st.page_link("pages/1_Clinical_text.py", label="Clinical text", icon=":material/description:")
with s2.container(border=True):
    st.markdown("**2. See why**")
    st.write("Pick a document under *One document* and press *Explain*: words that pushed the prediction are "
             "highlighted. Below it, the *Map of the batch* places similar notes together.")
with s3.container(border=True):
    st.markdown("**3. Review, then fine-tune**")
    st.write("Send the batch to Review, accept or correct each prediction, export, and train on it in Models and "
             "training.")
    st.page_link("pages/5_Review.py", label="Review", icon=":material/fact_check:")

st.subheader("This machine")
st.write(webui.device_summary())

st.subheader("All pages")
st.page_link("pages/1_Clinical_text.py", label="Clinical text: disease category of notes and abstracts", icon=":material/description:")
st.page_link("pages/1b_Your_own_labels.py", label="Your own labels: define categories, suggestions at once, learn them from review", icon=":material/new_label:")
st.page_link("pages/2_Clinical_entities.py", label="Clinical entities: Chemical and Disease mentions", icon=":material/label:")
st.page_link("pages/3_Imaging_reports.py", label="Imaging reports: 14 CheXpert observations with evidence", icon=":material/radiology:")
st.page_link("pages/4_Molecules.py", label="Molecules: SMILES validation, properties, atom attributions", icon=":material/science:")
if webui.folder_tasks():
    st.page_link("pages/9_More_tasks.py", label="More tasks: " + ", ".join(webui.folder_tasks()),
                 icon=":material/extension:")
st.page_link("pages/6_Embeddings.py", label="Embeddings: a map of any batch", icon=":material/scatter_plot:")
st.page_link("pages/5_Review.py", label="Review: accept or correct predictions, agreement, export", icon=":material/fact_check:")
st.page_link("pages/7_Models.py", label="Models and training: cards, training in the background, comparison", icon=":material/model_training:")

st.subheader("Registered models")
specs = webui.registry().specs()
if not specs:
    st.warning("No models are registered. Reinstall biofm or set BIOFM_MODEL_DIRS.")
else:
    st.dataframe(pd.DataFrame([{
        "name": s.name, "task": s.task, "source": s.source, "headline metric": s.headline_text(),
        "metrics": s.metrics_text(),
        "labels": ", ".join(s.labels),
    } for s in specs]), hide_index=True)
    card = st.selectbox("Model card", [s.name for s in specs])
    with st.expander(f"Card: {webui.md(card)}"):
        show_card(webui.registry().get(card))

"""Privacy: the PHI gate's mode and the site's allow list, deny list and known-patient roster."""

import streamlit as st

import webui
from webui.privacy import gate_mode_panel, list_editor, try_lists

st.set_page_config(page_title="Privacy · biofm", page_icon=webui.FAVICON, layout="wide")
st.title("Privacy")
st.caption("Every page and command scans the text, ids, file names and columns of your input for protected health "
           "information before a model runs. These lists correct the detector for your site.")

gate_mode_panel()
for kind in ("allow", "deny", "roster"):
    list_editor(kind)
try_lists()

"""biofm: the Streamlit entrypoint. Titled pages in the order of the work: run -> explain (on each page) -> map ->
review -> train."""

import streamlit as st

from webui.core import FAVICON, folder_tasks, skipped_task_folders
from webui.errors import guarded
from webui.identity import sidebar as identity_sidebar

st.set_page_config(page_title="biofm", page_icon=FAVICON, layout="wide")

PAGES = {
    "biofm · models on your own data": [
        st.Page("pages/0_Home.py", title="Start here", icon=":material/home:", default=True),
    ],
    "Run and explain": [
        st.Page("pages/1_Clinical_text.py", title="Clinical text", icon=":material/description:",
                url_path="Clinical_text"),
        st.Page("pages/1b_Your_own_labels.py", title="Your own labels", icon=":material/new_label:",
                url_path="Your_own_labels"),
        st.Page("pages/2_Clinical_entities.py", title="Clinical entities", icon=":material/label:",
                url_path="Clinical_entities"),
        st.Page("pages/3_Imaging_reports.py", title="Imaging reports", icon=":material/radiology:",
                url_path="Imaging_reports"),
        st.Page("pages/4_Molecules.py", title="Molecules", icon=":material/science:", url_path="Molecules"),
        # task folders without a page of their own (BIOFM_TASK_DIRS, yours), or one that did not load (it says why)
        *([st.Page("pages/9_More_tasks.py", title="More tasks", icon=":material/extension:", url_path="More_tasks")]
          if folder_tasks() or skipped_task_folders() else []),
    ],
    "Map, review, train": [
        st.Page("pages/6_Embeddings.py", title="Embeddings map", icon=":material/scatter_plot:", url_path="Embeddings"),
        st.Page("pages/5_Review.py", title="Review", icon=":material/fact_check:", url_path="Review"),
        st.Page("pages/7_Models.py", title="Models and training", icon=":material/model_training:",
                url_path="Models"),
        st.Page("pages/8_Privacy.py", title="Privacy", icon=":material/shield:", url_path="Privacy"),
    ],
}

page = st.navigation(PAGES)
identity_sidebar()  # every page: who is signed in, or single-user mode on localhost
with guarded(f"The {page.title} page", "Reload the page; if it happens again, the log says why."):
    page.run()

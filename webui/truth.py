"""Predictions against the input's true labels: accuracy and a confusion matrix, with codes mapped to label names."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from biofm.io.labels import default_code_mapping, format_code_mapping, map_codes, parse_code_mapping, unknown_codes
from biofm.viz import confusion_figure
from webui.text import md


def true_label_panel(frame: pd.DataFrame, names: list[str], key: str) -> None:
    """Accuracy and confusion matrix of ``frame['label']`` against ``frame['true_label']`` (rows without one are
    left out). True labels the model does not name (codes such as 1-5) get a mapping field ``code=label, ...``,
    prefilled with the model's label order when the codes fit it, for the user to check and change."""
    if "true_label" not in frame:
        return
    truth = frame[frame["true_label"].notna() & (frame["true_label"].astype(str).str.strip() != "")]
    if truth.empty:
        return
    st.subheader("Against the true labels")
    codes = unknown_codes(truth["true_label"], names)
    mapping: dict[str, str] = {}
    if codes:
        default = default_code_mapping(codes, names)
        shown_codes = ", ".join(codes[:12]) + (" …" if len(codes) > 12 else "")
        text = st.text_input(
            "Map true-label codes to the model's labels", format_code_mapping(default), key=f"{key}-label-codes",
            placeholder=f"{codes[0]}={names[0]}, ...",
            help="code=label pairs separated by commas, e.g. " + format_code_mapping(
                dict(zip(codes[:2], names[:2]))) + f". The model's labels: {', '.join(names)}.")
        mapping, problems = parse_code_mapping(text, names)
        if default and mapping == default:
            st.info(f"The true labels are codes ({md(shown_codes)}), not the model's label names: they are read in "
                    "the model's label order, as above. If your file's codes mean other labels, change the mapping.")
        elif not mapping:
            st.info(f"The true labels ({md(shown_codes)}) are not the model's label names "
                    f"({md(', '.join(names))}): map them above to score the model.")
        for problem in problems:
            st.warning(f"Mapping: {md(problem)}.")
    true = map_codes(truth["true_label"], mapping)
    predicted = [str(p) for p in truth["label"]]
    accuracy = sum(t == p for t, p in zip(true, predicted)) / len(true)
    st.metric("Accuracy", f"{accuracy:.1%}", help=f"on the {len(true)} document(s) with a true label")
    unknown = sorted(set(true) - set(names))
    if unknown:
        st.warning("True labels the model does not know (always counted wrong): " + ", ".join(map(md, unknown)))
    st.plotly_chart(confusion_figure(true, predicted, names), key=f"{key}-confusion")


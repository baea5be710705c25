import pytest
import streamlit as st


@pytest.fixture
def app_env(tiny_model_dir, tiny_tagger_dir, tiny_report, tiny_molecule_dir, monkeypatch):
    """Pages see the tiny test model (BIOFM_MODEL_DIRS) and start with empty Streamlit caches."""
    monkeypatch.setenv("BIOFM_MODEL_DIRS", f"{tiny_model_dir.parent}:{tiny_tagger_dir.parent}:{tiny_report[0].parent}:{tiny_molecule_dir.parent}")
    monkeypatch.setenv("BIOFM_DEVICE", "cpu")
    monkeypatch.setenv("BIOFM_PHI_GATE", "off")  # page tests of other features; tests/app/test_phi_gate.py turns it on
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()


def submit(at):
    """The page's own action button (Classify, Label reports...), not "Try the example"."""
    return next(b for b in at.button if b.label != "Try the example")


def shown(markdown: str) -> str:
    """What a reader sees of an escaped Markdown string (``webui.md`` backslash-escapes user text)."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown)

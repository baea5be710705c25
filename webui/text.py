"""User-controlled text in Streamlit: always shown as text, never as Markdown or HTML.

Streamlit renders Markdown (and KaTeX for ``$...$``) in ``st.markdown``, ``st.caption``, ``st.write`` of a string,
alerts (``st.error`` / ``warning`` / ``info`` / ``success``), subheaders, expander and widget labels and progress
text. An id, a label, a column or file name, a reviewer name, a model card or a job description that reaches one of
those goes through :func:`md` (escaped: no emphasis, formula, link, image, HTML or bare-URL autolink survives) or is
shown with :func:`plain` (``st.text``: no Markdown at all). ``![x](http://host/p.png)`` in a file name would otherwise
make the browser fetch the image: a request leaving the computer.
"""

from __future__ import annotations

# CommonMark's backslash-escapable ASCII punctuation that Markdown, GFM autolinks or KaTeX act on. Escaping ':' and
# '.' also breaks GFM's bare-URL autolinks (http://..., www....).
# '-' acts only where a line starts (a list item, a rule): md() makes one line, so it is escaped there only, and
# names such as "disease-category" read as they are written.
MARKDOWN_SPECIAL = "\\`*_{}[]()#+.!|<>~$:&=\"'/^%@"


def md(text) -> str:
    """``text`` made literal inside Streamlit Markdown (one line: newlines become spaces)."""
    line = str(text).replace("\r", " ").replace("\n", " ")
    out = "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in line)
    stripped = out.lstrip(" ")
    if stripped.startswith("-"):
        out = out[: len(out) - len(stripped)] + "\\" + stripped
    return out


def plain(text, container=None) -> None:
    """Show ``text`` verbatim (``st.text``: no Markdown, line breaks kept)."""
    import streamlit as st

    (container or st).text(str(text))


def card(spec, container=None) -> None:
    """A model card: shipped cards (written by the project) as Markdown; any other card as plain text, since a
    user's model card holds their own description and data names."""
    import streamlit as st

    target = container or st
    text = spec.card_text()
    if getattr(spec, "source", "") == "shipped":
        target.markdown(text)
    else:
        target.text(text)

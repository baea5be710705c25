"""User-controlled text in Streamlit: always shown as text, never as Markdown or HTML.

Streamlit renders Markdown (and KaTeX for ``$...$``) in ``st.markdown``, ``st.caption``, ``st.write`` of a string,
alerts (``st.error`` / ``warning`` / ``info`` / ``success``), subheaders, expander and widget labels and progress
text. An id, a label, a column or file name, a reviewer name, a model card or a job description that reaches one of
those goes through :func:`md` (escaped: no emphasis, formula, link, image, HTML or bare-URL autolink survives) or is
shown with :func:`plain` (``st.text``: no Markdown at all). ``![x](http://host/p.png)`` in a file name would otherwise
make the browser fetch the image: a request leaving the computer.
"""

from __future__ import annotations

import re

# The characters that start an inline Markdown construct (emphasis, code, link, image, raw HTML, strikethrough,
# table, KaTeX formula, entity). Characters that only act at the start of a line (list, heading, quote) are escaped
# there alone: md() returns one line.
MARKDOWN_SPECIAL = "\\`*_[]<>$~|&"
LINE_START = "-+#>=0123456789"
# GFM turns bare URLs and e-mail addresses into links after escapes are resolved, so no backslash stops it; an
# invisible word joiner (U+2060) after the scheme, 'www' or '@' does.
AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www|file|data)(?=[:.])|(@)")
JOINER = "\u2060"


def md(text) -> str:
    """``text`` made literal inside Streamlit Markdown (one line: newlines become spaces)."""
    out = "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in str(text))
    out = AUTOLINK.sub(lambda m: m.group(0) + JOINER, out.replace("\r", " ").replace("\n", " "))
    if out[:1] in LINE_START and out[:1]:
        out = "\\" + out if not out[0].isdigit() else out.replace(".", "\\.", 1)
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


def text_width(values, px_per_char: float = 7.5, padding: int = 36, most: int = 400) -> int:
    """A table column's width in pixels that shows the longest of ``values`` whole (``st.column_config`` width;
    Streamlit otherwise sizes a column from its first rows and cuts longer values and the header)."""
    longest = max((len(str(v)) for v in values), default=0)
    return min(most, padding + round(px_per_char * longest))

"""``python -m webui.serve run app.py ...``: Streamlit's command line, with ``app.py``'s router as the only navigation.

A folder named ``pages/`` next to the entrypoint makes Streamlit (1.4x-1.6x) start in its old multipage mode, which
runs a page's script directly, without the entrypoint, until some session first runs ``st.navigation``. On a fresh
server, a first visit straight to a page's URL (a bookmark) therefore got Streamlit's own sidebar ("app", "Home",
untitled and out of order) and no error handling around the page. Telling Streamlit up front that the app uses
``st.navigation`` makes every run start at the router.
"""

from __future__ import annotations

import sys


def main() -> None:
    from streamlit.web import cli

    from biofm.cli import _tighten_data_dir
    from biofm.privacy import private_umask

    private_umask()  # uploads, the review database, job files and logs: readable by the user only
    _tighten_data_dir()

    try:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False  # what st.navigation itself sets on its first call
    except ImportError:  # a Streamlit without this class: it has no pages-folder mode to avoid either
        pass
    sys.exit(cli.main())


if __name__ == "__main__":
    main()

"""Seconds for each page's main action on its example, cold (model loads) and warm, without a browser
(Streamlit's AppTest runs the page script as the server would); plus the Tox21 training-set overlay on the
Molecules page's map and one Review decision.

Run: .venv/bin/python bench/pages.py [--pages clinical,ner,...] (page keys: clinical, ner, reports, mol, embed;
only the chosen pages, without the overlay and Review timings)

The browser adds drawing on top (tests/e2e/test_first_minute.py writes its cold timings to test-results/).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["BIOFM_PHI_GATE"] = "off"
os.environ["BIOFM_DATA_DIR"] = tempfile.mkdtemp(prefix="biofm-bench-pages-")

PAGES = [("Clinical text", "1_Clinical_text.py", "clinical"), ("Clinical entities", "2_Clinical_entities.py", "ner"),
         ("Imaging reports", "3_Imaging_reports.py", "reports"), ("Molecules", "4_Molecules.py", "mol"),
         ("Embeddings map", "6_Embeddings.py", "embed")]


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    import argparse

    from streamlit.testing.v1 import AppTest

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="", help="comma-separated page keys (default: every page, and the extras)")
    wanted = [k for k in parser.parse_args().pages.split(",") if k]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print("| page | example, cold s | example, warm s |\n|---|---|---|")  # cold: first use of its model here
    for title, name, key in PAGES:
        if wanted and key not in wanted:
            continue
        at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=600).run()
        cold = timed(lambda: at.button(key=f"{key}-example").click().run())
        warm = timed(lambda: at.button(key=f"{key}-example").click().run())
        assert not at.exception, at.exception
        print(f"| {title} | {cold:.2f} | {warm:.2f} |", flush=True)
    if wanted:
        return

    at = AppTest.from_file(str(ROOT / "pages" / "4_Molecules.py"), default_timeout=600).run()
    at.selectbox(key="mol-model").set_value("tox21").run()
    at.button(key="mol-example").click().run()
    first = timed(lambda: at.checkbox(key="mol-overlay").check().run())
    at.checkbox(key="mol-overlay").uncheck().run()
    again = timed(lambda: at.checkbox(key="mol-overlay").check().run())
    assert not at.exception, at.exception
    print(f"\nTox21 training-set overlay (1,000-molecule sample + the batch, t-SNE): first {first:.2f} s, "
          f"again {again:.2f} s")

    at = AppTest.from_file(str(ROOT / "pages" / "5_Review.py"), default_timeout=600).run()
    at.button(key="review-example").click().run()
    decisions = [timed(lambda: at.button(key="review-accept").click().run()) for _ in range(5)]
    assert not at.exception, at.exception
    print(f"Review: one accept (whole script in AppTest; the browser reruns only the card's fragment): "
          f"median {sorted(decisions)[2]:.2f} s")


if __name__ == "__main__":
    main()

"""Fixes from the first-minute walk-through that live in page helpers: evidence tags, map colours, the training
overlay sample, log text in the job panel, and maps of batches run on another page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_evidence_tags_are_separated():
    from biofm.explain.render import evidence_html

    html = evidence_html("Opacity at the left base.", [(0, 7, "Lung Opacity", "positive"), (0, 7, "Pneumonia", "uncertain")])
    assert "Lung Opacity, Pneumonia" in html and "OpacityPneumonia" not in html


def test_report_maps_use_the_table_colours():
    from biofm.tasks import get_task
    from biofm.viz import LABEL_COLOURS

    assert get_task("reports").colour_map() == LABEL_COLOURS
    assert LABEL_COLOURS["negative"] != LABEL_COLOURS["uncertain"]


def test_training_overlay_is_a_seeded_sample():
    from biofm.models import default_registry
    from biofm.tasks import get_task

    kind, spec = get_task("molecules"), default_registry().get("tox21")
    assert kind.has_reference(spec)
    first, again = kind.reference_records(spec), kind.reference_records(spec)
    assert len(first) == 1000 and [r.canonical for r in first] == [r.canonical for r in again]
    assert len({r.id for r in first}) == 1000


def test_job_log_lines_lose_colour_codes_and_redraws():
    from webui.training import _last_error, _plain

    log = "epoch 1\r\x1b[32mtraining: 45%\x1b[0m\rtraining: 46%\nRuntimeError: CUDA out of memory\n"
    assert _plain(log) == "training: 46%\nRuntimeError: CUDA out of memory"
    assert _last_error(log) == "RuntimeError: CUDA out of memory"


def test_embeddings_page_maps_a_batch_run_on_another_page_and_finds_neighbours(app_env, tiny_model_dir):
    from biofm import api
    from biofm.records import TextRecord
    from tests.conftest import load_tiny

    loaded = load_tiny(tiny_model_dir, "text-classify")
    records = [TextRecord(f"n{i}", f"note {i} about {'the heart' if i % 2 else 'a seizure'}") for i in range(12)]
    preds = api.predict("text-classify", records, model=loaded)
    at = AppTest.from_file(str(ROOT / "pages" / "6_Embeddings.py"), default_timeout=60)
    at.session_state["clinical-result"] = {"task": "text-classify", "preds": preds, "errors": [], "records": records,
                                           "spec": loaded.spec, "read": None, "phi_note": ""}
    at.run()
    assert not at.exception and not at.error
    assert at.radio(key="embed-from").value == "A batch run on another page"
    assert "12 item(s), model tiny-text" in at.selectbox(key="embed-earlier").format_func("clinical")
    assert len(at.get("plotly_chart")) == 1
    at.text_input(key="embed-earlier-map-map-find").input("n3").run()
    assert not at.exception and not at.error
    assert any("1 match(es)" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "cosine distance" in d.value.columns)
    assert len(table) == 10 and "n3" not in set(table["id"])
    assert np.all(np.diff(table["cosine distance"].to_numpy()) >= 0)
    at.toggle(key="embed-earlier-map-map-density").set_value(True).run()
    assert not at.exception and not at.error
    [chart] = at.get("plotly_chart")
    assert '"type":"histogram2dcontour"' in chart.proto.spec.replace(" ", "")  # the density layer, under the points

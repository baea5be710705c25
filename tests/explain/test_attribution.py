import html
import re

import numpy as np
import pytest

from biofm.entities import Entity
from biofm.explain import METHODS, attribute, attribution_html, entities_html, standalone_html
from biofm.explain.attribution import _prepare

TRICKY = "Pt  has café-au-lait spots;\tBP 180/110 — antidisestablishmentarianism?  Ok."


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_returns_one_score_per_word_with_exact_spans(tiny_loaded, method):
    attr = attribute(tiny_loaded, TRICKY, method=method)
    assert len(attr.units) == len(attr.scores) == len(attr.spans)
    assert [TRICKY[s:e] for s, e in attr.spans] == attr.units
    assert "antidisestablishmentarianism" in attr.units  # one word although many subwords
    assert "café" in attr.units and "  " not in "".join(attr.units)
    assert attr.target in tiny_loaded.spec.labels and attr.method == method
    assert all(np.isfinite(attr.scores))
    assert set(attr.faithfulness) >= {"comprehensiveness", "sufficiency", "top_words"}


def test_integrated_gradients_completeness(tiny_loaded):
    attr = attribute(tiny_loaded, "Chest pain and dyspnoea on exertion.", method="ig", n_steps=64, precision="fp32")
    diff = attr.output - attr.baseline_output
    assert sum(attr.scores) == pytest.approx(diff, abs=max(1e-6, 0.05 * abs(diff)))
    assert attr.delta is not None and attr.delta < 0.05 * abs(diff) + 1e-6


def test_target_class_can_be_chosen_and_unknown_is_refused(tiny_loaded):
    a = attribute(tiny_loaded, "Seizure.", target="neuro", method="gxi")
    b = attribute(tiny_loaded, "Seizure.", target="onco", method="gxi")
    assert (a.target, b.target) == ("neuro", "onco")
    assert a.scores != b.scores
    with pytest.raises(ValueError, match="unknown target 'renal'"):
        attribute(tiny_loaded, "Seizure.", target="renal")
    with pytest.raises(ValueError, match="unknown method"):
        attribute(tiny_loaded, "Seizure.", method="lime")


def test_occlusion_scores_are_real_score_drops(tiny_loaded):
    text = "fever cough headache"
    attr = attribute(tiny_loaded, text, method="occlusion", with_faithfulness=False)
    prep = _prepare(tiny_loaded, text, attr.target)
    masked = prep.ids.clone()
    masked[0, 1] = tiny_loaded.tokenizer.mask_token_id  # 'fever'
    from biofm.explain.attribution import _score

    drop = _score(tiny_loaded, prep, prep.ids, "fp32")[0] - _score(tiny_loaded, prep, masked, "fp32")[0]
    assert attr.scores[0] == pytest.approx(drop, abs=1e-6)


def test_long_text_explains_one_window_and_says_so(tiny_loaded):
    attr = attribute(tiny_loaded, " ".join(["fever"] * 80), method="gxi")
    assert len(attr.units) == 30 and attr.token_range == (0, 30, 80)
    assert any("covers tokens 1-30" in w for w in attr.warnings)


def test_user_text_is_escaped_in_every_rendering(tiny_loaded):
    evil = 'Note <script>alert("x")</script> and <img src=x onerror=alert(1)> end'
    attr = attribute(tiny_loaded, evil, method="gxi")
    for page in (attribution_html(attr), standalone_html(attr),
                 entities_html(evil, [Entity(5, 13, "Disease", evil[5:13], 0.9)], ["Chemical", "Disease"])):
        assert "<script" not in page and "<img" not in page
        visible = html.unescape(re.sub(r"<sub>.*?</sub>|<style>.*?</style>|<[^>]+>", "", page))
        assert evil in visible  # every character shown as text


def test_entity_highlighting_keeps_every_character(tiny_loaded):
    text = "Cisplatin-induced  nephrotoxicity.\n"
    ents = [Entity(0, 9, "Chemical", "Cisplatin", 0.9), Entity(19, 33, "Disease", "nephrotoxicity", 0.8)]
    page = entities_html(text, ents)
    assert ">Cisplatin<sub>Chemical</sub>" in page and ">nephrotoxicity<sub>Disease</sub>" in page
    assert "-induced  " in page and page.count("biofm-ent") >= 2


def test_empty_text_is_refused(tiny_loaded):
    with pytest.raises(ValueError, match="empty"):
        attribute(tiny_loaded, "  ")

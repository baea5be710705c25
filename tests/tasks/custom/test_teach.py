"""The teach loop's pure parts: order, accept-above-c, the fixed dev part, thresholds."""

from __future__ import annotations

import json

import numpy as np

from biofm.train.splits import choose_thresholds
from biofm.tasks.custom.teach import accept_above, confidence, is_dev, learning_curve, teach_order, uncertainty


def test_teach_order_puts_the_least_confident_first():
    probs = np.array([[0.98, 0.01, 0.01], [0.34, 0.33, 0.33], [0.6, 0.3, 0.1], [0.5, 0.5, 0.0]])
    assert teach_order(probs, multi_label=False) == [1, 2, 3, 0]  # entropy: [.6,.3,.1] is less sure than [.5,.5,0]
    multi = np.array([[0.99, 0.01], [0.5, 0.5], [0.9, 0.4]])
    assert teach_order(multi, multi_label=True) == [1, 2, 0]


def test_diversity_keeps_near_copies_apart():
    # items 0 and 1 are the same note (same embedding) and the two most uncertain; 2 is a little less uncertain
    probs = np.array([[0.5, 0.5], [0.5, 0.5], [0.55, 0.45], [0.95, 0.05]])
    emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
    assert teach_order(probs, False)[:2] == [0, 1]
    diverse = teach_order(probs, False, emb, diversity=0.5)
    assert diverse[:2] == [0, 2] and sorted(diverse) == [0, 1, 2, 3]


def test_accept_above_c_gives_review_values_only_for_confident_items():
    names = ["a", "b"]
    probs = np.array([[0.95, 0.05], [0.6, 0.4], [0.1, 0.9]])
    assert accept_above(probs, 0.9, names, multi_label=False) == [(0, {"label": "a"}), (2, {"label": "b"})]
    multi = np.array([[0.97, 0.02], [0.97, 0.6], [0.05, 0.04]])
    # item 1 is sure about a, unsure about b: not accepted; item 2 is sure neither applies
    assert accept_above(multi, 0.9, names, multi_label=True) == [(0, {"labels": ["a"]}), (2, {"labels": []})]
    # a per-label threshold changes the decision and so the confidence of that decision
    assert confidence(multi, True, [0.5, 0.01])[2] == np.float64(0.04)


def test_uncertainty_is_zero_for_a_sure_item_and_one_for_a_uniform_one():
    u = uncertainty(np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]), False)
    assert u[0] < 1e-6 and abs(u[1] - 1) < 1e-6


def test_the_dev_part_is_fixed_per_item_and_about_the_asked_share():
    ids = [f"note-{i}" for i in range(2000)]
    first = [is_dev(i, 20) for i in ids]
    assert first == [is_dev(i, 20) for i in ids]  # the same item is always in the same part
    assert 0.17 < np.mean(first) < 0.23
    assert not any(is_dev(i, 0) for i in ids[:50])


def test_thresholds_are_chosen_per_label_on_held_out_items():
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 0], [0, 1]])
    p = np.array([[0.30, 0.9], [0.25, 0.8], [0.10, 0.7], [0.05, 0.6], [0.02, 0.95]])
    t = choose_thresholds(y, p)
    assert 0.10 < t[0] <= 0.25  # label 0's positives sit at 0.25-0.30: a 0.5 threshold would miss them
    assert 0.6 < t[1] <= 0.7  # label 1: everything is above 0.5, positives above 0.6
    assert choose_thresholds(np.zeros((3, 1), int), np.array([[0.2], [0.4], [0.9]])) == [0.5]


def test_learning_curve_reads_every_version_with_a_zero_shot_start(tmp_path):
    versions = [{"version": 1, "n_train": 24, "n_dev": 6, "dev": {"macro_f1": 0.5, "micro_f1": 0.6},
                 "zero_shot_dev": {"macro_f1": 0.3, "micro_f1": 0.4}},
                {"version": 2, "n_train": 40, "n_dev": 9, "dev": {"macro_f1": 0.7, "micro_f1": 0.75},
                 "zero_shot_dev": {"macro_f1": 0.35, "micro_f1": 0.4}}]
    (tmp_path / "versions.json").write_text(json.dumps(versions))
    curve = learning_curve(tmp_path)
    assert [(r["version"], r["n_train"], r["dev_macro_f1"]) for r in curve] == [(0, 0, 0.3), (1, 24, 0.5),
                                                                               (2, 40, 0.7)]


def test_stored_items_are_queued_in_teach_order_and_accepted_above_c():
    from types import SimpleNamespace as Item

    from biofm.tasks.custom.teach import accept_items, teach_queue

    items = [Item(id=1, prediction={"label": "a", "probs": {"a": 0.97, "b": 0.03}, "teach_rank": 2}),
             Item(id=2, prediction={"label": "b", "probs": {"a": 0.45, "b": 0.55}, "teach_rank": 0}),
             Item(id=3, prediction={"label": "a", "probs": {"a": 0.70, "b": 0.30}, "teach_rank": 1})]
    assert [i.id for i in teach_queue(items)] == [2, 3, 1]
    assert [(i.id, v) for i, v in accept_items(items, 0.9, ["a", "b"])] == [(1, {"label": "a"})]
    multi = [Item(id=4, prediction={"labels": ["a"], "probs": {"a": 0.95, "b": 0.2},
                                    "thresholds": {"a": 0.5, "b": 0.1}})]
    assert accept_items(multi, 0.75, ["a", "b"]) == []  # b at 0.2 is above its 0.1 threshold: given, unsure
    assert [v for _, v in accept_items(multi, 0.2, ["a", "b"])] == [{"labels": ["a", "b"]}]

"""Few-shot training: a version is saved in safetensors with its card and metrics, loads, predicts, and every
version is kept; multi-label thresholds; clear refusals. A tiny random encoder keeps it fast."""

from __future__ import annotations

import json

import numpy as np
import pytest

from biofm import api
from biofm.config import load_settings
from biofm.tasks.custom import load_label_set, testing
from biofm.tasks.custom.fewshot import compare_versions, read_reviewed, train_version, version_warnings
from biofm.tasks.custom.teach import learning_curve
from biofm.train.common import TrainingDataError

FAST = {"max_steps": 2, "max_length": 16, "device": "cpu"}
CPU = load_settings(device="cpu", precision="fp32")


def test_a_version_is_saved_loadable_and_kept_when_the_next_one_is_trained(tiny_folder, tmp_path):
    ls = load_label_set(tiny_folder)
    records = read_reviewed(testing.write_reviewed(tmp_path / "r.csv", per_label=10), ls)
    events = []
    first = train_version(ls, records, tiny_folder, config=FAST, progress=events.append)
    assert first["version"] == 1 and first["n_dev"] + first["n_train"] == 30 and first["n_dev"] > 0
    assert any(e.get("step") for e in events) and events[-1]["event"] == "saved"
    v1 = tiny_folder / "v1"
    assert (v1 / "model.safetensors").is_file() and (v1 / "head.safetensors").is_file()
    assert not [p for p in v1.rglob("*") if p.suffix in (".bin", ".pkl", ".pt", ".pth")]  # no pickle anywhere
    assert "## Learning curve" in (v1 / "README.md").read_text()
    spec = json.loads((tiny_folder / "biofm.json").read_text())
    assert spec["task"] == "custom" and spec["extra"]["mode"] == "few-shot" and spec["extra"]["weights"] == "v1"

    notes = api.read("custom", tmp_path / "r.csv").records[:4]
    preds = api.predict("custom", notes, model=str(tiny_folder), settings=CPU)
    assert preds.mode == "few-shot" and preds.probs.shape == (4, 3) and np.allclose(preds.probs.sum(1), 1, atol=1e-5)

    more = read_reviewed(testing.write_reviewed(tmp_path / "r2.csv", per_label=14), ls)
    second = train_version(ls, more, tiny_folder, config={**FAST, "seed": 5})
    assert second["version"] == 2 and second["n_train"] > first["n_train"]
    assert (tiny_folder / "v1" / "head.safetensors").is_file()  # the earlier version is kept
    assert json.loads((tiny_folder / "biofm.json").read_text())["extra"]["weights"] == "v2"
    curve = learning_curve(tiny_folder)
    assert [r["version"] for r in curve] == [0, 1, 2] and [r["n_train"] for r in curve] == [0, first["n_train"],
                                                                                            second["n_train"]]
    old = api.predict("custom", notes, model=str(tiny_folder / "v1"), settings=CPU)
    assert np.allclose(old.probs, preds.probs, atol=1e-5)  # v1 still answers as it did
    table = compare_versions(tiny_folder, more[:12], ls)
    assert [r["version"] for r in table] == [0, 1, 2] and all(0 <= r["macro_f1"] <= 1 for r in table)
    # the version it replaced, scored on the new version's own dev items (the two compare on equal terms)
    assert first["previous_dev"] is None and second["previous_dev"]["version"] == 1
    dev = [r for r in more if r.id in set(second["dev_ids"])]
    v1_on_dev = compare_versions(tiny_folder, dev, ls)[1]
    assert second["previous_dev"]["macro_f1"] == pytest.approx(v1_on_dev["macro_f1"])


def test_a_version_worse_than_the_one_it_replaces_or_zero_shot_is_flagged():
    entry = {"version": 3, "n_dev": 9, "dev": {"macro_f1": 0.5}, "previous_dev": {"version": 2, "macro_f1": 0.7},
             "zero_shot_dev": {"macro_f1": 0.6}}
    lines = version_warnings(entry)
    assert len(lines) == 2 and lines[0].startswith("WARNING: version 3 scores below version 2 on the same 9 dev")
    assert "0.5000 against 0.7000" in lines[0] and "below the zero-shot suggestions" in lines[1]
    assert version_warnings({**entry, "dev": {"macro_f1": 0.7}}) == []  # as good as both: nothing to say
    assert version_warnings({**entry, "dev": {}}) == []  # no dev part: nothing to compare on


def test_multi_label_versions_choose_a_threshold_per_label(tiny_multi_folder, tmp_path):
    ls = load_label_set(tiny_multi_folder)
    records = read_reviewed(testing.write_reviewed(tmp_path / "m.csv", per_label=12, multi_label=True), ls)
    assert records[0].meta["value"] == ["cardiac", "neuro"]
    entry = train_version(ls, records, tiny_multi_folder, config=FAST)
    assert entry["n_held"] > 0 and len(entry["thresholds"]) == 3 and all(0 < t < 1 for t in entry["thresholds"])
    preds = api.predict("custom", records[:5], model=str(tiny_multi_folder), settings=CPU)
    assert preds.multi_label and preds.thresholds == entry["thresholds"]
    assert preds.labels == [[n for n, p, t in zip(ls.names, row, preds.thresholds) if p >= t] for row in preds.probs]


def test_too_few_examples_per_label_are_refused_before_training(tiny_folder, tmp_path):
    ls = load_label_set(tiny_folder)
    records = read_reviewed(testing.write_reviewed(tmp_path / "few.csv", per_label=5), ls)
    with pytest.raises(TrainingDataError, match="at least 8 reviewed examples per label"):
        train_version(ls, records, tiny_folder, config=FAST)
    assert not (tiny_folder / "v1").exists()


def test_unknown_labels_in_the_reviewed_file_name_the_row(tiny_folder, tmp_path):
    ls = load_label_set(tiny_folder)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text,label\n1,chest pain,cardiac\n2,seizure,neurology\n")
    with pytest.raises(TrainingDataError, match=r"row 2: label 'neurology' is not in the label set"):
        read_reviewed(bad, ls)


def test_a_folder_with_versions_refuses_a_version_for_other_labels(tiny_folder, tmp_path):
    from biofm.records import TextRecord
    from biofm.tasks.custom import label_set
    from biofm.tasks.custom.model import read_versions

    ls = load_label_set(tiny_folder)
    train_version(ls, read_reviewed(testing.write_reviewed(tmp_path / "r.csv", per_label=10), ls), tiny_folder,
                  config=FAST)
    other = label_set("other", {"x": "mentions x", "y": "mentions y"}, encoder=ls.encoder)
    rows = [TextRecord(f"o{i}", f"note {i}", meta={"value": "x" if i % 2 else "y"}) for i in range(40)]
    with pytest.raises(TrainingDataError, match="differs. Train it into a new folder"):
        train_version(other, rows, tiny_folder, config=FAST)
    assert load_label_set(tiny_folder).names == ls.names  # the folder's labels and versions are untouched
    assert [v["version"] for v in read_versions(tiny_folder)] == [1]

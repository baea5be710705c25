"""``biofm predict custom --labels`` and ``biofm train custom`` on tiny files; the review codec's round trip."""

from __future__ import annotations

import csv
import json

from biofm.cli import main
from biofm.review import ReviewStore
from biofm.tasks import get_task
from biofm.tasks.custom import testing
from biofm.tasks.custom.fewshot import read_reviewed
from biofm.tasks.custom.labelset import load_label_set


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_predict_then_train_then_predict_with_the_trained_version(tiny_folder, tmp_path, capsys):
    notes = tmp_path / "notes.csv"
    notes.write_text(testing.INPUT[1])
    out = tmp_path / "zero.csv"
    assert main(["predict", "custom", "--labels", str(tiny_folder / "labels.json"), str(notes), "-o", str(out),
                 "--device", "cpu", "-q"]) == 0
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["1", "3", "4"] and {r["mode"] for r in rows} == {"zero-shot"}
    assert {r["label"] for r in rows} <= {"cardiac", "neuro", "onco"}
    assert "row 2" in capsys.readouterr().err  # the empty row is named, the others are predicted

    reviewed = testing.write_reviewed(tmp_path / "reviewed.csv", per_label=10)
    model = tmp_path / "smoking-model"
    assert main(["train", "custom", "--labels", str(tiny_folder), "--train", str(reviewed), "--out", str(model),
                 "--max-steps", "2", "--max-length", "16", "--device", "cpu", "-q"]) == 0
    assert "version 1" in capsys.readouterr().err
    assert json.loads((model / "versions.json").read_text())[0]["version"] == 1
    out2 = tmp_path / "trained.csv"
    assert main(["predict", "custom", "--labels", str(model), str(notes), "-o", str(out2), "--device", "cpu",
                 "-q"]) == 0
    assert {r["mode"] for r in _rows(out2)} == {"few-shot"}


def test_train_without_labels_is_a_clear_error(tmp_path, capsys):
    reviewed = testing.write_reviewed(tmp_path / "reviewed.csv")
    code = main(["train", "custom", "--train", str(reviewed), "--out", str(tmp_path / "m")])
    assert code != 0 and "--labels" in capsys.readouterr().err


def test_review_round_trip_exports_what_training_reads(tiny_multi_folder, tmp_path):
    from biofm import api
    from biofm.config import load_settings

    kind = get_task("custom")
    ls = load_label_set(tiny_multi_folder)
    notes = tmp_path / "notes.csv"
    notes.write_text(testing.INPUT[1])
    records = api.read("custom", notes).records
    loaded = api.load(str(tiny_multi_folder), "custom", load_settings(device="cpu", precision="fp32"))
    preds = api.predict("custom", records, model=loaded)
    store = ReviewStore(f"sqlite:///{tmp_path / 'review.db'}")
    batch = store.batch(api.send_to_review(store, "custom", preds, loaded.spec))
    items = store.queue(batch["id"], "ann", "input")
    assert sorted(i.prediction["teach_rank"] for i in items) == [0, 1, 2]
    editor = kind.codec.editor(items[0].text, items[0].prediction, batch["labels"])
    assert [r["label"] for r in editor.rows] == ls.names and editor.editable == ["reviewed"]
    for r in editor.rows:
        r["reviewed"] = r["label"] in ("cardiac", "onco")
    value, error = kind.codec.from_editor(editor.rows, items[0].text)
    assert error is None and value == {"labels": ["cardiac", "onco"]}
    store.decide(items[0].id, "ann", "correct", value)
    exported = tmp_path / "export.csv"
    exported.write_bytes(store.export(batch["id"], "csv", "ann"))
    back = read_reviewed(exported, ls)
    assert [r.meta["value"] for r in back] == [["cardiac", "onco"]]

"""Training files: a missing label is reported by its row in the file."""

import pytest


def test_a_missing_label_is_named_by_its_row_in_the_file(tmp_path):
    from biofm.tasks import get_task
    from biofm.train.common import TrainingDataError

    path = tmp_path / "labelled.csv"
    path.write_text("text,label\nfever,a\n\n\ncough,\npain,b\nache,a\n", encoding="utf-8")
    kind = get_task("text-classify")
    with pytest.raises(TrainingDataError, match=r"1 rows have no label \(first rows: \[4\]\)"):
        kind.check_training_file(path, kind.training_config({"train": str(path), "out": str(tmp_path / "m")}))

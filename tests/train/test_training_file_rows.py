"""Training files: a missing label is reported by its row in the file."""

import pytest


def test_a_missing_label_is_named_by_its_row_in_the_file(tmp_path):
    from biofm.tasks import get_task
    from biofm.train.common import TrainingDataError

    path = tmp_path / "labelled.csv"
    path.write_text("text,label\nfever,a\n\n\ncough,\npain,b\nache,a\nsore,b\n", encoding="utf-8")
    kind = get_task("text-classify")
    config = kind.training_config({"train": str(path), "out": str(tmp_path / "m")})
    # a row without a label is no class: it is skipped and named by its row (issue #20), the rest trains
    assert "(1 row(s) without a label skipped)" in kind.check_training_file(path, config)
    from biofm.tasks.text_classify.data import read_labelled

    [error] = read_labelled(path, config).errors
    assert (error.row, error.field) == (4, "label") and "no label" in error.message
    path.write_text("text,label\nfever,a\ncough,\npain,b\nache,a\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="single example"):
        kind.check_training_file(path, config)

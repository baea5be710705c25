"""Conformal intervals and prediction sets hold their nominal coverage and depend on each molecule alone."""

import numpy as np
import pytest

from biofm.chem.conformal import calibrate, coverage, load_calibrations, save_calibrations


def _regression(n, rng):
    spread = rng.uniform(0.2, 2.0, (n, 1))  # a difficulty estimate that tracks the true noise
    y_hat = rng.normal(0, 3, (n, 1))
    return y_hat + rng.normal(0, 1, (n, 1)) * spread, y_hat, spread


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95])
def test_regression_intervals_cover_at_the_nominal_level(confidence):
    rng = np.random.default_rng(1)
    y_cal, pred_cal, spread_cal = _regression(1500, rng)
    cal = calibrate(y_cal, pred_cal, "regression", spread_cal)
    y, y_hat, spread = _regression(5000, rng)
    got = coverage(cal, y, y_hat, spread, confidence)
    assert abs(got["coverage"] - confidence) < 0.02
    low, high = cal.intervals(y_hat, spread, confidence)
    wide = spread[:, 0] > 1.5
    assert ((high - low)[wide].mean()) > 2 * ((high - low)[spread[:, 0] < 0.5].mean())  # wider where harder


def _classification(n, rng, targets=3):
    p = rng.uniform(0, 1, (n, targets))
    y = (rng.uniform(0, 1, (n, targets)) < p ** 2).astype(float)  # probabilities off: calibration must fix them
    y[rng.uniform(0, 1, y.shape) < 0.2] = np.nan  # missing labels (Tox21)
    return y, p


def test_class_conditional_sets_cover_each_class():
    rng = np.random.default_rng(2)
    cal = calibrate(*_classification(2000, rng), "multilabel")
    y, p = _classification(6000, rng)
    assert abs(coverage(cal, y, p, None, 0.9)["coverage"] - 0.9) < 0.02
    sets = cal.sets(p, 0.9)
    for c in (0, 1):  # Mondrian: coverage holds within each class
        members = y == c
        assert sets[..., c][members].mean() >= 0.88
    calibrated = cal.calibrated(p)
    known = ~np.isnan(y)
    assert abs(calibrated[known].mean() - y[known].mean()) < 0.02  # recalibrated towards the label frequency
    assert abs(p[known].mean() - y[known].mean()) > 0.1  # ... where the raw probabilities were not


def test_a_molecule_gets_the_same_set_and_interval_whatever_else_is_in_the_batch(tmp_path):
    rng = np.random.default_rng(3)
    cals = {"random_forest": calibrate(*_classification(300, rng), "binary"),
            "ensemble": calibrate(*_regression(300, rng)[:2], "regression", _regression(300, rng)[2])}
    save_calibrations(tmp_path / "conformal.safetensors", cals, "binary")
    back = load_calibrations(tmp_path / "conformal.safetensors")
    _, p = _classification(50, rng)
    alone = back["random_forest"].p_values(p[:1])
    np.testing.assert_array_equal(alone, back["random_forest"].p_values(p)[:1])
    np.testing.assert_array_equal(alone, cals["random_forest"].p_values(p[:1]))
    _, y_hat, spread = _regression(40, rng)
    np.testing.assert_allclose(back["ensemble"].intervals(y_hat[:1], spread[:1])[0],
                               back["ensemble"].intervals(y_hat, spread)[0][:1])

"""Random forests stored as tree arrays predict exactly what scikit-learn predicts."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from biofm.chem.forest import Forest, fit_forest, load_forest, tree_arrays


@pytest.fixture(scope="module")
def bits():
    rng = np.random.default_rng(0)
    x = (rng.random((300, 64)) < 0.2).astype(np.uint8)  # sparse bits, like Morgan fingerprints
    signal = x[:, :8] @ np.arange(1, 9) - x[:, 8:12].sum(1) * 2
    return x, signal + rng.normal(0, 0.5, len(x))


def test_regression_arrays_equal_sklearn_predict(bits):
    x, y = bits
    rf = RandomForestRegressor(n_estimators=25, min_samples_leaf=2, random_state=0).fit(x[:200], y[:200])
    np.testing.assert_allclose(tree_arrays(rf).predict(x[200:]), rf.predict(x[200:]), rtol=1e-6, atol=1e-6)


def test_classifier_arrays_equal_sklearn_predict_proba(bits):
    x, y = bits
    label = (y > np.median(y)).astype(int)
    rf = RandomForestClassifier(n_estimators=25, random_state=0, class_weight="balanced").fit(x[:200], label[:200])
    np.testing.assert_allclose(tree_arrays(rf).predict(x[200:]), rf.predict_proba(x[200:])[:, 1], atol=1e-6)


def test_saved_forest_predicts_the_same_and_masks_missing_labels(bits, tmp_path):
    x, y = bits
    labels = np.stack([(y > np.median(y)), (x[:, 0] == 1)], 1).astype(np.float64)
    labels[::3, 1] = np.nan  # missing labels of the second target
    labels[:, 1][np.arange(len(x)) % 7 == 0] = np.nan
    forest = fit_forest(x[:200], labels[:200], "multilabel", seed=1, n_estimators=20, min_samples_leaf=1, n_jobs=1)
    path = tmp_path / "forest.safetensors"
    forest.save(path)
    again = load_forest(path)
    assert isinstance(again, Forest) and again.kind == "multilabel"
    values, spread = again.predict(x[200:])
    np.testing.assert_allclose(values, forest.predict(x[200:])[0])
    known = ~np.isnan(labels[:200, 1])  # the second target's forest saw only the rows where it is known
    rf = RandomForestClassifier(n_estimators=20, min_samples_leaf=1, random_state=1,
                                class_weight="balanced").fit(x[:200][known], labels[:200][known, 1])
    np.testing.assert_allclose(values[:, 1], rf.predict_proba(x[200:])[:, 1], atol=1e-6)
    assert values.shape == spread.shape == (100, 2) and (spread >= 0).all()


def test_one_class_target_predicts_its_frequency(bits, tmp_path):
    x, _ = bits
    forest = fit_forest(x[:50], np.ones((50, 1)), "binary", n_estimators=5, n_jobs=1)
    forest.save(tmp_path / "f.safetensors")
    np.testing.assert_allclose(load_forest(tmp_path / "f.safetensors").predict(x[:3])[0], 1.0)

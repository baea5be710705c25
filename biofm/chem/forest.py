"""Random forests on Morgan fingerprints (ECFP4: radius 2, 2048 bits), stored as plain tree arrays, not pickles.

scikit-learn fits the forest; :func:`forest_arrays` exports each tree's ``children_left``, ``children_right``,
``feature``, ``threshold`` and leaf ``value`` (scikit-learn's ``tree_`` arrays, concatenated over the trees of a
target); :class:`TreeArrays` predicts from those arrays with vectorised numpy, equal to scikit-learn's
``predict`` (regression) and ``predict_proba[:, 1]`` (classification). One forest per target, fitted on the rows
where that target is known, so Tox21's missing labels are masked, never imputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FOREST_FILE = "forest.safetensors"
# size-bounded defaults (each shipped forest file <= 3 MB): trees per target and the smallest leaf
N_TREES = {"regression": 200, "binary": 300, "multilabel": 70}
MIN_LEAF = {"regression": 2, "binary": 2, "multilabel": 5}
CLASS_WEIGHT = "balanced"


@dataclass
class TreeArrays:
    """The trees of one target's forest, concatenated. ``left``/``right`` are indices within the node's own tree
    (int16 where every tree has under 32767 nodes), ``roots`` each tree's first node; ``left == -1`` marks a leaf.

    ``value`` holds the regression value, or the fraction of class 1 in the leaf (a classifier); ``constant`` is
    used instead of the trees when the target had one class only in training (its frequency of class 1)."""

    roots: np.ndarray  # [n_trees] int32
    left: np.ndarray  # [n_nodes] int16 / int32, within the tree
    right: np.ndarray  # [n_nodes] int16 / int32
    feature: np.ndarray  # [n_nodes] int16 (2048 bits fit)
    threshold: np.ndarray  # [n_nodes] float16 (Morgan bits split at 0.5: exact)
    value: np.ndarray  # [n_nodes] float32
    constant: float | None = None

    def leaf_values(self, x: np.ndarray) -> np.ndarray:
        """[n_samples, n_trees] the value of the leaf each sample reaches in each tree (x: [n_samples, n_features])."""
        n = len(x)
        if self.constant is not None or not len(self.roots):
            return np.full((n, 1), self.constant if self.constant is not None else np.nan, np.float32)
        base = np.broadcast_to(self.roots.astype(np.int64)[None, :], (n, len(self.roots)))
        node = base.copy()
        rows = np.arange(n)[:, None]
        xs = np.asarray(x, dtype=np.float32)
        threshold = self.threshold.astype(np.float32)
        while True:
            inner = self.left[node] >= 0
            if not inner.any():
                break
            feat = self.feature[node].astype(np.int64)
            go_left = xs[rows, np.where(inner, feat, 0)] <= threshold[node]
            child = np.where(go_left, self.left[node], self.right[node]).astype(np.int64) + base
            node = np.where(inner, child, node)
        return self.value[node]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """[n_samples] the forest's mean over trees (scikit-learn's ``predict`` / ``predict_proba[:, 1]``)."""
        return self.leaf_values(x).astype(np.float64).mean(1)


def tree_arrays(estimator) -> TreeArrays:
    """Export a fitted scikit-learn RandomForestRegressor/Classifier (one output) as :class:`TreeArrays`."""
    lefts, rights, feats, thrs, vals, roots = [], [], [], [], [], []
    offset = 0
    classifier = hasattr(estimator, "classes_")
    for tree in estimator.estimators_:
        t = tree.tree_
        left, right = t.children_left.astype(np.int64), t.children_right.astype(np.int64)
        lefts.append(left)
        rights.append(right)
        feats.append(np.where(left >= 0, t.feature, 0))
        thrs.append(np.where(left >= 0, t.threshold, 0.0))
        v = t.value[:, 0, :]
        # classifiers: per-leaf class fractions (scikit-learn >= 1.4 stores fractions; normalise to be sure)
        vals.append(v[:, 1] / np.maximum(v.sum(1), 1e-12) if classifier else v[:, 0])
        roots.append(offset)
        offset += t.node_count
    thr = np.concatenate(thrs)
    thr16 = thr.astype(np.float16)
    if not np.array_equal(thr16.astype(np.float64), thr):
        raise ValueError("thresholds are not exact in float16: these features are not fingerprint bits")
    local = np.int16 if max(len(v) for v in lefts) < np.iinfo(np.int16).max else np.int32
    return TreeArrays(np.asarray(roots, np.int32), np.concatenate(lefts).astype(local),
                      np.concatenate(rights).astype(local), np.concatenate(feats).astype(np.int16), thr16,
                      np.concatenate(vals).astype(np.float32))


@dataclass
class Forest:
    """One random forest per target on Morgan fingerprints; :meth:`predict` -> values [n, targets] and the spread
    over trees (the standard deviation of the trees' leaf values, a difficulty estimate for conformal intervals)."""

    kind: str  # regression | binary | multilabel
    targets: list[TreeArrays]

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = np.zeros((len(x), len(self.targets)), np.float64)
        spread = np.zeros_like(values)
        for j, t in enumerate(self.targets):
            leaves = t.leaf_values(x).astype(np.float64)
            values[:, j], spread[:, j] = leaves.mean(1), leaves.std(1)
        return values, spread

    def save(self, path: str | Path) -> None:
        from safetensors.numpy import save_file

        tensors, consts = {}, {}
        for j, t in enumerate(self.targets):
            if t.constant is not None:
                consts[str(j)] = t.constant
                continue
            for name in ("roots", "left", "right", "feature", "threshold", "value"):
                tensors[f"{j}.{name}"] = np.ascontiguousarray(getattr(t, name))
        import json

        save_file(tensors, str(path), metadata={"kind": self.kind, "n_targets": str(len(self.targets)),
                                                "constants": json.dumps(consts),
                                                "format": "biofm random forest on Morgan r2/2048 bits, v1"})


def fit_forest(x: np.ndarray, y: np.ndarray, kind: str, seed: int = 13, n_estimators: int | None = None,
               min_samples_leaf: int | None = None, n_jobs: int = 2) -> Forest:
    """Fit one scikit-learn random forest per target on the rows where it is known (``y`` NaN = missing).

    Classifiers use ``class_weight="balanced"`` (Tox21 and HIV are heavily imbalanced); a target with one class
    only in training predicts that class's frequency."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    n_estimators = n_estimators or N_TREES.get(kind, 200)
    min_leaf = min_samples_leaf or MIN_LEAF.get(kind, 2)
    y = np.asarray(y, dtype=np.float64)
    out = []
    for j in range(y.shape[1]):
        known = ~np.isnan(y[:, j])
        xs, ys = x[known], y[known, j]
        if kind == "regression":
            est = RandomForestRegressor(n_estimators=n_estimators, min_samples_leaf=min_leaf, n_jobs=n_jobs,
                                        random_state=seed).fit(xs, ys)
        elif len(set(ys)) == 2:
            est = RandomForestClassifier(n_estimators=n_estimators, min_samples_leaf=min_leaf, n_jobs=n_jobs,
                                         random_state=seed, class_weight=CLASS_WEIGHT).fit(xs, ys)
        else:
            out.append(TreeArrays(*(np.zeros(0, dt) for dt in (np.int32, np.int32, np.int32, np.int16, np.float16,
                                                                np.float32)),
                                  constant=float(ys.mean()) if len(ys) else 0.5))
            continue
        out.append(tree_arrays(est))
    return Forest(kind, out)


def load_forest(path: str | Path) -> Forest:
    """A forest written by :meth:`Forest.save` (safetensors; no pickle)."""
    path = Path(path)
    return _load(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, mtime: int) -> Forest:
    import json

    from safetensors import safe_open

    with safe_open(path, "numpy") as f:
        meta = f.metadata()
        consts = json.loads(meta.get("constants", "{}"))
        targets = []
        for j in range(int(meta["n_targets"])):
            if str(j) in consts:
                targets.append(TreeArrays(*(np.zeros(0, dt) for dt in (np.int32, np.int32, np.int32, np.int16,
                                                                        np.float16, np.float32)),
                                          constant=float(consts[str(j)])))
            else:
                targets.append(TreeArrays(*(f.get_tensor(f"{j}.{n}") for n in ("roots", "left", "right", "feature",
                                                                                 "threshold", "value"))))
    return Forest(meta["kind"], targets)


def forest_for(smiles: Sequence[str], y: np.ndarray, kind: str, seed: int = 13) -> tuple[Forest, np.ndarray]:
    """Fingerprints and a forest fitted on them (the training helper)."""
    from biofm.chem.features import morgan_matrix

    x = morgan_matrix(smiles)
    return fit_forest(x, y, kind, seed), x

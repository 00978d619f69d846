"""Examples of the neighbours model types (tests/model_examples.py)."""

import numpy as np
from model_examples import Example, rng

from skaccel.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    LocalOutlierFactor,
    NearestNeighbors,
)


def points(n=240, p=5, seed=0, dtype=np.float64):
    r = rng(seed)
    X = r.standard_normal((n, p)) * r.uniform(0.5, 3.0, p) + r.uniform(-20, 20, p)
    return X.astype(dtype), r


def _nn_f64_auto():
    X, _ = points()
    return NearestNeighbors(n_neighbors=6).fit(X), X[:40] + 0.1


def _nn_f32_brute():
    X, _ = points(seed=1, p=20, dtype=np.float32)
    return NearestNeighbors(n_neighbors=3, algorithm="brute").fit(X), X[::7] * np.float32(0.9)


def _knc_str_labels_distance():
    X, r = points(seed=2)
    y = np.array(["amber", "blue", "cyan"])[r.integers(0, 3, X.shape[0])]
    model = KNeighborsClassifier(n_neighbors=7, weights="distance").fit(X, y)
    return model, X[:50] + 0.2


def _knc_f32_int_labels_kd_tree():
    X, r = points(seed=3, p=3, dtype=np.float32)
    y = r.integers(-2, 3, X.shape[0])
    return KNeighborsClassifier(n_neighbors=5, algorithm="kd_tree").fit(X, y), X[:30]


def _knr_two_targets_distance():
    X, r = points(seed=4)
    Y = np.stack([X @ r.standard_normal(X.shape[1]), r.standard_normal(X.shape[0])], axis=1)
    return KNeighborsRegressor(n_neighbors=4, weights="distance").fit(X, Y), X[:40] + 0.3


def _knr_f32_one_target():
    X, r = points(seed=5, dtype=np.float32)
    y = X[:, 0] * 2.0 + r.standard_normal(X.shape[0])  # float64 targets
    return KNeighborsRegressor(n_neighbors=9).fit(X, y), X[:40] - np.float32(0.1)


# The Minkowski family's metrics without parameters (the core's kd-tree and brute force by
# them; a minkowski of another p keeps it in effective_metric_params_, which model files
# refuse).
def _nn_f64_manhattan_kd_tree():
    X, _ = points(n=1500, p=4, seed=9)
    model = NearestNeighbors(n_neighbors=5, metric="manhattan", algorithm="kd_tree").fit(X)
    return model, X[:60] + 0.25


def _knc_f32_chebyshev_brute():
    X, r = points(seed=10, p=7, dtype=np.float32)
    y = r.integers(0, 4, X.shape[0])
    model = KNeighborsClassifier(n_neighbors=6, metric="chebyshev", algorithm="brute").fit(X, y)
    return model, X[:40] * np.float32(1.05)


def _knr_f64_cityblock_distance():
    X, r = points(seed=11, p=3)
    y = X @ r.standard_normal(3)
    model = KNeighborsRegressor(n_neighbors=5, metric="cityblock", weights="distance").fit(X, y)
    return model, X[:40] - 0.2


def _lof_f32_manhattan():
    X, _ = points(n=300, p=5, seed=12, dtype=np.float32)
    return LocalOutlierFactor(n_neighbors=9, p=1, novelty=True).fit(X), X[::6] + np.float32(0.4)


# LocalOutlierFactor's methods score new rows only for novelty detection, so its examples
# are novelty models (a novelty=False model holds the same fields: tests/neighbors/test_lof.py).
def _lof_f64_auto_kd_tree():
    X, r = points(n=300, p=4, seed=6)
    X[:40:2] += r.standard_normal((20, 4)) * 8.0  # some outliers
    return LocalOutlierFactor(n_neighbors=12, novelty=True).fit(X), X[:50] * 0.95 + 0.2


def _lof_f32_brute_contamination():
    X, _ = points(n=260, p=12, seed=7, dtype=np.float32)
    model = LocalOutlierFactor(algorithm="brute", contamination=0.1, novelty=True).fit(X)
    return model, X[::5] + np.float32(0.3)


def _lof_f64_few_rows_duplicates():
    X, _ = points(n=14, p=3, seed=8)
    X[3] = X[4] = X[5]
    return LocalOutlierFactor(n_neighbors=30, novelty=True, leaf_size=3).fit(X), X[::-2] + 0.5


EXAMPLES = [
    Example("NearestNeighbors", "f64_auto", _nn_f64_auto),
    Example("NearestNeighbors", "f32_brute", _nn_f32_brute),
    Example("KNeighborsClassifier", "str_labels_distance", _knc_str_labels_distance),
    Example("KNeighborsClassifier", "f32_int_labels_kd_tree", _knc_f32_int_labels_kd_tree),
    Example("KNeighborsRegressor", "two_targets_distance", _knr_two_targets_distance),
    Example("KNeighborsRegressor", "f32_one_target", _knr_f32_one_target),
    Example("LocalOutlierFactor", "f64_auto_kd_tree", _lof_f64_auto_kd_tree),
    Example("LocalOutlierFactor", "f32_brute_contamination", _lof_f32_brute_contamination),
    Example("LocalOutlierFactor", "f64_few_rows_duplicates", _lof_f64_few_rows_duplicates),
    Example("NearestNeighbors", "f64_manhattan_kd_tree", _nn_f64_manhattan_kd_tree),
    Example("KNeighborsClassifier", "f32_chebyshev_brute", _knc_f32_chebyshev_brute),
    Example("KNeighborsRegressor", "f64_cityblock_distance", _knr_f64_cityblock_distance),
    Example("LocalOutlierFactor", "f32_manhattan", _lof_f32_manhattan),
]

CHECKS = [
    NearestNeighbors(),
    NearestNeighbors(n_neighbors=2, algorithm="kd_tree"),
    KNeighborsClassifier(),
    KNeighborsClassifier(n_neighbors=3, weights="distance", algorithm="brute"),
    KNeighborsRegressor(),
    KNeighborsRegressor(n_neighbors=3, weights="distance"),
    LocalOutlierFactor(),
    LocalOutlierFactor(novelty=True),
    LocalOutlierFactor(n_neighbors=5, contamination=0.2, algorithm="brute", novelty=True),
    NearestNeighbors(metric="manhattan"),
    KNeighborsClassifier(p=1, algorithm="brute"),
    KNeighborsRegressor(metric="chebyshev", weights="distance"),
    KNeighborsRegressor(p=3, algorithm="kd_tree"),
]


def EXPECTED_FAILED_CHECKS(estimator):  # noqa: N802 - the name model_examples reads
    """scikit-learn's own estimators of these metrics fail the same sparse checks (sparse
    X runs scikit-learn's code whole)."""
    params = estimator.get_params()
    metric, p = params.get("metric"), params.get("p")
    manhattan = metric in ("manhattan", "cityblock", "l1") or (metric == "minkowski" and p == 1)
    if manhattan and isinstance(estimator, (KNeighborsClassifier, KNeighborsRegressor)):
        reason = (
            "scikit-learn's own brute force of the manhattan metric refuses sparse X of "
            "int64 indices (Buffer dtype mismatch)"
        )
        return {"check_estimator_sparse_array": reason, "check_estimator_sparse_matrix": reason}
    if metric == "chebyshev" or (metric == "minkowski" and p not in (1, 2)):
        return {
            "check_estimator_sparse_tag": (
                f"scikit-learn's own estimator refuses sparse X for this metric ({metric}, "
                f"p={p}) though its tags say sparse"
            )
        }
    return {}

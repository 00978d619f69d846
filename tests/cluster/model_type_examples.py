"""Examples of the cluster model types (tests/model_examples.py)."""

import numpy as np
from model_examples import Example, rng

from skaccel.cluster import DBSCAN, KMeans


def blobs(n=300, p=4, k=5, seed=0):
    """k overlapping blobs far from the origin, positive weights."""
    r = rng(seed)
    centers = r.uniform(-6.0, 6.0, (k, p))
    X = centers[r.integers(0, k, n)] + r.standard_normal((n, p)) + r.uniform(50, 150, p)
    return X, r.uniform(0.5, 2.0, n)


def _kmeans_init_array_weighted():
    # init as rows of numbers (an array-like: the model file stores it as nested lists).
    X, w = blobs()
    return KMeans(n_clusters=5, init=X[:5].tolist(), n_init=1).fit(X, sample_weight=w), X


def _kmeans_f32_plusplus():
    X, _ = blobs(seed=1)
    X = X.astype(np.float32)
    return KMeans(n_clusters=4, n_init=3, random_state=0).fit(X), X


def _kmeans_random_elkan_tol():
    X, _ = blobs(seed=2, p=3)
    model = KMeans(n_clusters=6, init="random", algorithm="elkan", tol=1e-2, random_state=3)
    return model.fit(X), X


def _dbscan_weighted_kd_tree():
    X, w = blobs(n=400, p=3, k=4, seed=3)
    return DBSCAN(eps=0.8, min_samples=6).fit(X, sample_weight=w), X


def _dbscan_f32_brute():
    X, _ = blobs(n=300, p=5, k=3, seed=4)
    return DBSCAN(eps=1.5, min_samples=4, algorithm="brute").fit(X.astype(np.float32)), X


def _dbscan_f32_no_core_rows():
    # No core sample: components_ is float64 (0, n_features) whatever X's dtype, as in
    # scikit-learn, and every label is -1.
    X, _ = blobs(n=50, p=2, k=2, seed=5)
    return DBSCAN(eps=1e-3, min_samples=3).fit(X.astype(np.float32)), X


def _dbscan_wide_tree_arithmetic():
    X, _ = blobs(n=300, p=12, k=3, seed=6)
    return DBSCAN(eps=4.0, algorithm="kd_tree", leaf_size=10).fit(X), X


EXAMPLES = [
    Example("KMeans", "f64_init_array_weighted", _kmeans_init_array_weighted),
    Example("KMeans", "f32_kmeans_plusplus", _kmeans_f32_plusplus),
    Example("KMeans", "f64_random_elkan_tol", _kmeans_random_elkan_tol),
    Example("DBSCAN", "f64_weighted_kd_tree", _dbscan_weighted_kd_tree),
    Example("DBSCAN", "f32_brute", _dbscan_f32_brute),
    Example("DBSCAN", "f32_no_core_rows", _dbscan_f32_no_core_rows),
    Example("DBSCAN", "f64_wide_tree_arithmetic", _dbscan_wide_tree_arithmetic),
]

CHECKS = [
    KMeans(),
    KMeans(n_clusters=3, init="random", n_init=2, random_state=0),
    KMeans(algorithm="elkan", max_iter=5),
    DBSCAN(),
    DBSCAN(eps=2.0, min_samples=3, algorithm="brute"),
]

# scikit-learn lists the same for its KMeans (sklearn/utils/_test_common/instance_generator.py).
_WEIGHTS_ARE_NOT_REPETITIONS = "sample_weight is not equivalent to removing/repeating samples."
EXPECTED_FAILED_CHECKS = {
    "KMeans": {
        "check_sample_weight_equivalence_on_dense_data": _WEIGHTS_ARE_NOT_REPETITIONS,
        "check_sample_weight_equivalence_on_sparse_data": _WEIGHTS_ARE_NOT_REPETITIONS,
    },
}

"""Examples of the cluster model types (tests/model_examples.py)."""

import numpy as np
from model_examples import Example, rng

from skaccel.cluster import KMeans


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


EXAMPLES = [
    Example("KMeans", "f64_init_array_weighted", _kmeans_init_array_weighted),
    Example("KMeans", "f32_kmeans_plusplus", _kmeans_f32_plusplus),
    Example("KMeans", "f64_random_elkan_tol", _kmeans_random_elkan_tol),
]

CHECKS = [
    KMeans(),
    KMeans(n_clusters=3, init="random", n_init=2, random_state=0),
    KMeans(algorithm="elkan", max_iter=5),
]

# scikit-learn lists the same for its KMeans (sklearn/utils/_test_common/instance_generator.py).
_WEIGHTS_ARE_NOT_REPETITIONS = "sample_weight is not equivalent to removing/repeating samples."
EXPECTED_FAILED_CHECKS = {
    "KMeans": {
        "check_sample_weight_equivalence_on_dense_data": _WEIGHTS_ARE_NOT_REPETITIONS,
        "check_sample_weight_equivalence_on_sparse_data": _WEIGHTS_ARE_NOT_REPETITIONS,
    },
}

"""skaccel.cluster.KMeans against scikit-learn's KMeans: the same init gives the same labels,
n_iter_ and (within roundoff) centers and inertia, for every layout of X, weights, float32
and float64; relocation of empty clusters; fallbacks logged; scikit-learn's errors."""

import logging

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.cluster import KMeans as SklearnKMeans

from skaccel.cluster import KMeans


def blobs(n, p, k, seed):
    """k overlapping blobs far from the origin, positive weights."""
    r = np.random.default_rng(seed)
    centers = r.uniform(-6.0, 6.0, (k, p))
    X = centers[r.integers(0, k, n)] + r.standard_normal((n, p)) + r.uniform(50, 150, p)
    return X, r.uniform(0.5, 2.0, n)


def _layouts(X):
    F = np.asfortranarray(X)
    wide = np.zeros((X.shape[0], 2 * X.shape[1]), dtype=X.dtype)
    wide[:, ::2] = X
    read_only = X.copy()
    read_only.flags.writeable = False
    return {
        "C": X,
        "F": F,
        "reversed-rows": np.ascontiguousarray(X[::-1])[::-1],
        "every-other-column": wide[:, ::2],
        "read-only": read_only,
    }


def _pair(X, sample_weight=None, **params):
    ours = KMeans(**params).fit(X, sample_weight=sample_weight)
    theirs = SklearnKMeans(**params).fit(np.ascontiguousarray(X), sample_weight=sample_weight)
    return ours, theirs


def _assert_same(ours, theirs, rtol):
    assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.labels_.dtype == theirs.labels_.dtype == np.int32
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.cluster_centers_.dtype == theirs.cluster_centers_.dtype
    assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=rtol, atol=rtol)
    assert_allclose(ours.inertia_, theirs.inertia_, rtol=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("layout", ["C", "F", "reversed-rows", "every-other-column", "read-only"])
def test_same_init_array_gives_scikit_learns_model(dtype, weighted, layout):
    X, w = blobs(n=2000, p=5, k=6, seed=4)
    X = X.astype(dtype)
    init = X[:6].copy()
    ours, theirs = _pair(
        _layouts(X)[layout], sample_weight=w if weighted else None, n_clusters=6, init=init
    )
    _assert_same(ours, theirs, 1e-4 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_seeded_inits_give_scikit_learns_model(init):
    X, _ = blobs(n=1500, p=4, k=5, seed=5)
    ours, theirs = _pair(X, n_clusters=5, init=init, n_init=3, random_state=7)
    _assert_same(ours, theirs, 1e-10)


def test_empty_cluster_is_relocated_as_scikit_learn_does():
    X = np.array([[-1.0], [1.0], [1.1], [5.0]])
    init = np.array([[-1.0], [10.0], [20.0]])  # two centers far from every row
    ours, theirs = _pair(X, n_clusters=3, init=init)
    _assert_same(ours, theirs, 1e-12)
    assert len(set(ours.labels_)) == 3


def test_predict_transform_score_and_fit_transform_match_scikit_learn():
    X, _ = blobs(n=1000, p=3, k=4, seed=6)
    ours, theirs = _pair(X, n_clusters=4, init=X[:4].copy())
    Q = blobs(n=300, p=3, k=4, seed=7)[0][::-1]
    assert_array_equal(ours.predict(Q), theirs.predict(Q))
    assert ours.predict(Q).dtype == np.int32
    assert_allclose(ours.transform(Q), theirs.transform(Q), rtol=1e-10)
    assert_allclose(ours.score(Q), theirs.score(Q), rtol=1e-10)
    assert_allclose(
        KMeans(n_clusters=4, init=X[:4].copy()).fit_transform(X), theirs.transform(X), rtol=1e-10
    )
    assert_array_equal(np.diag(ours.transform(ours.cluster_centers_)), 0.0)


def test_thread_counts_agree_within_roundoff():
    X, _ = blobs(n=40000, p=4, k=5, seed=8)
    one = KMeans(n_clusters=5, init=X[:5].copy(), n_jobs=1).fit(X)
    two = KMeans(n_clusters=5, init=X[:5].copy(), n_jobs=2).fit(X)
    assert_array_equal(one.labels_, two.labels_)
    assert_allclose(one.cluster_centers_, two.cluster_centers_, rtol=1e-12)


def test_elkan_is_served_by_lloyd_and_fallbacks_are_logged(caplog):
    X, _ = blobs(n=200, p=2, k=3, seed=9)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        KMeans(n_clusters=3, algorithm="elkan", random_state=0).fit(X)
    assert "served by Lloyd" in caplog.text and "running on the skaccel C++ core" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        KMeans(n_clusters=3, init=lambda X, k, random_state: X[:k], n_init=1).fit(X)
    assert "falling back to scikit-learn: a callable init" in caplog.text


def test_errors_are_scikit_learns():
    X, _ = blobs(n=5, p=2, k=2, seed=1)
    for estimator in (KMeans, SklearnKMeans):
        with pytest.raises(ValueError, match=r"n_samples=5 should be >= n_clusters=6"):
            estimator(n_clusters=6).fit(X)
        with pytest.raises(ValueError, match="The shape of the initial centers"):
            estimator(n_clusters=2, init=np.zeros((2, 3))).fit(X)
        Xnan = X.copy()
        Xnan[0, 0] = np.nan
        with pytest.raises(ValueError, match="Input X contains NaN"):
            estimator(n_clusters=2).fit(Xnan)

"""skaccel.cluster.DBSCAN against scikit-learn's DBSCAN: the same labels_,
core_sample_indices_ and components_ (dtypes included) for every algorithm's arithmetic,
layout of X, weights, float32 and float64, including rows at exactly eps and within
roundoff of it; fallbacks logged; scikit-learn's errors."""

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.cluster import DBSCAN as SklearnDBSCAN

from skaccel.cluster import DBSCAN


def blobs(n, p, k, seed, spread=1.0):
    r = np.random.default_rng(seed)
    centers = r.uniform(-6.0, 6.0, (k, p))
    X = centers[r.integers(0, k, n)] + spread * r.standard_normal((n, p)) + r.uniform(-50, 50, p)
    return X, r.uniform(0.5, 2.0, n)


def _layouts(X):
    wide = np.zeros((X.shape[0], 2 * X.shape[1]), dtype=X.dtype)
    wide[:, ::2] = X
    read_only = X.copy()
    read_only.flags.writeable = False
    return {
        "C": X,
        "F": np.asfortranarray(X),
        "negative-row-stride": np.ascontiguousarray(X[::-1])[::-1],
        "every-other-column": wide[:, ::2],
        "read-only": read_only,
    }


def _assert_same(ours, theirs):
    assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.labels_.dtype == theirs.labels_.dtype
    assert_array_equal(ours.core_sample_indices_, theirs.core_sample_indices_)
    assert ours.core_sample_indices_.dtype == theirs.core_sample_indices_.dtype
    dense = (lambda a: a.toarray()) if sp.issparse(theirs.components_) else np.asarray
    assert_array_equal(dense(ours.components_), dense(theirs.components_))
    assert ours.components_.dtype == theirs.components_.dtype
    assert ours.components_.shape == theirs.components_.shape
    assert ours.n_features_in_ == theirs.n_features_in_


def _pair(X, sample_weight=None, **params):
    ours = DBSCAN(**params).fit(X, sample_weight=sample_weight)
    theirs = SklearnDBSCAN(**params).fit(np.ascontiguousarray(X), sample_weight=sample_weight)
    _assert_same(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ["auto", "kd_tree", "ball_tree", "brute"])
@pytest.mark.parametrize("p", [2, 3, 12, 20])
def test_same_clusters_as_scikit_learn(dtype, algorithm, p):
    X, _ = blobs(n=1500, p=p, k=5, seed=p)
    eps = {2: 0.3, 3: 0.5, 12: 3.0, 20: 4.5}[p]
    ours, _ = _pair(X.astype(dtype), eps=eps, min_samples=5, algorithm=algorithm)
    labels = set(ours.labels_.tolist())
    assert len(labels - {-1}) >= 2 and -1 in labels  # clusters, border rows and noise


@pytest.mark.parametrize("layout", list(_layouts(np.zeros((1, 1)))))
@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
def test_every_layout(layout, algorithm):
    X, _ = blobs(n=800, p=4, k=4, seed=11)
    _pair(_layouts(X)[layout], eps=0.9, min_samples=4, algorithm=algorithm)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
def test_sample_weight(dtype, algorithm):
    X, w = blobs(n=1000, p=3, k=4, seed=12)
    w = np.round(w * 4) / 4  # sums exact in any order (see the class docstring)
    w[::7] = 0.0
    w[::11] = -1.0  # a negative weight can keep a neighbour from being core
    _pair(X.astype(dtype), sample_weight=w, eps=0.6, min_samples=5, algorithm=algorithm)
    # A row of weight ≥ min_samples is core by itself.
    heavy = np.ones(len(X))
    heavy[3] = 10.0
    ours, _ = _pair(X, sample_weight=heavy, eps=1e-6, min_samples=10, algorithm=algorithm)
    assert_array_equal(ours.core_sample_indices_, [3])


@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
@pytest.mark.parametrize("scale", [1.0, 0.1, 0.3, 1e-3, 7.0])
def test_rows_at_eps(algorithm, scale):
    """A grid whose neighbours lie at exactly eps (scale 1) or within roundoff of it: the
    rows kept are those each of scikit-learn's arithmetics keeps."""
    g = np.arange(12) * scale
    X = np.stack(np.meshgrid(g, g, g), axis=-1).reshape(-1, 3) + 5.0 * scale
    for min_samples in (2, 5, 7, 8):
        _pair(X, eps=scale, min_samples=min_samples, algorithm=algorithm)
        _pair(X, eps=scale * np.sqrt(2.0), min_samples=min_samples, algorithm=algorithm)


@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
@pytest.mark.parametrize("scale", [1.1, 0.3, 7.0])
def test_float32_rows_at_eps(algorithm, scale):
    """float32 grids with neighbours at exactly eps: scikit-learn's float32 brute force
    squares eps in float32 (for 1.1 below the exact square: those rows fall out), its
    trees in double (they stay)."""
    d = np.float32(scale)
    g = np.arange(8, dtype=np.float32) * d
    X = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    for min_samples in (2, 4, 5):
        _pair(X, eps=float(d), min_samples=min_samples, algorithm=algorithm)
    if scale == 1.1:
        # Row 0, (0, 0), has (d, 0) and (0, d) at exactly d² by either arithmetic.
        labels = DBSCAN(eps=float(d), min_samples=2, algorithm=algorithm).fit(X).labels_
        assert (labels[0] == -1) == (algorithm == "brute")


def test_duplicates_and_extremes():
    X, _ = blobs(n=300, p=3, k=3, seed=13)
    X = np.vstack([X, X[:50], np.full((5, 3), 1e8)])
    for algorithm in ("kd_tree", "brute", "auto"):
        _pair(X, eps=0.5, min_samples=3, algorithm=algorithm)
        _pair(X, eps=1e12, min_samples=3, algorithm=algorithm)  # one cluster
        _pair(X, eps=0.5, min_samples=1, algorithm=algorithm)  # every row core
    ours, _ = _pair(X, eps=1e-9, min_samples=3)
    assert ours.components_.dtype == np.float64  # (duplicates are core)


@pytest.mark.parametrize("n", [1, 2, 11, 12, 13])
def test_few_rows(n):
    """algorithm='auto' takes brute force below 12 rows (scikit-learn's NearestNeighbors
    with its 5 neighbours), a tree from 12 on."""
    X, _ = blobs(n=n, p=2, k=1, seed=14, spread=0.3)
    _pair(X.astype(np.float32), eps=0.4, min_samples=2)


def test_no_core_rows_components_float64():
    X, _ = blobs(n=40, p=3, k=2, seed=15)
    ours, _ = _pair(X.astype(np.float32), eps=1e-4, min_samples=2)
    assert ours.components_.shape == (0, 3)
    assert (ours.labels_ == -1).all()


def test_fit_predict_threads_and_frames():
    pd = pytest.importorskip("pandas")
    X, _ = blobs(n=2000, p=3, k=5, seed=16)
    labels = DBSCAN(eps=0.5, n_jobs=1).fit_predict(X)
    assert_array_equal(labels, DBSCAN(eps=0.5, n_jobs=2).fit(X).labels_)
    assert_array_equal(labels, SklearnDBSCAN(eps=0.5).fit_predict(X))
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    ours = DBSCAN(eps=0.5).fit(frame[["c", "a", "b"]])
    theirs = SklearnDBSCAN(eps=0.5).fit(frame[["c", "a", "b"]])
    _assert_same(ours, theirs)
    assert_array_equal(ours.feature_names_in_, ["c", "a", "b"])


@pytest.mark.parametrize(
    "params, X_kind, reason",
    [
        ({"metric": "manhattan"}, "dense", "metric 'manhattan'"),
        ({"metric": "minkowski", "p": 3}, "dense", "metric 'minkowski'"),
        ({"metric": "minkowski", "p": 2, "metric_params": {"w": np.ones(3)}}, "dense", "minkowski"),
        ({"metric": lambda a, b: np.abs(a - b).sum()}, "dense", "metric <function"),
        ({"metric": "precomputed"}, "precomputed", "metric 'precomputed'"),
        ({}, "sparse", "sparse input"),
        ({}, "huge-int", "int64 X beyond exact float64 squared distances"),
    ],
)
def test_fallbacks_are_logged_and_equal(params, X_kind, reason, caplog):
    X, _ = blobs(n=200, p=3, k=3, seed=17)
    if X_kind == "precomputed":
        from sklearn.metrics import pairwise_distances

        X = pairwise_distances(X)
    elif X_kind == "sparse":
        X = sp.csr_matrix(X)
    elif X_kind == "huge-int":
        X = np.round(X * 2**24).astype(np.int64)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = DBSCAN(eps=1.0, **params).fit(X)
    assert "falling back to scikit-learn" in caplog.text and reason in caplog.text
    _assert_same(ours, SklearnDBSCAN(eps=1.0, **params).fit(X))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int16, bool])
@pytest.mark.parametrize("algorithm", ["auto", "kd_tree", "brute"])
def test_integer_and_boolean_X(dtype, algorithm, tmp_path):
    """Searched as float64 (exact), components_ in X's dtype; model files take int32 and
    int64 components_ and refuse the others with the reason."""
    import skaccel

    r = np.random.default_rng(21)
    X = r.integers(0, 2 if dtype is bool else 6, (300, 3)).astype(dtype)
    ours, _ = _pair(X, eps=1.0, min_samples=4, algorithm=algorithm)
    _pair(X[:6], eps=2.0, min_samples=2, algorithm=algorithm)  # auto: brute force
    if np.dtype(dtype).name in ("int32", "int64"):
        skaccel.save(ours, tmp_path / "m.skm")
        loaded = skaccel.load(tmp_path / "m.skm")
        assert_array_equal(loaded.components_, ours.components_)
        assert loaded.components_.dtype == ours.components_.dtype
    else:
        with pytest.raises(Exception, match="components_ of dtype"):
            skaccel.save(ours, tmp_path / "m.skm")


def test_core_runs_and_is_logged(caplog):
    X, _ = blobs(n=200, p=3, k=3, seed=18)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        DBSCAN(eps=1.0, metric="minkowski", p=2).fit(X)
    assert "DBSCAN.fit: running on the skaccel C++ core" in caplog.text
    assert "tree neighbourhoods" in caplog.text


@pytest.mark.parametrize(
    "params, X",
    [
        ({"eps": 0.0}, None),
        ({"eps": -1.0}, None),
        ({"min_samples": 0}, None),
        ({"leaf_size": 0}, None),
        ({"algorithm": "bogus"}, None),
        ({}, np.array([[0.0, np.nan], [1.0, 2.0]])),
        ({}, np.array([[0.0, np.inf], [1.0, 2.0]])),
        ({}, np.zeros((0, 3))),
        ({}, np.zeros(5)),
    ],
)
def test_errors_are_scikit_learns(params, X):
    if X is None:
        X = blobs(n=20, p=2, k=1, seed=19)[0]
    with pytest.raises(Exception) as theirs:
        SklearnDBSCAN(**params).fit(X)
    with pytest.raises(type(theirs.value)) as ours:
        DBSCAN(**params).fit(X)
    assert str(ours.value) == str(theirs.value)


def test_sample_weight_errors_are_scikit_learns():
    X = blobs(n=20, p=2, k=1, seed=20)[0]
    for w in (np.ones(19), np.ones((20, 2)), np.full(20, np.nan)):
        with pytest.raises(Exception) as theirs:
            SklearnDBSCAN().fit(X, sample_weight=w)
        with pytest.raises(type(theirs.value)) as ours:
            DBSCAN().fit(X, sample_weight=w)
        assert str(ours.value) == str(theirs.value)


def test_small_integer_example():
    """scikit-learn-intelex's example (its test_sklearnex_import_dbscan): integer X, six
    rows (algorithm='auto' is brute force), two clusters and one noise row."""
    X = np.array([[1, 2], [2, 2], [2, 3], [8, 7], [8, 8], [25, 80]])
    ours = DBSCAN(eps=3, min_samples=2).fit(X)
    assert_array_equal(ours.labels_, [0, 0, 0, 1, 1, -1])
    _assert_same(ours, SklearnDBSCAN(eps=3, min_samples=2).fit(X))

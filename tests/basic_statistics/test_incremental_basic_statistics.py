"""IncrementalBasicStatistics: BasicStatistics on all data seen, batch by batch."""

import logging
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skaccel.basic_statistics import RESULT_OPTIONS, BasicStatistics, IncrementalBasicStatistics


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((301, 5)) * rng.uniform(0.5, 4, 5) + rng.uniform(-10, 10, 5)
    w = rng.uniform(0.1, 3.0, 301)
    return X, w


def assert_same_statistics(a, b, rtol, options=RESULT_OPTIONS):
    for name in options:
        x, y = getattr(a, name + "_"), getattr(b, name + "_")
        assert x.dtype == y.dtype, name
        assert_allclose(x, y, rtol=rtol, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("batch_size", [None, 1, 7, 10_000])
def test_fit_equals_batch_estimator(data, dtype, weighted, batch_size):
    X, w = data
    X = X.astype(dtype)
    sw = w.astype(dtype) if weighted else None
    inc = IncrementalBasicStatistics(batch_size=batch_size).fit(X, sample_weight=sw)
    ref = BasicStatistics().fit(X, sample_weight=sw)
    assert_same_statistics(inc, ref, rtol=1e-11 if dtype == np.float64 else 2e-6)
    assert inc.n_samples_seen_ == X.shape[0]
    assert inc.batch_size_ == (batch_size or 5 * X.shape[1])
    assert inc._mean.dtype == inc._m2.dtype == inc._min.dtype == np.float64
    assert isinstance(inc._weight_sum, float)


def test_partial_fit_stream_keeps_every_moment(data):
    X, w = data
    inc = IncrementalBasicStatistics(result_options=["max"])
    bounds = [0, 1, 2, 40, 41, 200, len(X)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        inc.partial_fit(X[a:b], sample_weight=w[a:b])
        assert inc.n_samples_seen_ == b
        assert {k for k in vars(inc) if k.endswith("_") and not k.startswith("_")} == {
            "max_",
            "n_samples_seen_",
            "n_features_in_",
        }
    # result_options may change mid-stream: every moment was kept.
    inc.set_params(result_options="all")
    inc.partial_fit(X[:3], sample_weight=w[:3])
    ref = BasicStatistics().fit(np.vstack([X, X[:3]]), sample_weight=np.concatenate([w, w[:3]]))
    assert_same_statistics(inc, ref, rtol=1e-11)
    assert not hasattr(inc, "batch_size_")  # set by fit only


def test_zero_weight_batches(data):
    X, w = data
    inc = IncrementalBasicStatistics()
    inc.partial_fit(X[:10], sample_weight=np.zeros(10))  # no weight yet
    assert inc.n_samples_seen_ == 10
    assert np.isnan(inc.mean_).all() and np.isnan(inc.min_).all()
    assert_array_equal(inc.sum_, 0.0)
    inc.partial_fit(X[10:], sample_weight=w[10:])
    ref = BasicStatistics().fit(X[10:], sample_weight=w[10:])
    assert_same_statistics(inc, ref, rtol=1e-11)
    assert inc.n_samples_seen_ == len(X)


def test_exact_for_large_means():
    rng = np.random.default_rng(1)
    Z = rng.integers(-2, 3, size=(20_000, 2)).astype(np.float64)
    X = Z + np.array([1e8, -3e8])
    inc = IncrementalBasicStatistics(batch_size=1000).fit(X)
    exact = ((Z - Z.mean(0)) ** 2).sum(0)
    # Each batch is exact; each merge goes through float64 means (error eps·|mean|).
    assert_allclose(inc.sum_squares_centered_, exact, rtol=1e-9)
    assert_allclose(inc.variance_, exact / (len(Z) - 1), rtol=1e-9)


def test_errors(data, caplog):
    X, w = data
    inc = IncrementalBasicStatistics().partial_fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but IncrementalBasicStatistics"):
        inc.partial_fit(X[:, :3])
    Xnan = X[:10].copy()
    Xnan[2, 2] = np.nan
    before = inc.variance_.copy()
    with pytest.raises(ValueError, match="Input X contains NaN"):
        inc.partial_fit(Xnan)
    assert_array_equal(inc.variance_, before)
    assert inc.n_samples_seen_ == len(X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        inc.fit(np.vstack([X, Xnan]))
    assert not hasattr(inc, "_m2") and not hasattr(inc, "mean_")  # no half-fitted model
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        IncrementalBasicStatistics().partial_fit(X, sample_weight=-w)
    with pytest.raises(ValueError, match="batch_size"):
        IncrementalBasicStatistics(batch_size=0).fit(X)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        IncrementalBasicStatistics().partial_fit(X)
    assert "IncrementalBasicStatistics.partial_fit: running on the skaccel C++ core" in caplog.text


def test_matches_sklearnex(data):
    sklearnex_bs = pytest.importorskip("sklearnex.basic_statistics")
    X, _ = data
    # scikit-learn-intelex 2026.2 returns NaN centred statistics (variance_, ...) when a
    # batch has a single row (e.g. the last batch of fit); batch sizes here avoid that.
    for batch_size in (None, 100):
        ours = IncrementalBasicStatistics(batch_size=batch_size).fit(X[:300])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = sklearnex_bs.IncrementalBasicStatistics(batch_size=batch_size).fit(X[:300])
        assert_same_statistics(ours, theirs, rtol=1e-11)
        assert ours.n_samples_seen_ == theirs.n_samples_seen_
        assert ours.batch_size_ == theirs.batch_size_
    ours = IncrementalBasicStatistics()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sklearnex_bs.IncrementalBasicStatistics()
        for part in (X[:100], X[100:250], X[250:]):
            ours.partial_fit(part)
            theirs.partial_fit(part)
        assert_same_statistics(ours, theirs, rtol=1e-11)

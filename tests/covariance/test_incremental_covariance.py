"""IncrementalEmpiricalCovariance: the batch estimator on all data seen, batch by batch."""

import logging
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skaccel.covariance import EmpiricalCovariance, IncrementalEmpiricalCovariance


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((503, 5)) @ rng.standard_normal((5, 5)) + rng.uniform(-9, 9, 5)
    return X


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("assume_centered", [False, True])
@pytest.mark.parametrize("batch_size", [None, 1, 7, 1000])
def test_fit_equals_batch_estimator(data, dtype, assume_centered, batch_size):
    X = data.astype(dtype)
    inc = IncrementalEmpiricalCovariance(
        assume_centered=assume_centered, batch_size=batch_size, store_precision=True
    ).fit(X)
    ref = EmpiricalCovariance(assume_centered=assume_centered).fit(X)
    rtol = 1e-11 if dtype == np.float64 else 1e-5
    assert inc.location_.dtype == dtype
    assert inc.covariance_.dtype == inc.precision_.dtype == np.float64
    assert_allclose(inc.location_, ref.location_, rtol=rtol, atol=rtol)
    scale = np.abs(ref.covariance_).max()
    assert_allclose(inc.covariance_, ref.covariance_, rtol=rtol, atol=rtol * scale)
    assert_allclose(inc.precision_, ref.precision_, rtol=1e3 * rtol, atol=1e3 * rtol)
    assert inc.n_samples_seen_ == X.shape[0]
    assert inc.batch_size_ == (batch_size or 5 * X.shape[1])
    assert inc.n_features_in_ == X.shape[1]
    assert_allclose(inc.score(X[:20]), ref.score(X[:20]), rtol=1e3 * rtol)
    assert_allclose(inc.mahalanobis(X[:20]), ref.mahalanobis(X[:20]), rtol=1e3 * rtol)


def test_partial_fit_stream(data):
    inc = IncrementalEmpiricalCovariance()
    bounds = [0, 1, 2, 50, 51, 300, len(data)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        inc.partial_fit(data[a:b])
        ref = EmpiricalCovariance().fit(data[:b]) if b > 1 else None
        assert inc.n_samples_seen_ == b
        if ref is not None:
            assert_allclose(inc.covariance_, ref.covariance_, rtol=1e-11, atol=1e-11)
            assert_allclose(inc.location_, ref.location_, rtol=1e-12)
        assert inc.precision_ is None  # store_precision=False by default
        assert not hasattr(inc, "batch_size_")  # set by fit only
    # fit restarts the stream
    inc.fit(data[:10])
    assert inc.n_samples_seen_ == 10
    assert_allclose(inc.covariance_, EmpiricalCovariance().fit(data[:10]).covariance_, rtol=1e-12)


def test_exact_for_large_means():
    rng = np.random.default_rng(1)
    Z = rng.integers(-3, 4, size=(5000, 3)).astype(np.float64)
    X = Z + np.array([1e8, -1e8, 3e9])
    inc = IncrementalEmpiricalCovariance(batch_size=64).fit(X)
    # Each batch is exact; each merge adds f·δδᵀ, where δ, a difference of two float64
    # means of size |mean|, carries an absolute error of about eps·|mean| (7e-7 here):
    # the covariance stays within that of the truth, far from cancelling to noise.
    assert_allclose(inc.covariance_, np.cov(Z.T, bias=True), rtol=1e-9, atol=1e-7)
    single = IncrementalEmpiricalCovariance(batch_size=len(X)).fit(X)
    assert_allclose(single.covariance_, np.cov(Z.T, bias=True), rtol=1e-12, atol=1e-12)


def test_one_sample_warns_in_fit_only():
    X = np.arange(5.0).reshape(1, 5)
    with pytest.warns(UserWarning, match="Only one sample available"):
        IncrementalEmpiricalCovariance().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = IncrementalEmpiricalCovariance().partial_fit(X)
    assert_array_equal(model.covariance_, np.zeros((5, 5)))


def test_errors(data):
    inc = IncrementalEmpiricalCovariance().partial_fit(data)
    with pytest.raises(ValueError, match="X has 3 features, but IncrementalEmpiricalCovariance"):
        inc.partial_fit(data[:, :3])
    Xnan = data[:10].copy()
    Xnan[3, 2] = np.nan
    before = inc.covariance_.copy()
    with pytest.raises(ValueError, match="Input X contains NaN"):
        inc.partial_fit(Xnan)
    assert_array_equal(inc.covariance_, before)  # a refused batch changes nothing
    assert inc.n_samples_seen_ == len(data)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        inc.fit(np.vstack([data, Xnan]))
    assert not hasattr(inc, "covariance_")  # no half-fitted model
    with pytest.raises(TypeError, match="Sparse data was passed"):
        IncrementalEmpiricalCovariance().fit(sp.random(10, 3, density=0.5, format="csr"))
    with pytest.raises(ValueError, match="batch_size"):
        IncrementalEmpiricalCovariance(batch_size=0).fit(data)
    with pytest.raises(ValueError, match="copy"):
        IncrementalEmpiricalCovariance(copy="no").partial_fit(data)


def test_input_not_modified_and_logged(data, caplog):
    X = data.copy()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        IncrementalEmpiricalCovariance(copy=False).fit(X)
    assert_array_equal(X, data)
    assert "IncrementalEmpiricalCovariance.fit: running on the skaccel C++ core" in caplog.text


def test_matches_sklearnex(data):
    sklearnex_covariance = pytest.importorskip("sklearnex.covariance")
    for kwargs in ({}, {"assume_centered": True}, {"store_precision": True, "batch_size": 9}):
        ours = IncrementalEmpiricalCovariance(**kwargs).fit(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = sklearnex_covariance.IncrementalEmpiricalCovariance(**kwargs).fit(data)
        assert_allclose(ours.location_, theirs.location_, rtol=1e-10, atol=1e-10)
        assert_allclose(ours.covariance_, theirs.covariance_, rtol=1e-10, atol=1e-10)
        assert ours.n_samples_seen_ == theirs.n_samples_seen_
        assert ours.batch_size_ == theirs.batch_size_
        if kwargs.get("store_precision"):
            assert_allclose(ours.precision_, theirs.precision_, rtol=1e-8, atol=1e-8)
        else:
            assert ours.precision_ is None and theirs.precision_ is None

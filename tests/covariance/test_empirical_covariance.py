"""EmpiricalCovariance: the same results, dtypes, warnings and errors as scikit-learn's."""

import logging
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.covariance import EmpiricalCovariance as SkEmpiricalCovariance

from skaccel.covariance import EmpiricalCovariance


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    X = rng.standard_normal((700, 6)) @ A + rng.uniform(-5, 5, 6)
    return X


def _fit_both(X, **params):
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = EmpiricalCovariance(**params).fit(X)
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = SkEmpiricalCovariance(**params).fit(X)
    assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("assume_centered", [False, True])
@pytest.mark.parametrize("store_precision", [True, False])
def test_matches_sklearn(data, dtype, assume_centered, store_precision):
    X = data.astype(dtype)
    ours, theirs = _fit_both(X, assume_centered=assume_centered, store_precision=store_precision)
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    assert ours.location_.dtype == theirs.location_.dtype
    assert_allclose(ours.location_, theirs.location_, rtol=rtol, atol=rtol)
    # covariance_ is float64 always (the declared state); scikit-learn's is float32 only
    # for float32 X with assume_centered=True.
    assert ours.covariance_.dtype == np.float64
    assert ours.covariance_.shape == theirs.covariance_.shape
    scale = np.abs(theirs.covariance_).max()
    assert_allclose(ours.covariance_, theirs.covariance_, rtol=rtol, atol=rtol * scale)
    assert ours.n_features_in_ == theirs.n_features_in_ == X.shape[1]
    if store_precision:
        assert ours.precision_.dtype == np.float64
        p_scale = np.abs(theirs.precision_).max()
        assert_allclose(
            ours.precision_, theirs.precision_, rtol=100 * rtol, atol=100 * rtol * p_scale
        )
    else:
        assert ours.precision_ is None and theirs.precision_ is None
    # The inherited methods give the same answers.
    Xt = X[:50]
    assert_allclose(ours.mahalanobis(Xt), theirs.mahalanobis(Xt), rtol=100 * rtol)
    assert_allclose(ours.score(Xt), theirs.score(Xt), rtol=100 * rtol)
    assert_allclose(ours.error_norm(theirs.covariance_), 0, atol=(rtol * scale) ** 2 * X.shape[1])
    assert_allclose(ours.get_precision(), theirs.get_precision(), rtol=100 * rtol, atol=1e-6)


@pytest.mark.parametrize(
    "X",
    [
        np.asarray([[0, 1], [1, 0], [3, 3]]),  # integers: location_ and covariance_ float64
        np.asarray([[True, False], [False, False], [True, True]]),
        np.arange(5.0).reshape(1, 5),  # one sample: scikit-learn's warning, zero covariance
        np.arange(7.0).reshape(7, 1),  # one feature
    ],
    ids=["int", "bool", "one-sample", "one-feature"],
)
def test_small_and_integer_inputs(X):
    ours, theirs = _fit_both(X)
    assert ours.location_.dtype == theirs.location_.dtype
    assert_allclose(ours.location_, theirs.location_, rtol=1e-14)
    assert_allclose(ours.covariance_, theirs.covariance_, rtol=1e-14, atol=1e-15)
    assert_allclose(ours.precision_, theirs.precision_, rtol=1e-12, atol=1e-12)


def test_layouts_and_feature_names(data):
    pd = pytest.importorskip("pandas")
    X = data
    reference = EmpiricalCovariance().fit(X)
    for variant in (np.asfortranarray(X), X[:, ::-1][:, ::-1], np.repeat(X, 2, axis=1)[:, ::2]):
        model = EmpiricalCovariance().fit(variant)
        assert_allclose(model.covariance_, reference.covariance_, rtol=1e-12)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    ours, theirs = _fit_both(frame)
    assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)


def test_exact_for_large_means():
    """|mean| ≫ spread: the centred cross-product does not cancel."""
    rng = np.random.default_rng(1)
    n = 10_000
    Z = rng.integers(-3, 4, size=(n, 3)).astype(np.float64)
    X = Z + np.array([1e8, -1e8, 3e9])
    exact = np.cov(Z.T, bias=True)  # small integers: exact to rounding
    model = EmpiricalCovariance().fit(X)
    assert_allclose(model.covariance_, exact, rtol=1e-12, atol=1e-12)
    assert_allclose(model.location_ - np.array([1e8, -1e8, 3e9]), Z.mean(0), atol=1e-6)


def test_sparse_falls_back_with_sklearns_error(caplog):
    X = sp.random(30, 4, density=0.5, format="csr", random_state=0)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        with pytest.raises(TypeError) as ours:
            EmpiricalCovariance().fit(X)
    with pytest.raises(TypeError) as theirs:
        SkEmpiricalCovariance().fit(X)
    assert str(ours.value) == str(theirs.value)
    assert "falling back to scikit-learn: sparse input" in caplog.text


def test_core_path_is_logged(data, caplog):
    with caplog.at_level(logging.INFO, logger="skaccel"):
        EmpiricalCovariance().fit(data)
    assert "EmpiricalCovariance.fit: running on the skaccel C++ core" in caplog.text


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_overflow_falls_back_like_sklearn(caplog):
    X = np.array([[1e200, 1.0], [-1e200, 2.0], [3e200, 0.0]])
    with caplog.at_level(logging.INFO, logger="skaccel"):
        with pytest.raises(ValueError) as ours:
            EmpiricalCovariance().fit(X)
    with pytest.raises(ValueError) as theirs:
        SkEmpiricalCovariance().fit(X)
    assert str(ours.value) == str(theirs.value)
    assert "not finite" in caplog.text


BAD_INPUTS = {
    "nan": np.array([[1.0, np.nan], [2.0, 3.0]]),
    "inf": np.array([[1.0, 2.0], [np.inf, 3.0]]),
    "nan-float32": np.array([[1.0, np.nan], [2.0, 3.0]], dtype=np.float32),
    "one-dimensional": np.arange(4.0),
    "three-dimensional": np.zeros((2, 2, 2)),
    "empty": np.zeros((0, 3)),
    "no-features": np.zeros((3, 0)),
    "strings": np.array([["a", "b"], ["c", "d"]]),
    "complex": np.array([[1 + 1j, 2], [3, 4]]),
    "object": np.array([[1.0, None], [2.0, 3.0]], dtype=object),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_errors_identical(name):
    X = BAD_INPUTS[name]
    with pytest.raises(Exception) as theirs:
        SkEmpiricalCovariance().fit(X)
    with pytest.raises(type(theirs.value)) as ours:
        EmpiricalCovariance().fit(X)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "params",
    [{"store_precision": "yes"}, {"assume_centered": 1.5}, {"assume_centered": None}],
)
def test_bad_parameters_identical(data, params):
    with pytest.raises(Exception) as theirs:
        SkEmpiricalCovariance(**params).fit(data)
    with pytest.raises(type(theirs.value)) as ours:
        EmpiricalCovariance(**params).fit(data)
    assert str(ours.value) == str(theirs.value).replace("SkEmpiricalCovariance", "")


@pytest.mark.parametrize("method", ["mahalanobis", "score"])
def test_predict_side_errors_identical(data, method):
    ours, theirs = _fit_both(data)
    for bad in (data[:, :3], np.array([[np.nan] * data.shape[1]])):
        with pytest.raises(ValueError) as expected:
            getattr(theirs, method)(bad)
        with pytest.raises(ValueError) as got:
            getattr(ours, method)(bad)
        assert str(got.value) == str(expected.value)


def test_unfitted_errors_identical(data):
    # scikit-learn's own behaviour (an AttributeError from get_precision), kept.
    for method in ("mahalanobis", "score"):
        with pytest.raises(Exception) as theirs:
            getattr(SkEmpiricalCovariance(), method)(data)
        with pytest.raises(type(theirs.value)) as ours:
            getattr(EmpiricalCovariance(), method)(data)
        assert str(ours.value) == str(theirs.value)


def test_refit_replaces_everything(data):
    model = EmpiricalCovariance().fit(data)
    model.set_params(store_precision=False).fit(data[:, :3].astype(np.float32))
    assert model.n_features_in_ == 3
    assert model.location_.dtype == np.float32
    assert model.covariance_.shape == (3, 3)
    assert model.precision_ is None

"""Numerical edge cases are never silent: every magnitude the dtype holds fits as
scikit-learn fits it (the normal equations square the data; the core rescales by powers
of two where squares would under- or overflow), and half precision keeps scikit-learn's
dtypes."""

import warnings

import numpy as np
import pytest
import sklearn.covariance as skc
import sklearn.decomposition as skd
import sklearn.linear_model as sk
from numpy.testing import assert_allclose

import skaccel.covariance as sac
import skaccel.decomposition as sad
import skaccel.linear_model as sa

SCALES64 = [
    1e-300,
    1e-250,
    1e-200,
    1e-162,
    1e-150,
    1e-100,
    1e-10,
    1.0,
    1e10,
    1e100,
    1e150,
    1e160,
    1e200,
    1e250,
    1e300,
]
SCALES32 = [1e-30, 1e-25, 1e-20, 1e-15, 1e-5, 1.0, 1e5, 1e15, 1e20, 1e25, 1e30]


def data(scale, dtype, seed=0, n=80):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4)) * [1.0, 2.0, 0.5, 3.0] * scale
    y = X @ np.array([1.0, -2.0, 3.0, 0.5]) + 0.25 * scale + 0.01 * scale * rng.standard_normal(n)
    return X.astype(dtype), y.astype(dtype)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(
    "dtype, scale", [(np.float64, s) for s in SCALES64] + [(np.float32, s) for s in SCALES32]
)
def test_linear_regression_at_every_scale(dtype, scale, fit_intercept):
    X, y = data(scale, dtype)
    ours = sa.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    reference = sk.LinearRegression(fit_intercept=fit_intercept).fit(
        X.astype(np.float64), y.astype(np.float64)
    )
    assert ours.coef_.dtype == dtype
    assert ours.rank_ == 4
    rtol = 1e-4 if dtype == np.float32 else 1e-9
    assert_allclose(ours.coef_, reference.coef_, rtol=rtol)
    assert np.all(np.isfinite(ours.singular_))
    assert_allclose(ours.singular_, reference.singular_, rtol=rtol)
    prediction = ours.predict(X)
    assert np.all(np.isfinite(prediction))
    assert_allclose(
        prediction / scale, reference.predict(X.astype(np.float64)) / scale, rtol=rtol, atol=rtol
    )


@pytest.mark.parametrize("scale", SCALES64)
def test_ridge_at_every_scale_solves_the_scaled_problem(scale):
    # alpha in the units of X², so the problem is the same at every scale.
    X, y = data(scale, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = sk.Ridge(alpha=5.0).fit(X / scale, y / scale)
    alpha = 5.0 * scale * scale
    if not (np.finfo(np.float64).tiny <= alpha < np.inf):
        pytest.skip("alpha itself is not a normal float64 at this scale")
    ours = sa.Ridge(alpha=alpha).fit(X, y)
    assert_allclose(ours.coef_, reference.coef_, rtol=1e-9)
    assert_allclose(ours.intercept_ / scale, reference.intercept_, rtol=1e-9, atol=1e-12)


# Above ~1e150 the variances themselves (scale²) overflow float64, for scikit-learn too.
@pytest.mark.parametrize("scale", [1e-300, 1e-162, 1e-100, 1.0, 1e100, 1e150])
def test_pca_and_covariance_at_every_scale(scale):
    X = data(scale, np.float64, n=200)[0]
    ours = sad.PCA(3, svd_solver="covariance_eigh").fit(X)
    reference = skd.PCA(3, svd_solver="full").fit(X)
    assert_allclose(np.abs(ours.components_), np.abs(reference.components_), atol=1e-9)
    assert_allclose(ours.explained_variance_, reference.explained_variance_, rtol=1e-9)
    assert_allclose(ours.mean_, reference.mean_, rtol=1e-9, atol=1e-12 * scale)
    assert_allclose(ours.transform(X) / scale, reference.transform(X) / scale, atol=1e-9)
    cov = sac.EmpiricalCovariance().fit(X)
    if scale < 1e150:  # scikit-learn's own covariance overflows above
        assert_allclose(
            cov.covariance_, skc.EmpiricalCovariance().fit(X).covariance_, rtol=1e-9, atol=1e-300
        )
    assert np.all(np.isfinite(cov.covariance_))


@pytest.mark.parametrize("scale", [1e-300, 1e-162, 1e250])
def test_incremental_models_refuse_what_their_moments_cannot_hold(scale):
    X, y = data(scale, np.float64)
    with pytest.raises(ValueError, match="too small or too large"):
        sa.IncrementalLinearRegression().partial_fit(X, y)
    with pytest.raises(ValueError, match="too small or too large"):
        sad.IncrementalPCA(2).partial_fit(X)
    with pytest.raises(ValueError, match="too small or too large"):
        sac.IncrementalEmpiricalCovariance().partial_fit(X)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("targets", [1, 2])
def test_half_precision_keeps_scikit_learns_dtypes(fit_intercept, targets):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 3)).astype(np.float16)
    y = (X.astype(np.float64) @ rng.standard_normal((3, targets))).astype(np.float16)
    y = y[:, 0] if targets == 1 else y
    ours = sa.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    theirs = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    for name in ("coef_", "intercept_", "singular_"):
        a, b = getattr(ours, name), getattr(theirs, name)
        assert type(a) is type(b) and np.asarray(a).dtype == np.asarray(b).dtype, name
    assert_allclose(ours.coef_.astype(float), theirs.coef_.astype(float), rtol=1e-2, atol=1e-2)
    assert ours.predict(X).dtype == theirs.predict(X).dtype

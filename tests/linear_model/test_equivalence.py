"""skaccel's estimators give scikit-learn's results, attributes, dtypes and shapes."""

import logging

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from numpy.testing import assert_allclose

import skaccel.linear_model as sa

PAIRS = [
    (sa.LinearRegression, sk.LinearRegression, {}),
    (sa.Ridge, sk.Ridge, {"alpha": 0.7}),
    (sa.Ridge, sk.Ridge, {"alpha": 0.7, "solver": "svd"}),
    (sa.Ridge, sk.Ridge, {"alpha": 0.7, "solver": "cholesky"}),
]


def rtol_for(dtype):
    return 2e-4 if dtype == np.float32 else 1e-9


@pytest.mark.parametrize("ours, theirs, params", PAIRS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("targets", ["1d", "2d"])
def test_matches_sklearn(
    regression_data, ours, theirs, params, dtype, fit_intercept, weighted, targets
):
    X, Y, w = regression_data
    X = X.astype(dtype)
    y = Y[:, 0] if targets == "1d" else Y
    sw = w if weighted else None
    a = ours(fit_intercept=fit_intercept, **params).fit(X, y, sample_weight=sw)
    b = theirs(fit_intercept=fit_intercept, **params).fit(X, y, sample_weight=sw)
    rtol = rtol_for(dtype)
    assert a.coef_.dtype == b.coef_.dtype == dtype
    assert a.coef_.shape == b.coef_.shape
    assert_allclose(a.coef_, b.coef_, rtol=rtol, atol=rtol)
    assert type(a.intercept_) is type(b.intercept_)
    assert np.shape(a.intercept_) == np.shape(b.intercept_)
    assert_allclose(a.intercept_, b.intercept_, rtol=rtol, atol=rtol * 10)
    pa, pb = a.predict(X), b.predict(X)
    assert pa.dtype == pb.dtype and pa.shape == pb.shape
    assert_allclose(pa, pb, rtol=rtol, atol=rtol * 10)
    assert a.n_features_in_ == b.n_features_in_
    if ours is sa.LinearRegression:
        assert a.rank_ == b.rank_ and type(a.rank_) is type(b.rank_)
        assert a.singular_.dtype == b.singular_.dtype
        assert_allclose(a.singular_, b.singular_, rtol=rtol)
    else:
        assert a.n_iter_ is None and a.solver_ == b.solver_


def test_rank_deficient_gives_minimum_norm_solution():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 4))
    X = np.c_[X, X[:, 0], X[:, 1] + X[:, 2]]  # rank 4 of 6
    y = X @ rng.standard_normal(6)
    a = sa.LinearRegression().fit(X, y)
    b = sk.LinearRegression().fit(X, y)
    assert a.rank_ == b.rank_ == 4
    assert_allclose(a.coef_, b.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(a.singular_[:4], b.singular_[:4], rtol=1e-10)


def test_underdetermined_system_matches_sklearn():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((10, 30)), rng.standard_normal(10)
    a = sa.LinearRegression().fit(X, y)
    b = sk.LinearRegression().fit(X, y)
    assert a.singular_.shape == b.singular_.shape == (10,)
    assert a.rank_ == b.rank_
    assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)
    with pytest.warns(UserWarning, match="Singular matrix") as ours:
        r = sa.Ridge(alpha=0.0, solver="cholesky").fit(X, y)
    with pytest.warns(UserWarning, match="Singular matrix") as theirs:
        s = sk.Ridge(alpha=0.0, solver="cholesky").fit(X, y)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    assert r.solver_ == s.solver_
    assert_allclose(r.coef_, s.coef_, rtol=1e-7, atol=1e-9)


def test_large_offset_float32_keeps_accuracy():
    rng = np.random.default_rng(3)
    X = (rng.standard_normal((20000, 5)) + 1e4).astype(np.float32)
    y = (X - 1e4) @ np.arange(1, 6, dtype=np.float32) + 3
    a = sa.LinearRegression().fit(X, y)
    assert a.coef_.dtype == np.float32
    assert_allclose(a.coef_, np.arange(1, 6), rtol=1e-3)


@pytest.mark.parametrize("layout", ["F", "strided", "readonly"])
def test_input_layouts_need_no_copy_and_agree(regression_data, layout):
    X, Y, _ = regression_data
    y = Y[:, 0]
    reference = sa.LinearRegression().fit(X, y)
    if layout == "F":
        Xl = np.asfortranarray(X)
    elif layout == "strided":
        Xl = np.repeat(X, 2, axis=1)[:, ::2]
    else:
        Xl = X.copy()
        Xl.flags.writeable = False
    model = sa.LinearRegression().fit(Xl, y)
    assert_allclose(model.coef_, reference.coef_, rtol=1e-12)
    assert_allclose(model.predict(Xl), reference.predict(X), rtol=1e-12)


def test_n_jobs_do_not_change_predictions(regression_data):
    X, Y, _ = regression_data
    X = np.tile(X, (200, 1))  # enough rows for several threads
    y = np.tile(Y[:, 0], 200)
    p1 = sa.LinearRegression(n_jobs=1).fit(X, y)
    p2 = sa.LinearRegression(n_jobs=2).fit(X, y)
    assert_allclose(p1.coef_, p2.coef_, rtol=1e-12)
    np.testing.assert_array_equal(p2.predict(X), p2.set_params(n_jobs=1).predict(X))


@pytest.mark.parametrize(
    "ours, params, X_kind, reason",
    [
        (sa.LinearRegression, {}, "sparse", "sparse input"),
        (sa.LinearRegression, {"positive": True}, "dense", "positive=True"),
        (sa.Ridge, {"solver": "lsqr"}, "dense", "solver='lsqr'"),
        (sa.Ridge, {"solver": "sag", "random_state": 0}, "dense", "solver='sag'"),
        (sa.Ridge, {}, "sparse", "sparse input"),
    ],
)
def test_fallbacks_are_logged_and_equal_sklearn(
    regression_data, caplog, ours, params, X_kind, reason
):
    X, Y, _ = regression_data
    y = Y[:, 0]
    Xin = sp.csr_matrix(X) if X_kind == "sparse" else X
    theirs = getattr(sk, ours.__name__)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        a = ours(**params).fit(Xin, y)
    assert f"falling back to scikit-learn: {reason}" in caplog.text
    b = theirs(**params).fit(Xin, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.predict(Xin), b.predict(Xin))


def test_core_path_is_logged(regression_data, caplog):
    X, Y, _ = regression_data
    with caplog.at_level(logging.INFO, logger="skaccel"):
        sa.Ridge().fit(X, Y).predict(X)
    assert "Ridge.fit: running on the skaccel C++ core" in caplog.text
    assert "Ridge.predict: running on the skaccel C++ core" in caplog.text


def test_negative_sample_weight_in_ridge_behaves_like_sklearn(regression_data):
    X, Y, _ = regression_data
    sw = -np.ones(X.shape[0])
    with pytest.raises(ValueError) as theirs:
        sk.Ridge().fit(X, Y[:, 0], sample_weight=sw)
    with pytest.raises(ValueError) as ours:
        sa.Ridge().fit(X, Y[:, 0], sample_weight=sw)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "ours, theirs", [(sa.Ridge, sk.Ridge), (sa.LinearRegression, sk.LinearRegression)]
)
def test_single_column_2d_y_shapes_match_sklearn(regression_data, ours, theirs):
    X, Y, _ = regression_data
    a, b = ours().fit(X, Y[:, :1]), theirs().fit(X, Y[:, :1])
    assert a.coef_.shape == b.coef_.shape
    assert np.shape(a.intercept_) == np.shape(b.intercept_)
    assert a.predict(X).shape == b.predict(X).shape
    assert_allclose(a.predict(X), b.predict(X), rtol=1e-9)


def test_wide_data_falls_back_with_full_accuracy(caplog):
    rng = np.random.default_rng(42)
    X, y = rng.standard_normal((50, 100)), rng.standard_normal(50)
    for solver in ("svd", "cholesky"):
        with caplog.at_level(logging.INFO, logger="skaccel"):
            a = sa.Ridge(alpha=1e-16, solver=solver).fit(X, y)
        assert "falling back to scikit-learn: n_features >= n_samples" in caplog.text
        np.testing.assert_array_equal(a.coef_, sk.Ridge(alpha=1e-16, solver=solver).fit(X, y).coef_)

"""skaccel.linear_model.ElasticNet and Lasso against scikit-learn's.

The core runs scikit-learn's coordinate descent (same coordinate order and random stream,
screening and stopping rule) in double precision, on the Gram matrix or on residuals. In
float64 it takes the same steps: n_iter_ is equal, and coef_, intercept_ and dual_gap_
agree to roundoff. scikit-learn computes float32 fits in float32, so there only the
optimum is compared (within the solver's tolerance).
"""

import logging
import pickle
import re
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

import skaccel
import skaccel.linear_model as sa

CORE_LOG = "fit: running on the skaccel C++ core"
FALLBACK_LOG = "fit: falling back to scikit-learn"


def data(n=300, p=20, t=None, seed=0, dtype=np.float64, informative=5):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, p)) * r.uniform(0.5, 3, p) + r.uniform(-5, 5, p)
    coef = np.zeros((p, t or 1))
    coef[: min(informative, p)] = r.standard_normal((min(informative, p), t or 1)) * 3
    Y = X @ coef + r.uniform(-2, 2, t or 1) + 0.5 * r.standard_normal((n, t or 1))
    y = Y[:, 0] if t is None else Y
    return X.astype(dtype), y.astype(dtype)


def pair(name, **params):
    return getattr(sa, name)(**params), getattr(sk, name)(**params)


def assert_same_fit(ours, theirs, exact_steps=True, rtol=1e-9):
    """The fitted attributes agree: same types and shapes, values to roundoff."""
    for attr in ("coef_", "intercept_", "dual_gap_"):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        assert type(a) is type(b), attr
        assert np.shape(a) == np.shape(b), attr
        assert np.asarray(a).dtype == np.asarray(b).dtype, attr
    if exact_steps:
        assert ours.n_iter_ == theirs.n_iter_
        assert type(ours.n_iter_) is type(theirs.n_iter_)
    scale = max(1.0, np.abs(theirs.coef_).max())
    assert_allclose(ours.coef_, theirs.coef_, rtol=rtol, atol=rtol * scale)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=rtol, atol=rtol * scale * 10)
    if exact_steps:
        assert_allclose(ours.dual_gap_, theirs.dual_gap_, rtol=1e-6, atol=1e-12)


def fit_both(name, X, y, sample_weight=None, **params):
    ours, theirs = pair(name, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y, sample_weight=sample_weight)
        theirs.fit(X, y, sample_weight=sample_weight)
    return ours, theirs


@pytest.mark.parametrize("name", ["ElasticNet", "Lasso"])
@pytest.mark.parametrize(
    "shape", [(400, 10), (60, 20), (30, 80)], ids=["tall-gram", "residual", "wide"]
)
@pytest.mark.parametrize("selection", ["cyclic", "random"])
@pytest.mark.parametrize("positive", [False, True])
def test_same_steps_as_scikit_learn(name, shape, selection, positive):
    X, y = data(*shape)
    params = dict(alpha=0.05, selection=selection, random_state=7, positive=positive)
    if name == "ElasticNet":
        params["l1_ratio"] = 0.6
    assert_same_fit(*fit_both(name, X, y, **params))


@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weighted_multi_target(precompute, fit_intercept):
    X, Y = data(200, 12, t=3, seed=1)
    w = np.random.default_rng(2).uniform(0, 3, 200)
    w[:10] = 0  # zero weights count as absent rows
    ours, theirs = fit_both(
        "ElasticNet", X, Y, w, alpha=0.1, precompute=precompute, fit_intercept=fit_intercept
    )
    assert isinstance(ours.n_iter_, list) and len(ours.n_iter_) == 3
    assert_same_fit(ours, theirs)


def test_two_dimensional_single_target_keeps_scikit_learns_shapes():
    X, y = data()
    ours, theirs = fit_both("Lasso", X, y[:, None], alpha=0.1)
    assert ours.coef_.shape == (20,) and ours.intercept_.shape == (1,)
    assert_same_fit(ours, theirs)


@pytest.mark.parametrize("shape", [(400, 10), (40, 60)])
def test_float32_reaches_the_optimum(shape):
    X, y = data(*shape, dtype=np.float32)
    ours, theirs = fit_both("ElasticNet", X, y, alpha=0.1, tol=1e-6, max_iter=10000)
    exact = sk.ElasticNet(alpha=0.1, tol=1e-10, max_iter=100000).fit(
        X.astype(np.float64), y.astype(np.float64)
    )
    assert ours.coef_.dtype == np.float32 and ours.dual_gap_.dtype == np.float32
    assert type(ours.intercept_) is np.float32
    assert_allclose(ours.coef_, exact.coef_, rtol=1e-3, atol=1e-3)
    assert_same_fit(ours, theirs, exact_steps=False, rtol=1e-3)


def test_predictions_agree_on_ill_conditioned_data():
    r = np.random.default_rng(3)
    base = r.standard_normal((2000, 5))
    X = np.hstack([base, base + 1e-6 * r.standard_normal((2000, 5))])  # near-duplicates
    y = base @ [1.0, -2.0, 0.5, 0.0, 3.0] + 0.01 * r.standard_normal(2000)
    ours, theirs = fit_both("Lasso", X, y, alpha=1e-3, max_iter=20000)
    pred_ours, pred_theirs = ours.predict(X), theirs.predict(X)
    close = np.isclose(pred_ours, pred_theirs, rtol=1e-3, atol=1e-3 * np.abs(y).max())
    assert close.mean() >= 0.999


def test_random_state_streams_match():
    """A RandomState instance advances per target, None draws from NumPy's global stream:
    both exactly as in scikit-learn."""
    X, Y = data(200, 15, t=2)
    a = sa.Lasso(alpha=0.05, selection="random", random_state=np.random.RandomState(5))
    b = sk.Lasso(alpha=0.05, selection="random", random_state=np.random.RandomState(5))
    assert_same_fit(a.fit(X, Y), b.fit(X, Y))
    np.random.seed(11)
    a = sa.Lasso(alpha=0.05, selection="random").fit(X, Y)
    after_ours = np.random.randint(1 << 30)
    np.random.seed(11)
    b = sk.Lasso(alpha=0.05, selection="random").fit(X, Y)
    assert np.random.randint(1 << 30) == after_ours
    assert_same_fit(a, b)


@pytest.mark.parametrize("name", ["ElasticNet", "Lasso"])
def test_warm_start_continues(name):
    X, y = data(300, 30, seed=4)
    ours, theirs = pair(name, alpha=0.01, max_iter=3, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(3):
            ours.fit(X, y)
            theirs.fit(X, y)
            assert_same_fit(ours, theirs)


def test_convergence_warning_is_scikit_learns():
    X, y = data(100, 40)
    messages = []
    for model in pair("ElasticNet", alpha=1e-4, l1_ratio=0.0, max_iter=2):
        with pytest.warns(ConvergenceWarning) as record:
            model.fit(X, y)
        messages.append([str(w.message) for w in record if w.category is ConvergenceWarning])
    ours, theirs = messages
    assert len(ours) == len(theirs) == 1
    pattern = re.compile(r"Duality gap: [0-9.e+-]+, tolerance: [0-9.e+-]+")
    assert pattern.sub("", ours[0]) == pattern.sub("", theirs[0])
    assert "Ridge/RidgeCV" in ours[0]


def test_alpha_zero_warns_as_scikit_learn():
    X, y = data(100, 5)
    for model in pair("Lasso", alpha=0.0):
        with pytest.warns(UserWarning, match="With alpha=0, this algorithm does not converge"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X, y)


@pytest.mark.parametrize("where", ["X", "y", "sample_weight"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_input_raises_scikit_learns_error(where, value):
    X, y = data(50, 4)
    w = np.ones(50)
    {"X": X, "y": y, "sample_weight": w}[where][3] = value
    errors = []
    for model in pair("ElasticNet"):
        with pytest.raises(ValueError) as info:
            model.fit(X, y, sample_weight=w)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize(
    "params, kwargs, reason",
    [
        ({"precompute": "gram"}, {}, "a precomputed Gram matrix"),
        ({}, {"check_input": False}, "check_input=False"),
        ({}, {"sparse": True}, "sparse"),
        ({}, {"negative": True}, "negative sample weights"),
    ],
    ids=["gram-array", "check-input", "sparse", "negative-weights"],
)
@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning", "ignore::sklearn.exceptions.ConvergenceWarning"
)
def test_fallbacks_are_scikit_learns_code_and_logged(caplog, params, kwargs, reason):
    X, y = data(80, 6)
    X = np.asfortranarray(X)
    w = None
    if params.get("precompute") == "gram":
        params = {"precompute": X.T @ X, "fit_intercept": False}
    if kwargs.pop("negative", False):
        w = np.ones(80)
        w[0] = -0.5
    if kwargs.pop("sparse", False):
        X = sp.csc_matrix(X)
    ours, theirs = pair("ElasticNet", **params)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours.fit(X, y, sample_weight=w, **kwargs)
    theirs.fit(X, y, sample_weight=w, **kwargs)
    assert FALLBACK_LOG in caplog.text and reason in caplog.text
    assert_array_equal(ours.coef_, theirs.coef_)
    assert ours.n_iter_ == theirs.n_iter_


@pytest.mark.parametrize("layout", ["C", "F", "reversed", "strided", "readonly"])
def test_every_layout_gives_the_same_fit(layout, caplog):
    X, y = data(300, 10)
    expected = sa.ElasticNet(alpha=0.1).fit(X, y)
    Xv = {
        "C": lambda: X,
        "F": lambda: np.asfortranarray(X),
        "reversed": lambda: X[::-1][::-1],
        "strided": lambda: np.repeat(X, 2, axis=1)[:, ::2],
        "readonly": lambda: np.frombuffer(X.tobytes(), dtype=X.dtype).reshape(X.shape),
    }[layout]()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        got = sa.ElasticNet(alpha=0.1).fit(Xv, y)
    assert CORE_LOG in caplog.text
    assert got.n_iter_ == expected.n_iter_
    assert_allclose(got.coef_, expected.coef_, rtol=1e-12, atol=1e-14)


def test_pandas_input_keeps_feature_names():
    X, y = data(100, 4)
    frame = pd.DataFrame(X, columns=list("abcd"))
    ours, theirs = fit_both("Lasso", frame, pd.Series(y), alpha=0.1)
    assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    assert_same_fit(ours, theirs)
    assert_allclose(ours.predict(frame[["a", "b", "c", "d"]]), theirs.predict(frame))


def test_gram_and_residual_paths_agree(caplog):
    X, y = data(400, 10)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        gram = sa.ElasticNet(alpha=0.05, precompute=True).fit(X, y)
        # A short X (n < 4 p) runs on the residuals.
        residual = sa.ElasticNet(alpha=0.05).fit(X[:39], y[:39])
    assert "Gram path" in caplog.text and "residual path" in caplog.text
    ref = sk.ElasticNet(alpha=0.05).fit(X[:39], y[:39])
    assert_same_fit(residual, ref)
    assert_same_fit(gram, sk.ElasticNet(alpha=0.05, precompute=True).fit(X, y))


def test_concurrent_fits_equal_sequential_fits():
    cases = [data(500, 15, seed=s) for s in range(6)]
    sequential = [sa.Lasso(alpha=0.05).fit(X, y).coef_ for X, y in cases]
    with ThreadPoolExecutor(4) as pool:
        concurrent = list(pool.map(lambda c: sa.Lasso(alpha=0.05).fit(*c).coef_, cases))
    for a, b in zip(sequential, concurrent, strict=True):
        assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["ElasticNet", "Lasso"])
def test_round_trips_predict_bit_identically(name, tmp_path):
    X, Y = data(100, 8, t=2)
    model = getattr(sa, name)(alpha=0.1).fit(X, Y)
    skaccel.save(model, tmp_path / "m.skm")
    for copy in (pickle.loads(pickle.dumps(model)), skaccel.load(tmp_path / "m.skm", mmap=True)):
        assert copy.n_iter_ == model.n_iter_ and isinstance(copy.n_iter_, list)
        assert_array_equal(copy.predict(X), model.predict(X))


def test_patched_scikit_learn_hands_out_skaccels_classes():
    skaccel.patch_sklearn(["ElasticNet", "Lasso"], verbose=False)
    try:
        import sklearn.linear_model

        assert sklearn.linear_model.ElasticNet is sa.ElasticNet
        assert sklearn.linear_model.Lasso is sa.Lasso
    finally:
        skaccel.unpatch_sklearn(["ElasticNet", "Lasso"])


def test_scikit_learn_intelex_example_values():
    """The values sklearnex's own test_sklearnex_import_lasso asserts for its Lasso."""
    lasso = sa.Lasso(alpha=0.1).fit([[0, 0], [1, 1], [2, 2]], [0, 1, 2])
    assert_allclose(lasso.intercept_, 0.15)
    assert_allclose(lasso.coef_, [0.85, 0.0])

"""skaccel.linear_model.LogisticRegression against scikit-learn's LogisticRegression.

The core solvers (lbfgs, newton-cg, newton-cholesky) drive scikit-learn's own optimizers
over a core-backed loss, so a float64 fit lands where scikit-learn's lands (to roundoff
and the solver's tolerance). A float32 fit is compared with scikit-learn's float64
solution of the same problem: scikit-learn's own float32 fits can stop far from the
optimum (newton-cg's line search gives up on roundoff on ill-conditioned data), so its
float32 result is only the bar skaccel's float32 objective must not be worse than.
Everything skaccel does not run on the core is scikit-learn's code, bit for bit.
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
from scipy.special import log_softmax
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.class_weight import compute_class_weight
from threadpoolctl import threadpool_limits

import skaccel
import skaccel.linear_model as sa

CORE_SOLVERS = ["lbfgs", "newton-cg", "newton-cholesky"]
CORE_LOG = "LogisticRegression.fit: running on the skaccel C++ core"
FALLBACK_LOG = "LogisticRegression.fit: falling back to scikit-learn"


@pytest.fixture(autouse=True)
def _environment():
    """BLAS on one thread: scikit-learn's solvers otherwise run scipy's L-BFGS-B over
    multi-threaded OpenBLAS on vectors of a few dozen entries, 50x slower (skaccel's fit
    does this itself; its core threads are its own). And scikit-learn's own warnings
    (newton-cholesky with many classes, line-search trouble in float32, the deprecated
    ``penalty``) are not what these tests check."""
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def binary(n=1000, p=10, random_state=0, **kwargs):
    return make_classification(
        n, p, n_informative=min(5, p - 2), random_state=random_state, **kwargs
    )


def _case(name):
    """(X, y, sample_weight, class_weight, other parameters) of the parity case ``name``."""
    sample_weight = class_weight = None
    params = {}
    if name == "binary":
        X, y = binary()
    elif name == "multiclass":
        X, y = make_classification(2000, 20, n_informative=12, n_classes=10, random_state=0)
    elif name == "sample_weight":
        X, y = binary(random_state=2, n_classes=3)
        sample_weight = np.random.default_rng(0).uniform(0.1, 3.0, X.shape[0])
        sample_weight[:50] = 0.0
    elif name == "class_weight_balanced":
        X, y = binary(random_state=3, weights=[0.85, 0.15])
        class_weight = "balanced"
    elif name == "class_weight_dict":
        X, y = binary(random_state=4, n_classes=3)
        class_weight = {0: 0.5, 2: 4.0}
    elif name == "sample_and_class_weight":
        X, y = binary(random_state=6, n_classes=4, weights=[0.4, 0.3, 0.2, 0.1])
        sample_weight = np.random.default_rng(1).integers(0, 4, X.shape[0]).astype(float)
        class_weight = "balanced"
    elif name == "no_intercept":
        X, y = binary(random_state=7, n_classes=3)
        params = dict(fit_intercept=False)
    elif name == "strong_penalty":
        X, y = binary(random_state=8, n_classes=3)
        params = dict(C=0.01)
    elif name == "ill_conditioned":
        # Columns scaled by 1e-3 .. 1e3 and a near-duplicate of column 3.
        X, y = binary(p=8, random_state=1)
        X = X * np.logspace(-3, 3, X.shape[1])
        X = np.column_stack([X, X[:, 3] * (1 + 1e-6) + 1e-7])
    else:  # pragma: no cover
        raise KeyError(name)
    return X, y, sample_weight, class_weight, params


CASES = [
    "binary",
    "multiclass",
    "sample_weight",
    "class_weight_balanced",
    "class_weight_dict",
    "sample_and_class_weight",
    "no_intercept",
    "strong_penalty",
    "ill_conditioned",
]


def objective(model, X, y, sample_weight, class_weight, C=1.0):
    """scikit-learn's L2-penalised objective, in float64, at the model's coefficients:
    the weighted mean multinomial (binary: binomial) loss plus ``‖coef‖² / (2 C Σs)``."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    Z = np.asarray(X, dtype=np.float64) @ coef.T + np.asarray(model.intercept_, np.float64)
    if Z.shape[1] == 1:
        Z = np.column_stack([np.zeros(Z.shape[0]), Z[:, 0]])
    index = np.searchsorted(model.classes_, y)
    w = np.ones(len(y)) if sample_weight is None else np.array(sample_weight, dtype=float)
    if class_weight is not None:
        weights = compute_class_weight(
            class_weight, classes=model.classes_, y=y, sample_weight=sample_weight
        )
        w = w * weights[index]
    nll = -log_softmax(Z, axis=1)[np.arange(len(y)), index]
    return (w @ nll + 0.5 * np.sum(coef**2) / C) / w.sum()


def relative_errors(X, ours, theirs):
    """Max |Δ| of the coefficients in units of the columns' standard deviations (so that
    the 1e-3 .. 1e3 column scales do not decide), and of the intercepts, relative to the
    largest such coefficient (or intercept) of scikit-learn's model."""
    scale = np.asarray(X, dtype=np.float64).std(axis=0)
    a = np.asarray(ours.coef_, dtype=np.float64) * scale
    b = np.asarray(theirs.coef_, dtype=np.float64) * scale
    size = max(np.abs(b).max(), np.abs(theirs.intercept_).max())
    coef_err = np.abs(a - b).max() / size
    intercept_err = np.abs(
        np.asarray(ours.intercept_, np.float64) - np.asarray(theirs.intercept_, np.float64)
    ).max()
    return coef_err, intercept_err / size


def _tolerance(case, solver, dtype):
    if dtype == np.float32:
        return 2e-3
    if case == "ill_conditioned" and solver == "lbfgs":
        return 1e-3  # L-BFGS-B stops on ftol on this problem, anywhere along a flat valley
    return 1e-6


# --- 1. accuracy parity ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("solver", CORE_SOLVERS)
@pytest.mark.parametrize("case", CASES)
def test_parity_with_sklearn(case, solver, dtype, caplog):
    X64, y, sample_weight, class_weight, params = _case(case)
    X = X64.astype(dtype)
    params = dict(solver=solver, tol=1e-8, max_iter=1000, class_weight=class_weight, **params)

    reference = sk.LogisticRegression(**params).fit(X64, y, sample_weight=sample_weight)
    theirs = sk.LogisticRegression(**params).fit(X, y, sample_weight=sample_weight)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = sa.LogisticRegression(**params).fit(X, y, sample_weight=sample_weight)
    assert CORE_LOG in caplog.text
    assert FALLBACK_LOG not in caplog.text

    # Fitted attributes: the same dtypes, shapes and classes as scikit-learn's.
    assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.classes_.dtype == theirs.classes_.dtype
    for name in ("coef_", "intercept_"):
        assert getattr(ours, name).dtype == getattr(theirs, name).dtype == dtype, name
        assert getattr(ours, name).shape == getattr(theirs, name).shape, name
    assert ours.n_iter_.dtype == theirs.n_iter_.dtype == np.int32
    assert ours.n_iter_.shape == theirs.n_iter_.shape == (1,)
    assert ours.n_features_in_ == theirs.n_features_in_
    if not params.get("fit_intercept", True):
        assert_array_equal(ours.intercept_, np.zeros_like(theirs.intercept_))

    # The solution: scikit-learn's (float64) within the solver's tolerance.
    tol = _tolerance(case, solver, dtype)
    coef_err, intercept_err = relative_errors(X64, ours, reference)
    assert coef_err <= tol
    assert intercept_err <= tol

    proba = ours.predict_proba(X)
    assert proba.dtype == theirs.predict_proba(X).dtype == dtype
    assert proba.shape == (X.shape[0], len(theirs.classes_))
    assert_allclose(proba, reference.predict_proba(X64), rtol=0, atol=tol)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=10 * np.finfo(dtype).eps)
    decision = ours.decision_function(X)
    assert decision.dtype == theirs.decision_function(X).dtype
    expected = reference.decision_function(X64)
    assert np.abs(decision - expected).max() <= tol * np.abs(expected).max()

    predicted = ours.predict(X)
    assert predicted.dtype == theirs.predict(X).dtype
    assert np.mean(predicted == reference.predict(X64)) >= 0.999

    if dtype == np.float64:
        assert np.mean(predicted == theirs.predict(X)) >= 0.999
    else:
        # No worse an optimum than scikit-learn's own float32 fit.
        args = (X64, y, sample_weight, class_weight, params.get("C", 1.0))
        best = objective(reference, *args)
        gap_ours = objective(ours, *args) / best - 1
        gap_theirs = objective(theirs, *args) / best - 1
        assert gap_ours <= max(gap_theirs, 0.0) + 1e-6


@pytest.mark.parametrize("solver", CORE_SOLVERS)
def test_n_iter_matches_sklearn_float64_binary(solver):
    X, y = binary()
    params = dict(solver=solver, tol=1e-8, max_iter=1000)
    ours = sa.LogisticRegression(**params).fit(X, y)
    theirs = sk.LogisticRegression(**params).fit(X, y)
    assert_array_equal(ours.n_iter_, theirs.n_iter_)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10, atol=1e-12)


def test_n_iter_is_capped_by_max_iter():
    X, y = binary()
    ours = sa.LogisticRegression(max_iter=3).fit(X, y)
    theirs = sk.LogisticRegression(max_iter=3).fit(X, y)
    assert_array_equal(ours.n_iter_, theirs.n_iter_)
    assert ours.n_iter_[0] == 3


def test_convergence_warning_like_sklearn():
    X, y = binary()
    with pytest.warns(ConvergenceWarning):
        sk.LogisticRegression(max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        sa.LogisticRegression(max_iter=2).fit(X, y)


INFERENCE_INPUTS = {
    "float64": lambda X: X,
    "float32": lambda X: X.astype(np.float32),
    "int64": lambda X: np.rint(3 * X).astype(np.int64),
    "fortran": np.asfortranarray,
    "strided": lambda X: np.repeat(X, 2, axis=0)[::2],
    "list": lambda X: X.tolist(),
    "pandas": lambda X: pd.DataFrame(X),
}


@pytest.mark.parametrize("model_dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("kind", sorted(INFERENCE_INPUTS))
def test_inference_matches_sklearn_on_same_coefficients(kind, n_classes, model_dtype):
    X, y = binary(n=300, p=6, n_classes=n_classes)
    ours = sa.LogisticRegression().fit(X.astype(model_dtype), y)
    theirs = sk.LogisticRegression()
    for name in ("coef_", "intercept_", "classes_", "n_features_in_", "n_iter_"):
        setattr(theirs, name, getattr(ours, name))
    X_in = INFERENCE_INPUTS[kind](X)
    eps = np.finfo(model_dtype).eps
    for method in ("decision_function", "predict_proba", "predict_log_proba"):
        a, b = getattr(ours, method)(X_in), getattr(theirs, method)(X_in)
        assert a.dtype == b.dtype, method
        assert a.shape == b.shape, method
        assert_allclose(a, b, rtol=100 * eps, atol=100 * eps, err_msg=method)
    assert_array_equal(ours.predict(X_in), theirs.predict(X_in))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_overflowing_scores_like_sklearn(n_classes):
    # Finite X whose scores overflow: the core's non-finite output falls back.
    X, y = binary(n=300, p=6, n_classes=n_classes)
    ours = sa.LogisticRegression().fit(X, y)
    theirs = sk.LogisticRegression().fit(X, y)
    X_huge = X * 1e307
    assert_array_equal(ours.predict(X_huge), theirs.predict(X_huge))
    assert_allclose(ours.predict_proba(X_huge), theirs.predict_proba(X_huge), atol=1e-12)
    assert_allclose(ours.decision_function(X_huge), theirs.decision_function(X_huge), rtol=1e-6)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_sparse_X_at_predict(method, caplog):
    X, y = binary(n=300, p=6, n_classes=3)
    ours = sa.LogisticRegression().fit(X, y)
    theirs = sk.LogisticRegression().fit(X, y)
    X_sparse = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    with caplog.at_level(logging.INFO, logger="skaccel"):
        a = getattr(ours, method)(X_sparse)
    assert f"LogisticRegression.{method}: falling back to scikit-learn" in caplog.text
    b = getattr(theirs, method)(X_sparse)
    assert a.dtype == b.dtype
    assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_clone_and_params_like_sklearn():
    ours = sa.LogisticRegression(C=0.5, solver="newton-cg", max_iter=7, class_weight="balanced")
    theirs = sk.LogisticRegression(C=0.5, solver="newton-cg", max_iter=7, class_weight="balanced")
    assert ours.get_params() == theirs.get_params()
    copy = clone(ours)
    assert type(copy) is sa.LogisticRegression
    assert copy.get_params() == ours.get_params()


# --- 2. logs and fallbacks -----------------------------------------------------------------


FALLBACKS = {
    "liblinear": (dict(solver="liblinear"), False),
    "saga": (dict(solver="saga", random_state=0, max_iter=50), False),
    "saga_l1": (dict(solver="saga", l1_ratio=1, random_state=0, max_iter=50), False),
    "sparse_X": (dict(), True),
}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_fallback_logged_and_identical(name, caplog):
    params, sparse = FALLBACKS[name]
    X, y = binary(n=400)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 0.7, X, 0.0))
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = sa.LogisticRegression(**params).fit(X, y)
    assert FALLBACK_LOG in caplog.text
    assert CORE_LOG not in caplog.text
    theirs = sk.LogisticRegression(**params).fit(X, y)
    assert_array_equal(ours.coef_, theirs.coef_)
    assert_array_equal(ours.intercept_, theirs.intercept_)
    assert_array_equal(ours.n_iter_, theirs.n_iter_)
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("solver", CORE_SOLVERS)
def test_core_fit_logged(solver, caplog):
    X, y = binary(n=200)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        sa.LogisticRegression(solver=solver).fit(X, y)
    assert CORE_LOG in caplog.text
    assert "falling back" not in caplog.text


# --- 3. labels ---------------------------------------------------------------------------

NAMES = np.array(["ant", "bee", "cat"])
LABELS = {
    "str": lambda y: NAMES[y],
    "object": lambda y: NAMES[y].astype(object),
    "pandas_str": lambda y: pd.Series(NAMES[y]),
    "int_10_20_30": lambda y: np.array([10, 20, 30])[y],
    "int_negative": lambda y: np.array([-1, 1, 7], dtype=np.int32)[y],
    "float": lambda y: np.array([-1.0, 0.0, 3.0])[y],
    "bool": lambda y: y == 1,
    "str_binary": lambda y: NAMES[np.minimum(y, 1)],
}


@pytest.mark.parametrize("solver", CORE_SOLVERS)
@pytest.mark.parametrize("kind", sorted(LABELS))
def test_labels_like_sklearn(kind, solver):
    X, y = make_classification(300, 5, n_informative=3, n_classes=3, random_state=0)
    labels = LABELS[kind](y)
    ours = sa.LogisticRegression(solver=solver).fit(X, labels)
    theirs = sk.LogisticRegression(solver=solver).fit(X, labels)
    assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.classes_.dtype == theirs.classes_.dtype
    predicted, expected = ours.predict(X), theirs.predict(X)
    assert type(predicted) is type(expected)
    assert predicted.dtype == expected.dtype
    assert np.mean(predicted == expected) >= 0.999
    assert set(np.unique(predicted)) <= set(np.unique(np.asarray(labels)))


# --- 4. warm start -------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", CORE_SOLVERS)
def test_warm_start(solver, n_classes):
    X, y = binary(n=500, n_classes=n_classes)
    params = dict(solver=solver, max_iter=1, warm_start=True)
    ours = sa.LogisticRegression(**params).fit(X, y)
    once = ours.coef_.copy()
    ours.fit(X, y)
    theirs = sk.LogisticRegression(**params).fit(X, y).fit(X, y)
    cold = sa.LogisticRegression(**params).fit(X, y)

    assert not np.allclose(ours.coef_, once)  # the second fit went on from the first
    assert_array_equal(cold.coef_, once)
    size = np.abs(theirs.coef_).max()
    assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-8 * size)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-8 * size)


def test_no_warm_start_refits_from_zero():
    X, y = binary(n=500)
    model = sa.LogisticRegression(max_iter=1)
    first = model.fit(X, y).coef_.copy()
    assert_array_equal(model.fit(X, y).coef_, first)


def test_warm_start_shape_mismatch_like_sklearn():
    X, y = binary(n=300, n_classes=3)

    def run(module):
        model = module.LogisticRegression(warm_start=True, max_iter=5).fit(X, y)
        with pytest.raises(ValueError) as info:
            model.fit(X[:, :-1], y)
        return str(info.value)

    assert run(sa) == run(sk)


# --- 5. thread safety --------------------------------------------------------------------


def _fit_and_proba(args):
    X, y, solver, n_jobs = args
    model = sa.LogisticRegression(solver=solver, n_jobs=n_jobs, tol=1e-8).fit(X, y)
    return model.coef_, model.intercept_, model.n_iter_, model.predict_proba(X)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_concurrent_fits_are_deterministic(n_jobs):
    jobs = []
    for i, solver in enumerate(["lbfgs", "newton-cg", "newton-cholesky", "lbfgs"]):
        X, y = make_classification(
            2000, 12, n_informative=6, n_classes=2 + i % 3, random_state=10 + i
        )
        jobs.append((X.astype(np.float32 if i == 3 else np.float64), y, solver, n_jobs))
    sequential = [_fit_and_proba(job) for job in jobs]
    for _ in range(2):
        with ThreadPoolExecutor(max_workers=4) as pool:
            concurrent = list(pool.map(_fit_and_proba, jobs))
        for seq, conc in zip(sequential, concurrent, strict=True):
            for a, b in zip(seq, conc, strict=True):
                assert a.dtype == b.dtype
                assert np.array_equal(a, b)


# --- 6. bad input ----------------------------------------------------------------------------


def _bad(value):
    X, y = binary(n=100, p=5)
    X[7, 2] = value
    return X, y


def _sklearn_message(fn):
    with pytest.raises(ValueError) as info:
        fn()
    return str(info.value)


@pytest.mark.parametrize("solver", CORE_SOLVERS)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_not_finite_X_at_fit(value, solver, dtype):
    X, y = _bad(value)
    X = X.astype(dtype)
    message = _sklearn_message(lambda: sk.LogisticRegression(solver=solver).fit(X, y))
    assert "Input X contains" in message
    with pytest.raises(ValueError, match=re.escape(message)):
        sa.LogisticRegression(solver=solver).fit(X, y)


def _predict_cases():
    for n_classes in (2, 3):
        for value, name in ((np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")):
            for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
                yield pytest.param(
                    n_classes, value, method, id=f"{n_classes}classes-{name}-{method}"
                )


@pytest.mark.parametrize("n_classes, value, method", list(_predict_cases()))
def test_not_finite_X_at_predict(n_classes, value, method):
    X, y = binary(n=100, p=5, n_classes=n_classes)
    X_bad = X.copy()
    X_bad[7, 2] = value
    theirs = sk.LogisticRegression().fit(X, y)
    ours = sa.LogisticRegression().fit(X, y)
    message = _sklearn_message(lambda: getattr(theirs, method)(X_bad))
    assert "Input X contains" in message
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(ours, method)(X_bad)


@pytest.mark.parametrize("solver", CORE_SOLVERS)
def test_one_class(solver):
    X, _ = binary(n=50, p=4)
    y = np.full(50, 3)
    message = _sklearn_message(lambda: sk.LogisticRegression(solver=solver).fit(X, y))
    with pytest.raises(ValueError, match="at least 2 classes") as info:
        sa.LogisticRegression(solver=solver).fit(X, y)
    assert str(info.value) == message


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_wrong_feature_count_at_predict(method):
    X, y = binary(n=100, p=5)
    theirs = sk.LogisticRegression().fit(X, y)
    ours = sa.LogisticRegression().fit(X, y)
    message = _sklearn_message(lambda: getattr(theirs, method)(X[:, :3]))
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(ours, method)(X[:, :3])


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_not_fitted(method):
    X, _ = binary(n=20, p=5)
    with pytest.raises(NotFittedError):
        getattr(sa.LogisticRegression(), method)(X)


def test_string_features_like_sklearn():
    X = np.array([["a", "b"]] * 20)
    y = np.arange(20) % 2

    def outcome(module):
        try:
            module.LogisticRegression().fit(X, y)
        except Exception as exc:  # noqa: BLE001 - whatever scikit-learn raises
            return type(exc), str(exc)
        return None, None

    assert outcome(sa) == outcome(sk)
    assert outcome(sk)[0] is not None


# --- 7. layouts ----------------------------------------------------------------------------

LAYOUTS = {
    "fortran": lambda X, y: (np.asfortranarray(X), y),
    "reversed_rows": lambda X, y: (X[::-1], y[::-1]),
    "every_other_column": lambda X, y: (X[:, ::2], y),
    "read_only": lambda X, y: (_read_only(X), _read_only(y)),
}


def _read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("solver", CORE_SOLVERS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts(layout, n_classes, solver):
    X, y = binary(n=600, p=10, n_classes=n_classes)
    X_layout, y_layout = LAYOUTS[layout](X, y)
    X_c = np.ascontiguousarray(X_layout)
    y_c = np.ascontiguousarray(y_layout)
    if layout != "read_only":
        assert not X_layout.flags.c_contiguous
    params = dict(solver=solver, tol=1e-8)
    ours = sa.LogisticRegression(**params).fit(X_layout, y_layout)
    contiguous = sa.LogisticRegression(**params).fit(X_c, y_c)
    size = np.abs(contiguous.coef_).max()
    assert_allclose(ours.coef_, contiguous.coef_, rtol=0, atol=1e-10 * size)
    assert_allclose(ours.intercept_, contiguous.intercept_, rtol=0, atol=1e-10 * size)
    assert_allclose(ours.predict_proba(X_layout), contiguous.predict_proba(X_c), atol=1e-10)
    assert_array_equal(ours.predict(X_layout), contiguous.predict(X_c))


# --- 8. no penalty -------------------------------------------------------------------------


@pytest.mark.parametrize("solver", CORE_SOLVERS)
@pytest.mark.parametrize("how", ["penalty_None", "C_inf"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_no_penalty(how, solver, n_classes, caplog):
    # flip_y makes the classes overlap: the unpenalised optimum is finite.
    X, y = make_classification(
        1000, 6, n_informative=4, n_classes=n_classes, flip_y=0.3, class_sep=0.5, random_state=5
    )
    params = dict(solver=solver, tol=1e-8, max_iter=1000)
    if how == "penalty_None":
        params["penalty"] = None
    else:
        params["C"] = np.inf
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = sa.LogisticRegression(**params).fit(X, y)
    assert CORE_LOG in caplog.text
    assert "falling back" not in caplog.text
    theirs = sk.LogisticRegression(**params).fit(X, y)
    tol = 1e-5 if solver == "lbfgs" else 1e-6
    coef_err, intercept_err = relative_errors(X, ours, theirs)
    assert coef_err <= tol
    assert intercept_err <= tol
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=tol)
    assert np.mean(ours.predict(X) == theirs.predict(X)) >= 0.999
    # Unpenalised: a smaller training loss than the default C=1 fit.
    penalised = sk.LogisticRegression(solver=solver, C=1e-2).fit(X, y)
    assert objective(ours, X, y, None, None, C=np.inf) < objective(
        penalised, X, y, None, None, C=np.inf
    )


# --- 9. persistence --------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("labels", ["str", "object"])
def test_model_file_round_trip(tmp_path, labels, n_classes):
    X, y = binary(n=300, n_classes=n_classes)
    y = NAMES[y] if labels == "str" else NAMES[y].astype(object)
    model = sa.LogisticRegression().fit(X, y)
    path = tmp_path / "model.skm"
    skaccel.save(model, path)
    loaded = skaccel.load(path)
    assert type(loaded) is sa.LogisticRegression
    assert_array_equal(loaded.classes_, model.classes_)
    assert loaded.classes_.dtype == model.classes_.dtype
    predicted = loaded.predict(X)
    assert predicted.dtype == model.predict(X).dtype
    assert_array_equal(predicted, model.predict(X))
    assert_array_equal(loaded.coef_, model.coef_)
    assert_array_equal(loaded.intercept_, model.intercept_)
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_pickle_round_trip():
    X, y = binary(n=300, n_classes=3)
    model = sa.LogisticRegression().fit(X, NAMES[y])
    loaded = pickle.loads(pickle.dumps(model))
    assert type(loaded) is sa.LogisticRegression
    assert_array_equal(loaded.predict(X), model.predict(X))
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))

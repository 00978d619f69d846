"""Examples of the linear model types (tests/model_examples.py)."""

import numpy as np
from model_examples import Example, regression

from skaccel.linear_model import (
    ElasticNet,
    IncrementalLinearRegression,
    IncrementalRidge,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
)


def _lr_weighted():
    X, Y, w = regression()
    return LinearRegression().fit(X, Y[:, 0], sample_weight=w), X


def _lr_f32_multi():
    X, Y, _ = regression()
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    return LinearRegression(fit_intercept=False).fit(X, Y), X


def _ridge_alphas():
    X, Y, _ = regression()
    return Ridge(alpha=[0.5, 5.0]).fit(X, Y), X


def _ridge_f32_svd():
    X, Y, _ = regression()
    X = X.astype(np.float32)
    return Ridge(alpha=2.0, solver="svd").fit(X, Y[:, 1].astype(np.float32)), X


def _stream(model, X, Y, w=None, size=16):
    # A stream stopped half way: the running moments are part of the saved state.
    for start in range(0, X.shape[0] // 2, size):
        rows = slice(start, start + size)
        model.partial_fit(X[rows], Y[rows], sample_weight=None if w is None else w[rows])
    return model


def _ilr_stream():
    X, Y, w = regression(seed=3)
    return _stream(IncrementalLinearRegression(), X, Y, w), X


def _ilr_f32():
    X, Y, _ = regression(seed=4)
    X, Y = X.astype(np.float32), Y[:, 0].astype(np.float32)
    return IncrementalLinearRegression(batch_size=20).fit(X, Y), X


def _iridge_stream():
    X, Y, _ = regression(seed=5)
    return _stream(IncrementalRidge(alpha=3.0), X, Y[:, 1]), X


def classification(n=120, p=5, classes=3, seed=11):
    """X with non-zero means, y of `classes` overlapping classes (int 0..classes-1)."""
    r = np.random.default_rng(seed)
    centers = r.standard_normal((classes, p)) * 2.0
    y = r.integers(0, classes, n)
    X = centers[y] + r.standard_normal((n, p)) + r.uniform(-3, 3, p)
    return X, y


def _logistic_binary_strings():
    X, y = classification(classes=2)
    labels = np.array(["no", "yes"])[y]  # str classes_ (<U3) through the model file
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    return LogisticRegression(C=0.5).fit(X, labels, sample_weight=w), X


def _logistic_multinomial_f32():
    X, y = classification(classes=4)
    return LogisticRegression(solver="newton-cg", class_weight="balanced").fit(
        X.astype(np.float32), y * 10
    ), X.astype(np.float32)


def _logistic_object_labels_no_intercept():
    X, y = classification(classes=3, seed=5)
    labels = np.array(["a", "b", "c"], dtype=object)[y]
    return LogisticRegression(fit_intercept=False, solver="newton-cholesky").fit(X, labels), X


def _logistic_liblinear_fallback():
    # scikit-learn's liblinear fit: float64 coef_ for float32 X, intercept_ the float 0.0.
    X, y = classification(classes=2, seed=9)
    return LogisticRegression(solver="liblinear", fit_intercept=False).fit(X, y), X


def _enet_weighted_gram():
    # n ≫ p: the Gram path; positive weights rescaled as scikit-learn does.
    X, Y, w = regression(n=200, seed=6)
    return ElasticNet(alpha=0.3, l1_ratio=0.7).fit(X, Y[:, 0], sample_weight=w), X


def _enet_f32_multi_residual():
    # n < p: the residual path, two targets (n_iter_ a list, dual_gap_ an array).
    X, Y, _ = regression(n=20, p=30, seed=8)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    return ElasticNet(alpha=2.0, tol=1e-3).fit(X, Y), X


def _lasso_wide_no_intercept():
    X, Y, _ = regression(n=25, p=40, seed=10)
    X = X - X.mean(axis=0)
    return Lasso(alpha=20.0, fit_intercept=False).fit(X, Y[:, 0] - Y[:, 0].mean()), X


def _lasso_random_positive():
    X, Y, _ = regression(n=150, seed=9)
    return Lasso(alpha=0.05, selection="random", random_state=0, positive=True).fit(X, Y[:, 1]), X


EXAMPLES = [
    Example("LinearRegression", "f64_weighted", _lr_weighted),
    Example("LinearRegression", "f32_multi_nointercept", _lr_f32_multi),
    Example("Ridge", "f64_multi_alphas", _ridge_alphas),
    Example("Ridge", "f32_svd", _ridge_f32_svd),
    Example("IncrementalLinearRegression", "f64_stream", _ilr_stream),
    Example("IncrementalLinearRegression", "f32_batches", _ilr_f32),
    Example("IncrementalRidge", "f64_stream", _iridge_stream),
    Example("LogisticRegression", "binary_str_weighted", _logistic_binary_strings),
    Example("LogisticRegression", "multinomial_f32_balanced", _logistic_multinomial_f32),
    Example(
        "LogisticRegression", "object_labels_nointercept", _logistic_object_labels_no_intercept
    ),
    Example("LogisticRegression", "liblinear_fallback", _logistic_liblinear_fallback, True),
    Example("ElasticNet", "f64_weighted_gram", _enet_weighted_gram),
    Example("ElasticNet", "f32_multi_residual", _enet_f32_multi_residual),
    Example("Lasso", "random_positive", _lasso_random_positive),
    Example("Lasso", "wide_no_intercept", _lasso_wide_no_intercept),
]

CHECKS = [
    LinearRegression(),
    LinearRegression(fit_intercept=False),
    Ridge(),
    Ridge(solver="svd"),
    IncrementalLinearRegression(),
    IncrementalRidge(),
    LogisticRegression(),
    LogisticRegression(solver="newton-cg"),
    LogisticRegression(solver="newton-cholesky", fit_intercept=False),
    ElasticNet(),
    ElasticNet(precompute=True, selection="random", random_state=0),
    Lasso(),
    Lasso(positive=True, fit_intercept=False),
]

# scikit-learn lists the same for its Ridge (sklearn/utils/_test_common/instance_generator.py).
_EXPECTED_BY_CLASS = {
    "Ridge": {
        "check_non_transformer_estimators_n_iter": (
            "n_iter_ is None for the direct solvers (cholesky, svd), as in scikit-learn"
        ),
    },
}


def EXPECTED_FAILED_CHECKS(estimator):  # noqa: N802 - the name model_examples reads
    found = dict(_EXPECTED_BY_CLASS.get(type(estimator).__name__, {}))
    params = estimator.get_params()
    if isinstance(estimator, LogisticRegression) and params["solver"] == "newton-cholesky":
        if not params["fit_intercept"]:
            found["check_class_weight_classifiers"] = (
                "scikit-learn's own LogisticRegression(solver='newton-cholesky', "
                "fit_intercept=False) fails it too (same solver, same optimum)"
            )
    return found

"""Examples of the linear model types (tests/model_examples.py)."""

import numpy as np
from model_examples import Example, regression

from skaccel.linear_model import (
    IncrementalLinearRegression,
    IncrementalRidge,
    LinearRegression,
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


EXAMPLES = [
    Example("LinearRegression", "f64_weighted", _lr_weighted),
    Example("LinearRegression", "f32_multi_nointercept", _lr_f32_multi),
    Example("Ridge", "f64_multi_alphas", _ridge_alphas),
    Example("Ridge", "f32_svd", _ridge_f32_svd),
    Example("IncrementalLinearRegression", "f64_stream", _ilr_stream),
    Example("IncrementalLinearRegression", "f32_batches", _ilr_f32),
    Example("IncrementalRidge", "f64_stream", _iridge_stream),
]

CHECKS = [
    LinearRegression(),
    LinearRegression(fit_intercept=False),
    Ridge(),
    Ridge(solver="svd"),
    IncrementalLinearRegression(),
    IncrementalRidge(),
]

# scikit-learn lists the same for its Ridge (sklearn/utils/_test_common/instance_generator.py).
EXPECTED_FAILED_CHECKS = {
    "Ridge": {
        "check_non_transformer_estimators_n_iter": (
            "n_iter_ is None for the direct solvers (cholesky, svd), as in scikit-learn"
        ),
    },
}

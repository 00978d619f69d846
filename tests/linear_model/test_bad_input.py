"""Bad input: the exception types and messages scikit-learn gives, never a crash."""

import numpy as np
import pytest
import sklearn.linear_model as sk

import skaccel.linear_model as sa

rng = np.random.default_rng(0)
X = rng.standard_normal((30, 4))
y = X @ np.arange(4.0)

X_nan = X.copy()
X_nan[3, 2] = np.nan
X_inf = X.copy()
X_inf[5, 1] = np.inf
y_nan = y.copy()
y_nan[0] = np.nan

FIT_CASES = {
    "nan_X": (X_nan, y),
    "inf_X": (X_inf, y),
    "nan_y": (X, y_nan),
    "1d_X": (X[:, 0], y),
    "empty_X": (np.empty((0, 4)), np.empty(0)),
    "no_features": (np.empty((30, 0)), y),
    "strings": (np.array([["a", "b"]] * 30), y),
    "y_length": (X, y[:-1]),
    "3d_X": (X.reshape(30, 2, 2), y),
    "complex": (X.astype(complex), y),
    "sample_weight_length": (X, y, np.ones(5)),
    "negative_weight": (X, y, -np.ones(30)),
}


def outcome(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - we compare whatever is raised
        return type(exc), str(exc).replace("Ridge", "<E>").replace("LinearRegression", "<E>")
    return None, None


@pytest.mark.parametrize("name", sorted(FIT_CASES))
@pytest.mark.parametrize("estimator", ["LinearRegression", "Ridge"])
def test_fit_errors_match_sklearn(name, estimator):
    args = FIT_CASES[name]

    def fit(module):
        model = getattr(module, estimator)()
        if len(args) == 3:
            return lambda: model.fit(args[0], args[1], sample_weight=args[2])
        return lambda: model.fit(*args)

    theirs = outcome(fit(sk))
    ours = outcome(fit(sa))
    assert theirs[0] is not None, "scikit-learn accepted this input"
    assert ours == theirs


PREDICT_CASES = {
    "nan_X": X_nan,
    "inf_X": X_inf,
    "wrong_n_features": X[:, :3],
    "1d_X": X[0],
    "empty_X": np.empty((0, 4)),
    "strings": np.array([["a", "b", "c", "d"]] * 3),
}


@pytest.mark.parametrize("name", sorted(PREDICT_CASES))
@pytest.mark.parametrize("estimator", ["LinearRegression", "Ridge"])
def test_predict_errors_match_sklearn(name, estimator):
    Xp = PREDICT_CASES[name]
    theirs = outcome(lambda: getattr(sk, estimator)().fit(X, y).predict(Xp))
    ours = outcome(lambda: getattr(sa, estimator)().fit(X, y).predict(Xp))
    assert theirs[0] is not None
    assert ours == theirs


@pytest.mark.parametrize("estimator", ["LinearRegression", "Ridge"])
def test_predict_before_fit(estimator):
    theirs = outcome(lambda: getattr(sk, estimator)().predict(X))
    ours = outcome(lambda: getattr(sa, estimator)().predict(X))
    assert ours == theirs
    assert ours[0].__name__ == "NotFittedError"


@pytest.mark.parametrize("params", [{"alpha": -1.0}, {"solver": "nope"}, {"alpha": [1.0, 2.0]}])
def test_invalid_hyperparameters_match_sklearn(params):
    theirs = outcome(lambda: sk.Ridge(**params).fit(X, y))
    ours = outcome(lambda: sa.Ridge(**params).fit(X, y))
    assert theirs[0] is not None
    assert ours == theirs

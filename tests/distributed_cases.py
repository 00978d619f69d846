"""What the distributed fits' tests (tests/spmd, tests/dask) share: which estimators take
y and weights, the data, and the comparison of fitted models."""

import inspect

import numpy as np
import pytest


def base_of(cls):
    """The skaccel estimator a distributed class derives from."""
    return cls.__mro__[1]


def supervised(cls):
    y = inspect.signature(base_of(cls).fit).parameters.get("y")
    return y is not None and y.default is inspect.Parameter.empty


def weighted(cls):
    return "sample_weight" in inspect.signature(base_of(cls).fit).parameters


def params(cls):
    """Parameters for comparing a distributed fit with the single-process one: an
    iterative fit (an optimizer) is compared at a tight tolerance, where both reach the
    same optimum (at the default tolerance the rounding of the sums' order changes the
    iterates, within the solver's tolerance); a randomised fit draws from the same seed."""
    from skaccel._distributed import iterates

    params = {"tol": 1e-12, "max_iter": 10_000} if iterates(base_of(cls)) else {}
    if "random_state" in base_of(cls)().get_params():
        params["random_state"] = 0  # the same random stream for both fits
    return params


def rtol(cls, dtype):
    """The relative tolerance of that comparison."""
    from skaccel._distributed import iterates

    if iterates(base_of(cls)):
        # Where L-BFGS stops depends on the sums' rounding (the shards' order): it stops on
        # the objective's relative decrease (~1e-12 apart here), so along flat directions
        # (the intercepts against uncentred columns) float64 coefficients differ by up to
        # ~3e-5 (measured: LogisticRegression on 3 dask partitions, gradients ~2e-4 at
        # both stops); float32: the objective itself is exact to ~1e-7 only, and the
        # coefficients agree to ~1e-3 absolute.
        return 1e-4 if dtype == np.float64 else 1e-2
    return 1e-9 if dtype == np.float64 else 2e-4


def target(cls, y):
    """y for fitting ``cls``: the linear target, or for a classifier three classes cut
    from it (plus noise) at its terciles (the labels of the whole data, so shards agree)."""
    from sklearn.base import ClassifierMixin

    if not issubclass(base_of(cls), ClassifierMixin):
        return y
    # Noise of half y's spread: overlapping classes, a well-conditioned optimum.
    noisy = y + np.random.default_rng(1).normal(scale=0.5 * np.std(y), size=y.shape)
    return np.digitize(noisy, np.quantile(noisy, [1 / 3, 2 / 3]))


def data(dtype, n=600, p=5, seed=0):
    """X with columns of different means and spreads, a linear y, positive weights."""
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, p)) * [1, 3, 0.5, 2, 1] + [10, -2, 0, 4, 1]).astype(dtype)
    y = (X @ np.arange(1, p + 1) + rng.normal(size=n)).astype(dtype)
    w = rng.uniform(0.5, 2.0, size=n).astype(dtype)
    return X, y, w


def public_fields(model):
    return {
        k: v
        for k, v in vars(model).items()
        if k.endswith("_") and not k.startswith("_") and k != "n_iter_"
    }


def assert_same_model(got, expected, rtol):
    """The same public fitted attributes: names, dtypes and shapes exactly, values within
    ``rtol`` (exactly for integers and strings)."""
    got, expected = public_fields(got), public_fields(expected)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, np.ndarray):
            assert got[key].dtype == value.dtype and got[key].shape == value.shape, key
            if value.dtype.kind in "fc":
                np.testing.assert_allclose(got[key], value, rtol=rtol, atol=rtol, err_msg=key)
            else:
                np.testing.assert_array_equal(got[key], value, err_msg=key)
        elif isinstance(value, float | np.floating):
            assert got[key] == pytest.approx(value, rel=rtol, abs=rtol), key
        else:
            assert got[key] == value, key


def kmeans_cases(X):
    """KMeans parameters that take each path of the distributed fit: several runs of either
    seeding (the best kept by inertia and clustering), an init whose last center is far
    from every row (its cluster is empty and takes the farthest row, every iteration it is
    empty), few iterations (the labels of the last centers), a tolerance from X's variance,
    one cluster."""
    far = np.vstack([X[:4], X[:1] + 1e3]).astype(X.dtype)
    return {
        "random, n_init=4": dict(init="random", n_init=4, n_clusters=6),
        "k-means++, n_init=3": dict(n_init=3, n_clusters=5),
        "array init, an empty cluster": dict(init=far, n_clusters=5),
        "max_iter=2": dict(max_iter=2, n_clusters=4),
        "tol from the variance": dict(tol=1e-2, n_clusters=4),
        "one cluster": dict(n_clusters=1),
    }


def zero_some_weights(w):
    """Weights with every fifth row at 0 (no row of weight 0 is ever a seed)."""
    w = w.copy()
    w[::5] = 0
    return w

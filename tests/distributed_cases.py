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

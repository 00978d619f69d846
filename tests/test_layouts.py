"""Every array layout a user produces, for every inference method of every model type and
for every fit: C and F order, reversed rows and columns (negative strides), broadcast rows
(zero strides), overlapping rows (sliding windows), non-contiguous views, read-only and
memory-mapped arrays, pandas column selections in another storage order. Results are
compared with scikit-learn's on a C-contiguous copy (they read out of bounds, returned
garbage or crashed before)."""

import warnings

import numpy as np
import pytest
import sklearn.linear_model
from model_examples import EXAMPLES, fit_target, needs_target
from numpy.lib.stride_tricks import sliding_window_view
from numpy.testing import assert_allclose

from skaccel._registry import MODEL_TYPES


def _read_only(X):
    Y = X.copy()
    Y.flags.writeable = False
    return Y


def _memmapped(X, tmp_path):
    np.save(tmp_path / "X.npy", X)
    return np.load(tmp_path / "X.npy", mmap_mode="r")


def _overlapping(X):
    """Rows that overlap in memory (row stride of one element), with X's first row."""
    n, p = X.shape
    series = np.concatenate([X[0], np.linspace(-1.0, 1.0, n - 1).astype(X.dtype) * X.std()])
    return sliding_window_view(series, p)


def _pandas_reordered(X):
    pd = pytest.importorskip("pandas")
    p = X.shape[1]
    # Stored in the reverse order of the selection below: a negative column stride.
    frame = pd.DataFrame(X[:, ::-1].copy(), columns=[f"c{j}" for j in reversed(range(p))])
    return frame[[f"c{j}" for j in range(p)]]


LAYOUTS = {
    "C": lambda X, _: np.ascontiguousarray(X),
    "F": lambda X, _: np.asfortranarray(X),
    "reversed-rows": lambda X, _: np.ascontiguousarray(X[::-1])[::-1],
    "reversed-columns": lambda X, _: np.ascontiguousarray(X[:, ::-1])[:, ::-1],
    "reversed-both": lambda X, _: np.ascontiguousarray(X[::-1, ::-1])[::-1, ::-1],
    "F-reversed-rows": lambda X, _: np.asfortranarray(X[::-1])[::-1],
    "broadcast-rows": lambda X, _: np.broadcast_to(X[:1], X.shape),
    "sliding-window": lambda X, _: _overlapping(X),
    "every-other-column": lambda X, _: np.repeat(X, 2, axis=1)[:, ::2],
    "every-other-row": lambda X, _: np.repeat(X, 2, axis=0)[::2],
    "transposed-view": lambda X, _: np.ascontiguousarray(X.T).T,
    "read-only": lambda X, _: _read_only(X),
    "memory-mapped": lambda X, tmp: _memmapped(X, tmp),
    "pandas-reordered-columns": lambda X, _: _pandas_reordered(X),
}

WITH_METHODS = [e for e in EXAMPLES if MODEL_TYPES[e.model_type].methods]


def sklearn_twin(model):
    """A scikit-learn estimator holding the model's fitted state: scikit-learn's own
    numbers for the same model (the first concrete scikit-learn class of the model's
    bases; LinearRegression's predict for the incremental linear models)."""
    methods = [m.name for m in MODEL_TYPES[model._model_type].methods]
    for cls in type(model).__mro__:
        if (
            cls.__module__.startswith("sklearn.")
            and "_model_type" not in vars(cls)
            and all(hasattr(cls, m) for m in methods)
        ):
            try:
                twin = cls.__new__(cls)
            except TypeError:  # abstract (LinearModel)
                continue
            twin.__dict__.update(model.__dict__)
            # What the skaccel classes compute instead of storing (KMeans' _n_threads, an
            # efficiency parameter never saved; the neighbours' lazily built _tree):
            # scikit-learn's code reads it as an attribute.
            for klass in type(model).__mro__:
                if not klass.__module__.startswith("skaccel"):
                    continue
                for name, value in vars(klass).items():
                    if isinstance(value, property) and name not in twin.__dict__:
                        try:
                            twin.__dict__[name] = getattr(model, name)
                        except AttributeError:  # not fitted (e.g. one output's classes_)
                            pass
            return twin
    twin = sklearn.linear_model.LinearRegression()
    twin.__dict__.update(model.__dict__)
    return twin


def rtol_of(dtype):
    return 1e-4 if np.dtype(dtype) == np.float32 else 1e-10


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("example", WITH_METHODS, ids=str)
def test_every_inference_method_reads_every_layout(example, layout, tmp_path):
    model, X = example.make()
    variant = LAYOUTS[layout](X, tmp_path)
    dense = np.ascontiguousarray(np.asarray(variant))
    twin = sklearn_twin(model)
    for method in MODEL_TYPES[example.model_type].methods:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # feature names of the pandas case
            got = np.asarray(getattr(model, method.name)(variant))
            expected = np.asarray(getattr(twin, method.name)(dense))
        assert got.shape == expected.shape and got.dtype == expected.dtype
        if expected.dtype.kind not in "biuf":  # labels (predict of str classes_)
            np.testing.assert_array_equal(got, expected, err_msg=method.name)
            continue
        scale = max(float(np.abs(expected).max(initial=0.0)), 1.0)
        tol = rtol_of(got.dtype)
        assert_allclose(got, expected, rtol=tol, atol=tol * scale, err_msg=f"{method.name}")


FIT_LAYOUTS = [k for k in LAYOUTS if k not in ("broadcast-rows", "pandas-reordered-columns")]


@pytest.mark.parametrize("layout", FIT_LAYOUTS)
@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_fit_reads_every_layout(example, layout, tmp_path):
    model, X = example.make()
    params = model.get_params()
    variant = LAYOUTS[layout](X, tmp_path)
    dense = np.ascontiguousarray(np.asarray(variant))
    target = None
    if needs_target(example.model_type):
        target = fit_target(model, dense)
    a = type(model)(**params)
    b = type(model)(**params)
    if target is None:
        a.fit(variant), b.fit(dense)
    else:
        a.fit(variant, target), b.fit(dense, target)
    for name in MODEL_TYPES[example.model_type].field_names:
        if (
            name in vars(b)
            and isinstance(vars(b)[name], np.ndarray)
            and vars(b)[name].dtype.kind == "f"
        ):
            x, y = vars(a)[name], vars(b)[name]
            scale = max(float(np.abs(y).max(initial=0.0)), 1.0)
            tol = rtol_of(y.dtype) * 100
            if name in ("components_",):  # signs are fixed by the data, equal here
                x, y = np.abs(x), np.abs(y)
            assert_allclose(x, y, rtol=tol, atol=tol * scale, err_msg=name)


@pytest.mark.parametrize(
    "example",
    [e for e in EXAMPLES if e.model_type in ("LinearRegression", "Ridge", "BasicStatistics")],
    ids=str,
)
def test_sample_weights_of_any_layout(example):
    model, X = example.make()
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, 2 * X.shape[0])
    args = (X,) if example.model_type == "BasicStatistics" else (X, fit_target(model, X))
    a = type(model)(**model.get_params()).fit(*args, sample_weight=w[::-2])
    b = type(model)(**model.get_params()).fit(*args, sample_weight=np.ascontiguousarray(w[::-2]))
    for name in MODEL_TYPES[example.model_type].field_names & set(vars(b)):
        if isinstance(vars(b)[name], np.ndarray):
            np.testing.assert_array_equal(vars(a)[name], vars(b)[name], err_msg=name)

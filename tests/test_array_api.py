"""Array-API inputs run on the core and the fitted attributes keep the input's namespace
and device, through every pickling path; a model file of such a model holds host arrays.

Namespaces: array-api-strict (installed by ``make test``; its fake "device1" stands for a
second device) and torch on the CPU (``make test-torch``). SKACCEL_REQUIRE_ARRAY_API=1 and
SKACCEL_REQUIRE_TORCH=1 turn a missing library into a failure instead of a skip.
"""

import importlib
import logging
import os
import pickle
import warnings

import numpy as np
import pytest
import sklearn
from model_examples import EXAMPLES, content, fit_target, is_labels, needs_target
from numpy.testing import assert_allclose
from roundtrips import PICKLE_ONLY, ROUND_TRIPS

import skaccel
from skaccel._registry import MODEL_TYPES

pytestmark = pytest.mark.filterwarnings("ignore:You are comparing a array_api_strict dtype")


def _namespace(name):
    required = os.environ.get(
        "SKACCEL_REQUIRE_TORCH" if name == "torch" else "SKACCEL_REQUIRE_ARRAY_API"
    )
    try:
        return importlib.import_module(name)
    except ImportError:
        if required:
            raise
        pytest.skip(f"{name} is not installed")


CASES = [("array_api_strict", "CPU_DEVICE"), ("array_api_strict", "device1"), ("torch", "cpu")]


@pytest.fixture(params=CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def namespace(request):
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        pytest.fail("SCIPY_ARRAY_API=1 must be set before scipy is imported (tests/conftest.py)")
    name, device_name = request.param
    xp = _namespace(name)
    device = xp.Device(device_name) if name == "array_api_strict" else xp.device(device_name)
    return xp, device


def to(xp, device, a):
    if a is None:
        return None
    return xp.asarray(np.ascontiguousarray(a), device=device)


def on(a, xp, device):
    """Whether ``a`` is an array of namespace xp on ``device``."""
    module = type(a).__module__.split(".")[0]
    expected = "array_api_strict" if xp.__name__ == "array_api_strict" else "torch"
    return module == expected and a.device == device


def host(a):
    if isinstance(a, np.ndarray | np.generic):
        return np.asarray(a)
    from sklearn.utils._array_api import _convert_to_numpy

    module = importlib.import_module(type(a).__module__.split(".")[0])
    return _convert_to_numpy(a, module)


def refit(example, data, xp=None, device=None):
    """The example's estimator fitted again on its X (and a target for linear models),
    in xp (NumPy when None)."""
    if xp is not None and example.sklearn_fit:
        pytest.skip("the example's fit is scikit-learn's code, without array API support")
    model, X = example.make()
    fresh = type(model)(**model.get_params())
    args = [X]
    if needs_target(example.model_type):
        args.append(fit_target(model, X))
    if xp is not None:  # str labels stay NumPy (array namespaces hold numbers)
        args = [to(xp, device, a) if a.dtype.kind in "biuf" else a for a in args]
    return fresh.fit(*args), X


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_fit_and_methods_keep_namespace_and_device(example, namespace, caplog):
    xp, device = namespace
    reference, X = refit(example, None)
    with sklearn.config_context(array_api_dispatch=True):
        with caplog.at_level(logging.INFO, logger="skaccel"):
            model, _ = refit(example, None, xp, device)
        assert "running on the skaccel C++ core" in caplog.text
        if not example.sklearn_fit:
            assert "falling back" not in caplog.text
        public = {
            k: v
            for k, v in vars(model).items()
            if k in MODEL_TYPES[example.model_type].field_names and not k.startswith("_")
        }
        for name, value in public.items():
            if isinstance(getattr(reference, name), np.ndarray):
                if getattr(reference, name).dtype.kind in "OU":  # str labels: NumPy's
                    np.testing.assert_array_equal(value, getattr(reference, name))
                    continue
                assert on(value, xp, device), name
                tol = 1e-4 if host(value).dtype == np.float32 else 1e-10
                assert_allclose(host(value), getattr(reference, name), rtol=tol, atol=tol)
        for method in MODEL_TYPES[example.model_type].methods:
            Xx = to(xp, device, X)
            outs = as_tuple(getattr(model, method.name)(Xx))
            expected_outs = as_tuple(getattr(reference, method.name)(X))
            for out, expected in zip(outs, expected_outs, strict=True):
                if expected.dtype.kind in "OU":  # labels of str classes_ (NumPy, as classes_)
                    np.testing.assert_array_equal(out, expected)
                    continue
                assert on(out, xp, device), method.name
                scale = max(float(np.abs(expected).max()), 1.0)
                tol = 1e-4 if expected.dtype == np.float32 else 1e-9
                assert_allclose(host(out), expected, rtol=tol, atol=tol * scale)


def as_tuple(result):
    """A method's outputs as a tuple (kneighbors gives two)."""
    return result if isinstance(result, tuple) else (result,)


def is_foreign_array(value):
    return not isinstance(value, np.ndarray | np.generic) and hasattr(value, "__dlpack__")


@pytest.mark.parametrize("how", PICKLE_ONLY)
@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_pickles_keep_namespace_and_device(example, namespace, how, tmp_path):
    xp, device = namespace
    with sklearn.config_context(array_api_dispatch=True):
        model, X = refit(example, None, xp, device)
        if xp.__name__ == "array_api_strict" and how in ("pickle-0", "pickle-1"):
            # The library's own limit: its arrays have __slots__ and no __getstate__.
            with pytest.raises(TypeError, match="__slots__"):
                ROUND_TRIPS[how](model, tmp_path)
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch's non-writable warning
            loaded = ROUND_TRIPS[how](model, tmp_path)
        foreign = [name for name, value in vars(model).items() if is_foreign_array(value)]
        assert foreign, "the model holds no array of the input's namespace"
        for name in foreign:
            value = vars(model)[name]
            assert on(vars(loaded)[name], xp, device), name
            assert host(vars(loaded)[name]).tobytes() == host(value).tobytes(), name
        for method in MODEL_TYPES[example.model_type].methods:
            Xx = to(xp, device, X)
            a_outs = as_tuple(getattr(model, method.name)(Xx))
            for a, b in zip(a_outs, as_tuple(getattr(loaded, method.name)(Xx)), strict=True):
                if is_labels(a):
                    assert content(a) == content(b)
                    continue
                assert on(b, xp, device)
                assert host(a).tobytes() == host(b).tobytes()


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_a_model_file_of_an_array_api_model_holds_host_arrays(example, namespace, tmp_path):
    xp, device = namespace
    with sklearn.config_context(array_api_dispatch=True):
        model, X = refit(example, None, xp, device)
    skaccel.save(model, tmp_path / "m.skm")
    loaded = skaccel.load(tmp_path / "m.skm")
    for name, value in vars(model).items():
        if is_foreign_array(value) and name in vars(loaded):
            assert isinstance(vars(loaded)[name], np.ndarray | np.generic), name
            np.testing.assert_array_equal(vars(loaded)[name], host(value))
    for method in MODEL_TYPES[example.model_type].methods:
        with sklearn.config_context(array_api_dispatch=True):
            expected = as_tuple(getattr(model, method.name)(to(xp, device, X)))
        got = as_tuple(getattr(loaded, method.name)(X))
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, host(b))


def test_the_torch_example_of_the_seed_runs(tmp_path):
    """The seed's array-API promise with skaccel's imports, on the CPU: fit on torch
    tensors, predict, pickle, load, predict the same torch tensor."""
    torch = _namespace("torch")
    from sklearn.datasets import make_regression

    from skaccel.linear_model import LinearRegression

    X, y = make_regression(n_samples=200, n_features=10, random_state=0)
    X_torch = torch.asarray(X, device="cpu", dtype=torch.float32)
    y_torch = torch.asarray(y, device="cpu", dtype=torch.float32)
    with sklearn.config_context(array_api_dispatch=True):
        model = LinearRegression().fit(X_torch, y_torch)
        assert isinstance(model.coef_, torch.Tensor) and model.coef_.device.type == "cpu"
        predicted = model.predict(X_torch)
        assert isinstance(predicted, torch.Tensor) and predicted.dtype == torch.float32
        with open(tmp_path / "linear_model.pkl", "wb") as f:
            pickle.dump(model, f)
        with open(tmp_path / "linear_model.pkl", "rb") as f:
            model_deserialized = pickle.load(f)
        assert isinstance(model_deserialized.coef_, torch.Tensor)
        assert torch.equal(model_deserialized.predict(X_torch), predicted)


def test_without_dispatch_array_api_inputs_are_what_scikit_learn_makes_of_them(namespace):
    xp, device = namespace
    from sklearn.linear_model import Ridge as SkRidge

    from skaccel.linear_model import Ridge

    X = np.random.default_rng(0).standard_normal((40, 3))
    y = X @ [1.0, 2.0, 3.0]
    outcomes = []
    for cls in (SkRidge, Ridge):
        try:
            model = cls().fit(to(xp, device, X), to(xp, device, y))
            outcomes.append((type(model.coef_), np.round(host(model.coef_), 10).tolist()))
        except Exception as exc:  # noqa: BLE001 - the same error as scikit-learn's
            outcomes.append((type(exc), None))
    assert outcomes[0] == outcomes[1]


def _outcome(fit):
    """(exception type and message, or None; warning messages; solver_; coef_ on the host)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = fit()
        except ValueError as exc:
            return (str(exc), [], None, None)
    messages = sorted({str(w.message) for w in caught if issubclass(w.category, UserWarning)})
    return (None, messages, model.solver_, np.round(host(model.coef_), 8).tolist())


@pytest.mark.parametrize("solver", ["auto", "svd", "cholesky"])
@pytest.mark.parametrize("positive", [False, True])
def test_ridge_solver_rules_under_dispatch_are_scikit_learns(namespace, solver, positive):
    # scikit-learn's array-API Ridge has only 'svd': 'auto' resolves to it with a
    # warning, 'cholesky' and positive=True are ValueErrors. skaccel keeps those rules.
    xp, device = namespace
    from sklearn.linear_model import Ridge as SkRidge

    from skaccel.linear_model import Ridge

    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 4))
    y = X @ [1.0, -2.0, 0.5, 3.0]
    outcomes = []
    for cls in (SkRidge, Ridge):
        with sklearn.config_context(array_api_dispatch=True):
            outcomes.append(
                _outcome(
                    lambda cls=cls: cls(solver=solver, positive=positive).fit(
                        to(xp, device, X), to(xp, device, y)
                    )
                )
            )
    assert outcomes[0] == outcomes[1]


def test_ridge_per_target_alpha_may_be_an_array_on_the_inputs_device(namespace):
    xp, device = namespace
    from sklearn.linear_model import Ridge as SkRidge

    from skaccel.linear_model import Ridge

    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 3))
    Y = np.stack([X @ [1.0, 2.0, 3.0], X @ [-1.0, 0.0, 4.0]], axis=1)
    alpha = to(xp, device, np.array([0.1, 10.0]))
    with sklearn.config_context(array_api_dispatch=True):
        ours = Ridge(alpha=alpha, solver="svd").fit(to(xp, device, X), to(xp, device, Y))
        theirs = SkRidge(alpha=alpha, solver="svd").fit(to(xp, device, X), to(xp, device, Y))
    assert on(ours.coef_, xp, device)
    assert_allclose(host(ours.coef_), host(theirs.coef_), rtol=1e-10, atol=1e-12)

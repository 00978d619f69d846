"""What a user moving from scikit-learn-intelex relies on, on skaccel's estimators: n_jobs
everywhere, get/reset_hyperparameters with its knob names, set_output on transforms, its
signatures and shapes, its patching functions and device strings. (Its own test modules
run through `make peer-tests`.)"""

import inspect

import numpy as np
import pytest
from model_examples import EXAMPLES, fit_target, needs_target
from sklearn.utils._metadata_requests import _MetadataRequester
from test_hyperparameters import SKLEARNEX_KNOB_NAMES

import skaccel
from skaccel._registry import MODEL_TYPES, estimator_class

TYPES = sorted(MODEL_TYPES)


@pytest.mark.parametrize("name", TYPES)
def test_every_estimator_has_n_jobs_documented(name):
    cls = estimator_class(name)
    assert "n_jobs" in inspect.signature(cls.__init__).parameters
    assert cls().get_params()["n_jobs"] is None
    assert "n_jobs" in cls.__doc__
    cls(n_jobs=2)._validate_params()
    with pytest.raises(ValueError, match="n_jobs"):
        cls(n_jobs="many")._validate_params()


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_n_jobs_changes_speed_not_results(example):
    model, X = example.make()
    params = model.get_params()
    target = None
    if needs_target(example.model_type):
        target = fit_target(model, X)
    results = []
    for n_jobs in (1, 2, -1):
        est = type(model)(**{**params, "n_jobs": n_jobs})
        est.fit(X) if target is None else est.fit(X, target)
        results.append([getattr(est, m.name)(X) for m in MODEL_TYPES[example.model_type].methods])
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            if np.asarray(a).dtype.kind in "OU":  # labels
                np.testing.assert_array_equal(a, b)
            else:
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name, op",
    [
        ("LinearRegression", "fit"),
        ("Ridge", "fit"),
        ("IncrementalLinearRegression", "partial_fit"),
        ("PCA", "fit"),
        ("IncrementalPCA", "partial_fit"),
        ("EmpiricalCovariance", "fit"),
        ("IncrementalEmpiricalCovariance", "fit"),
    ],
)
def test_hyperparameters_with_scikit_learn_intelex_names(name, op):
    cls = estimator_class(name)
    hp = cls.get_hyperparameters(op)
    try:
        assert hp.is_default
        for knob in SKLEARNEX_KNOB_NAMES:
            setattr(hp, knob, 7)
            assert getattr(cls.get_hyperparameters(op), knob) == 7
        assert not hp.is_default
        assert set(hp.no_effect) >= {"gpu_macro_block"}
    finally:
        cls.reset_hyperparameters(op)
    assert cls.get_hyperparameters(op).is_default


@pytest.mark.parametrize("transform_output", ["pandas", "polars"])
@pytest.mark.parametrize("name", ["PCA", "IncrementalPCA"])
def test_set_output_wraps_transform_and_fit_transform(name, transform_output):
    pytest.importorskip(transform_output)
    X = np.random.default_rng(0).standard_normal((60, 5))
    cls = estimator_class(name)
    plain = cls(n_components=3).fit(X).transform(X)
    model = cls(n_components=3).set_output(transform=transform_output)
    for out in (model.fit(X).transform(X), model.fit_transform(X)):
        assert type(out).__module__.startswith(transform_output)
        assert list(out.columns) == [f"{name.lower()}{i}" for i in range(3)]
        np.testing.assert_allclose(out.to_numpy(), plain, rtol=1e-12)
    with skaccel.config_context(transform_output=transform_output):
        out = cls(n_components=3).fit(X).transform(X)
    assert type(out).__module__.startswith(transform_output)


def test_incremental_basic_statistics_takes_positional_weights():
    from skaccel.basic_statistics import IncrementalBasicStatistics

    X = np.random.default_rng(1).standard_normal((30, 3))
    w = np.linspace(0.1, 2.0, 30)
    positional = IncrementalBasicStatistics().partial_fit(X, w)
    keyword = IncrementalBasicStatistics().partial_fit(X, sample_weight=w)
    unweighted = IncrementalBasicStatistics().partial_fit(X)
    np.testing.assert_array_equal(positional.mean_, keyword.mean_)
    assert not np.allclose(positional.mean_, unweighted.mean_)


@pytest.mark.parametrize("name", ["IncrementalLinearRegression", "IncrementalRidge"])
@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_incremental_linear_models_of_one_target_have_1d_coef(name, how):
    X = np.random.default_rng(2).standard_normal((40, 4))
    y = (X @ [1.0, 2.0, 3.0, 4.0] + 0.5).reshape(-1, 1)  # one target, 2-D
    model = getattr(estimator_class(name)(), how)(X, y)
    assert model.coef_.shape == (4,) and np.ndim(model.intercept_) == 0
    two = getattr(estimator_class(name)(), how)(X, np.c_[y, 2 * y])
    assert two.coef_.shape == (2, 4) and two.intercept_.shape == (2,)


def _sklearn_parent(cls):
    """The scikit-learn estimator class skaccel's class specializes (None for the
    extension estimators)."""
    for c in cls.__mro__[1:]:
        if c.__module__.startswith("sklearn.") and not inspect.isabstract(c) and "fit" in vars(c):
            return c
    return None


def _parameters(function):
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


METHODS = ("fit", "predict", "transform", "fit_transform", "partial_fit", "score")


@pytest.mark.parametrize("name", TYPES)
def test_signatures_and_metadata_routing_match_scikit_learn(name):
    cls = estimator_class(name)
    parent = _sklearn_parent(cls)
    if parent is not None and parent.__name__ == cls.__name__:
        for method in METHODS:
            ours, theirs = getattr(cls, method, None), getattr(parent, method, None)
            if ours is not None and theirs is not None:
                assert inspect.signature(ours) == inspect.signature(theirs), method
        for method in dir(parent):
            if method.startswith("set_") and method.endswith("_request"):
                # The same parameters (annotations name each class itself).
                assert _parameters(getattr(cls, method)) == _parameters(getattr(parent, method)), (
                    method
                )
    assert issubclass(cls, _MetadataRequester)
    if "sample_weight" in inspect.signature(cls.fit).parameters:
        with skaccel.config_context(enable_metadata_routing=True):
            est = cls().set_fit_request(sample_weight=True)
            assert est.get_metadata_routing().fit.requests["sample_weight"] is True


def test_patching_accepts_the_names_get_patch_names_returns():
    names = skaccel.get_patch_names()
    assert "sklearn.linear_model.Ridge" in names
    try:
        skaccel.patch_sklearn(names[0])
        assert skaccel.sklearn_is_patched(names[0])
        skaccel.patch_sklearn("Ridge")
        assert skaccel.sklearn_is_patched("sklearn.linear_model.Ridge")
        from sklearn.linear_model import Ridge

        assert skaccel.is_patched_instance(Ridge())
    finally:
        skaccel.unpatch_sklearn()
    assert not skaccel.sklearn_is_patched()
    from sklearn.linear_model import Ridge

    assert not skaccel.is_patched_instance(Ridge())
    with pytest.raises(ValueError, match="cannot patch"):
        skaccel.patch_sklearn("sklearn.linear_model.LassoCV")


@pytest.mark.parametrize("target", ["cpu", "cpu:0", "auto", "gpu", "gpu:1"])
def test_target_offload_takes_device_strings(target):
    with skaccel.config_context(target_offload=target, allow_fallback_to_host=True):
        assert skaccel.get_config()["target_offload"] == target
        X = np.random.default_rng(0).standard_normal((20, 3))
        from skaccel.linear_model import Ridge

        Ridge().fit(X, X.sum(axis=1))
    with pytest.raises(ValueError, match="target_offload"):
        skaccel.set_config(target_offload="tpu")

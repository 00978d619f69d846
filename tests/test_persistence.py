"""Pickling: every protocol and tool, bit-identical predictions, the version policy."""

import copy
import io
import pickle
import platform
import warnings

import cloudpickle
import joblib
import numpy as np
import pytest
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

import skaccel
from skaccel.exceptions import (
    CorruptModelError,
    IncompatibleModelError,
    SkaccelVersionWarning,
)
from skaccel.linear_model import LinearRegression, Ridge

RECORD = "_skaccel_record"


@pytest.fixture(params=["LinearRegression", "Ridge", "Ridge-multi", "float32"])
def fitted(request, regression_data):
    X, Y, w = regression_data
    if request.param == "LinearRegression":
        return LinearRegression().fit(X, Y[:, 0], sample_weight=w), X
    if request.param == "Ridge":
        return Ridge(alpha=2.0).fit(X, Y[:, 0]), X
    if request.param == "Ridge-multi":
        return Ridge(alpha=[1.0, 2.0, 3.0]).fit(X, Y), X
    X32 = X.astype(np.float32)
    return LinearRegression(fit_intercept=False).fit(X32, Y[:, 0]), X32


def assert_same_model(a, b, X):
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert a.get_params() == b.get_params()
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.coef_.dtype == b.coef_.dtype


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_every_protocol(fitted, protocol):
    model, X = fitted
    assert_same_model(model, pickle.loads(pickle.dumps(model, protocol=protocol)), X)


def test_protocol5_sends_coefficients_out_of_band_without_copy(regression_data):
    X, Y, _ = regression_data
    model = Ridge().fit(np.tile(X, (1, 50)), Y)  # coef_ 3 x 400
    buffers = []
    payload = pickle.dumps(model, protocol=5, buffer_callback=buffers.append)
    raw = [b.raw() for b in buffers]
    assert any(r.nbytes == model.coef_.nbytes for r in raw)
    assert len(payload) < model.coef_.nbytes  # the coefficients are not in-band
    loaded = pickle.loads(payload, buffers=raw)
    shared = [r for r in raw if r.nbytes == model.coef_.nbytes][0]
    assert np.shares_memory(loaded.coef_, np.frombuffer(shared, dtype=np.uint8))
    np.testing.assert_array_equal(
        loaded.predict(np.tile(X, (1, 50))), model.predict(np.tile(X, (1, 50)))
    )


def test_deepcopy_and_cloudpickle(fitted):
    model, X = fitted
    assert_same_model(model, copy.deepcopy(model), X)
    assert_same_model(model, cloudpickle.loads(cloudpickle.dumps(model)), X)


@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_joblib_including_readonly_memmap(fitted, tmp_path, mmap_mode):
    model, X = fitted
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    loaded = joblib.load(path, mmap_mode=mmap_mode)
    if mmap_mode == "r" and model.coef_.ndim == 2:
        assert not loaded.coef_.flags.writeable
    assert_same_model(model, loaded, X)


def test_unfitted_estimator_pickles():
    model = pickle.loads(pickle.dumps(Ridge(alpha=3.0)))
    assert model.alpha == 3.0
    assert not hasattr(model, "coef_")


def test_record_holds_the_versions(fitted):
    model, _ = fitted
    record = model.__getstate__()[RECORD]
    assert record["skaccel"] == skaccel.__version__
    assert record["format_version"] == skaccel.FORMAT_VERSION
    assert record["sklearn"] == sklearn.__version__
    assert record["numpy"] == np.__version__
    assert record["python"] == platform.python_version()
    assert record["cpu_features"]
    assert "_sklearn_version" not in model.__getstate__()


def reloaded_with(model, **record_changes):
    """Round-trip a model whose stored version record was edited."""
    state = model.__getstate__()
    state[RECORD] = {**state[RECORD], **record_changes}
    clone = type(model).__new__(type(model))
    clone.__setstate__(pickle.loads(pickle.dumps(state)))
    return clone


@pytest.mark.parametrize("saved", ["2.0", "0.9", f"{skaccel.FORMAT_VERSION.split('.')[0]}.99"])
def test_other_major_or_newer_minor_format_is_rejected(fitted, saved):
    model, _ = fitted
    with pytest.raises(IncompatibleModelError) as info:
        reloaded_with(model, format_version=saved)
    message = str(info.value)
    assert saved in message and skaccel.FORMAT_VERSION.split(".")[0] in message
    assert info.value.saved_format == saved


def test_older_minor_format_loads(fitted, monkeypatch):
    model, X = fitted
    major, _ = skaccel._core.FORMAT_VERSION
    monkeypatch.setattr(skaccel._core, "FORMAT_VERSION", (major, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = reloaded_with(model, format_version=f"{major}.1")
    assert_same_model(model, loaded, X)


@pytest.mark.parametrize(
    "field, saved, component",
    [
        ("skaccel", "0.0.1", "skaccel"),
        ("sklearn", "1.5.0", "scikit-learn"),
        ("python", "2.7.18", "Python"),
        ("python", f"3.{int(platform.python_version_tuple()[1]) + 1}.0", "Python"),
    ],
)
def test_other_versions_warn_with_sklearn_warning_class(fitted, field, saved, component):
    model, X = fitted
    with pytest.warns(SkaccelVersionWarning) as caught:
        loaded = reloaded_with(model, **{field: saved})
    messages = [w for w in caught if isinstance(w.message, SkaccelVersionWarning)]
    assert len(messages) == 1
    warning = messages[0].message
    assert isinstance(warning, InconsistentVersionWarning)
    assert warning.component == component and warning.original_version == saved
    assert saved in str(warning) and component in str(warning)
    assert_same_model(model, loaded, X)


def test_sklearn_filter_recipe_turns_the_warning_into_an_error(fitted):
    model, _ = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        with pytest.raises(InconsistentVersionWarning) as info:
            reloaded_with(model, sklearn="1.5.0")
    assert info.value.original_sklearn_version == "1.5.0"
    assert info.value.current_sklearn_version == sklearn.__version__


def test_older_python_minor_writer_does_not_warn(fitted):
    model, _ = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reloaded_with(model, python="3.9.1")


def test_missing_hyperparameter_gets_class_default(fitted):
    model, X = fitted
    state = model.__getstate__()
    del state["positive"], state["copy_X"]
    clone = type(model).__new__(type(model))
    clone.__setstate__(state)
    assert clone.positive is False and clone.copy_X is True
    np.testing.assert_array_equal(clone.predict(X), model.predict(X))


@pytest.mark.parametrize(
    "damage, match",
    [
        (lambda s: s.pop(RECORD), "no skaccel version record"),
        (lambda s: s.__setitem__(RECORD, {"skaccel": "0.1.0"}), "lacks"),
        (
            lambda s: s[RECORD].__setitem__("format_version", "x.y"),
            "invalid model-format",
        ),
        (lambda s: s.pop("coef_"), "lacks \\['coef_'\\]"),
        (lambda s: s.__setitem__("coef_", "garbage"), "coef_"),
        (
            lambda s: s.__setitem__("coef_", s["coef_"].astype(np.int64)),
            "float32 or float64",
        ),
        (lambda s: s.__setitem__("coef_", s["coef_"][..., :-1]), "declared shape"),
        (lambda s: s.__setitem__("n_features_in_", 3.5), "integer"),
        (
            lambda s: s.__setitem__("intercept_", np.zeros((2, 2), s["coef_"].dtype)),
            "declared shape",
        ),
    ],
)
def test_corrupted_state_raises_a_clear_error(fitted, damage, match):
    model, _ = fitted
    state = model.__getstate__()
    state[RECORD] = dict(state[RECORD])
    damage(state)
    clone = type(model).__new__(type(model))
    with pytest.raises(CorruptModelError, match=match):
        clone.__setstate__(state)


def test_truncated_pickle_raises(fitted):
    model, _ = fitted
    payload = pickle.dumps(model, protocol=5)
    for cut in (len(payload) // 3, len(payload) - 1):
        with pytest.raises((pickle.UnpicklingError, EOFError, ValueError)):
            pickle.load(io.BytesIO(payload[:cut]))


def test_edited_coef_is_used_after_round_trip(fitted):
    model, X = fitted
    model.coef_ = model.coef_ * 2
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


# --- states that would fail (or read out of bounds) later are refused at load ---------


class _WithState:
    def __init__(self, cls, state):
        self.cls, self.state = cls, state

    def __reduce__(self):
        import copyreg

        return copyreg._reconstructor, (self.cls, object, None), self.state


@pytest.mark.parametrize(
    "change, message",
    [
        ({"intercept_": np.float64(1.0)}, "does not match its declared shape"),
        ({"n_jobs": "all"}, "n_jobs"),
        ({"n_jobs": 2.5}, "n_jobs"),
        ({"n_jobs": True}, "n_jobs"),
        ({"_skaccel_record": "format:1.-1"}, "invalid model-format version"),
        ({"coef_": np.zeros((3, 4), dtype=np.float16)}, "does not match"),
    ],
)
def test_states_that_would_fail_later_are_refused_at_load(regression_data, change, message):
    from skaccel.exceptions import CorruptModelError

    X, Y, _ = regression_data
    model = LinearRegression().fit(X, Y)  # coef_ (3, 8), intercept_ (3,)
    state = model.__getstate__()
    for key, value in change.items():
        if isinstance(value, str) and value == "format:1.-1":
            state[key] = {**state[key], "format_version": "1.-1"}
        else:
            state[key] = value
    with pytest.raises(CorruptModelError, match=message):
        pickle.loads(pickle.dumps(_WithState(type(model), state)))


def test_an_absurd_but_integral_n_jobs_loads_and_predicts(regression_data):
    X, Y, _ = regression_data
    model = LinearRegression(n_jobs=10**30).fit(X, Y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

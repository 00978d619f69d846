"""Incremental linear models: equal to the batch models, and streams survive pickling."""

import copy
import pickle

import cloudpickle
import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose

import skaccel
from skaccel.linear_model import (
    IncrementalLinearRegression,
    IncrementalRidge,
    LinearRegression,
    Ridge,
)

PAIRS = [
    (IncrementalLinearRegression, LinearRegression, {}),
    (IncrementalRidge, Ridge, {"alpha": 3.0}),
]


def batches(n, size):
    return [slice(s, s + size) for s in range(0, n, size)]


@pytest.mark.parametrize("incremental, batch, params", PAIRS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("targets", ["1d", "2d"])
def test_stream_equals_batch_model(
    regression_data, incremental, batch, params, dtype, fit_intercept, weighted, targets
):
    X, Y, w = regression_data
    X = X.astype(dtype)
    y = Y[:, 0] if targets == "1d" else Y
    sw = w if weighted else None
    model = incremental(fit_intercept=fit_intercept, **params)
    for rows in batches(len(X), 77):
        model.partial_fit(X[rows], y[rows], sample_weight=None if sw is None else sw[rows])
    reference = batch(fit_intercept=fit_intercept, **params).fit(X, y, sample_weight=sw)
    rtol = 2e-4 if dtype == np.float32 else 1e-10
    assert model.coef_.dtype == reference.coef_.dtype and model.coef_.shape == reference.coef_.shape
    assert_allclose(model.coef_, reference.coef_, rtol=rtol, atol=rtol)
    assert np.shape(model.intercept_) == np.shape(reference.intercept_)
    assert_allclose(model.intercept_, reference.intercept_, rtol=rtol, atol=rtol * 10)
    assert model.n_samples_seen_ == len(X)
    assert_allclose(model.predict(X), reference.predict(X), rtol=rtol, atol=rtol * 10)


@pytest.mark.parametrize("incremental, batch, params", PAIRS)
def test_fit_is_the_partial_fit_stream_of_its_batches(regression_data, incremental, batch, params):
    X, Y, _ = regression_data
    fitted = incremental(batch_size=64, **params).fit(X, Y)
    assert fitted.batch_size_ == 64
    streamed = incremental(**params)
    for rows in batches(len(X), 64):
        streamed.partial_fit(X[rows], Y[rows])
    np.testing.assert_array_equal(fitted.coef_, streamed.coef_)
    np.testing.assert_array_equal(fitted.intercept_, streamed.intercept_)
    assert incremental(**params).fit(X, Y).batch_size_ == 5 * X.shape[1]


def round_trips(tmp_path):
    def joblib_mmap(model):
        joblib.dump(model, tmp_path / "m.joblib")
        return joblib.load(tmp_path / "m.joblib", mmap_mode="r")

    def model_file(model, mmap):
        skaccel.save(model, tmp_path / "m.skm")
        return skaccel.load(tmp_path / "m.skm", mmap=mmap)

    return {
        "pickle5": lambda m: pickle.loads(pickle.dumps(m, protocol=5)),
        "pickle0": lambda m: pickle.loads(pickle.dumps(m, protocol=0)),
        "deepcopy": copy.deepcopy,
        "cloudpickle": lambda m: cloudpickle.loads(cloudpickle.dumps(m)),
        "joblib-mmap": joblib_mmap,
        "file": lambda m: model_file(m, False),
        "file-mmap": lambda m: model_file(m, True),
    }


ROUND_TRIPS = [
    (how, when)
    for how in ["pickle5", "pickle0", "deepcopy", "cloudpickle", "joblib-mmap", "file", "file-mmap"]
    for when in ["before", "middle", "end"]
    if not (how.startswith("file") and when == "before")  # files hold fitted models only
]


@pytest.mark.parametrize("incremental, batch, params", PAIRS)
@pytest.mark.parametrize("how, when", ROUND_TRIPS)
def test_stream_resumes_exactly_after_a_round_trip(
    regression_data, tmp_path, incremental, batch, params, how, when
):
    X, Y, w = regression_data
    parts = batches(len(X), 90)
    cut = {"before": 0, "middle": 3, "end": len(parts)}[when]
    uninterrupted = incremental(**params)
    for rows in parts:
        uninterrupted.partial_fit(X[rows], Y[rows], sample_weight=w[rows])
    model = incremental(**params)
    for rows in parts[:cut]:
        model.partial_fit(X[rows], Y[rows], sample_weight=w[rows])
    model = round_trips(tmp_path)[how](model)
    for rows in parts[cut:]:
        model.partial_fit(X[rows], Y[rows], sample_weight=w[rows])
    np.testing.assert_array_equal(model.coef_, uninterrupted.coef_)
    np.testing.assert_array_equal(model.intercept_, uninterrupted.intercept_)
    np.testing.assert_array_equal(model.predict(X), uninterrupted.predict(X))
    assert model.n_samples_seen_ == len(X)


@pytest.mark.parametrize("incremental", [IncrementalLinearRegression, IncrementalRidge])
def test_batches_must_agree(regression_data, incremental):
    X, Y, _ = regression_data
    model = incremental().partial_fit(X[:50], Y[:50])
    with pytest.raises(ValueError, match="targets"):
        model.partial_fit(X[50:100], Y[50:100, :2])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[50:100, :3], Y[50:100])

import pickle

import numpy as np
import pytest
import sklearn

import skaccel
from skaccel.exceptions import DeviceUnavailableError
from skaccel.linear_model import LinearRegression, Ridge


def test_superset_of_sklearn_config():
    config = skaccel.get_config()
    assert set(sklearn.get_config()) <= set(config)
    assert config["target_offload"] == "auto"
    assert config["allow_fallback_to_host"] is False


def test_sklearn_options_pass_through_and_restore():
    with skaccel.config_context(assume_finite=True, target_offload="cpu"):
        assert sklearn.get_config()["assume_finite"] is True
        assert skaccel.get_config()["target_offload"] == "cpu"
    assert sklearn.get_config()["assume_finite"] is False
    assert skaccel.get_config()["target_offload"] == "auto"


def test_set_config_validates():
    with pytest.raises(ValueError, match="target_offload"):
        skaccel.set_config(target_offload="tpu")
    with pytest.raises(ValueError, match="allow_fallback_to_host"):
        skaccel.set_config(allow_fallback_to_host="yes")
    with pytest.raises(TypeError):
        skaccel.set_config(not_an_option=1)


def test_gpu_without_gpu_raises_unless_fallback_allowed(regression_data):
    X, Y, _ = regression_data
    with skaccel.config_context(target_offload="gpu"):
        with pytest.raises(DeviceUnavailableError, match="allow_fallback_to_host"):
            LinearRegression().fit(X, Y)
    model = LinearRegression().fit(X, Y)
    with skaccel.config_context(target_offload="gpu"):
        with pytest.raises(DeviceUnavailableError):
            model.predict(X)
    with skaccel.config_context(target_offload="gpu", allow_fallback_to_host=True):
        np.testing.assert_array_equal(Ridge().fit(X, Y).predict(X), Ridge().fit(X, Y).predict(X))


def test_model_pickled_inside_config_context_does_not_carry_it(regression_data):
    X, Y, _ = regression_data
    with skaccel.config_context(
        target_offload="cpu", allow_fallback_to_host=True, assume_finite=True
    ):
        model = Ridge().fit(X, Y)
        payload = pickle.dumps(model)
    state = model.__getstate__()
    for key in (
        "target_offload",
        "allow_fallback_to_host",
        "assume_finite",
        "array_api_dispatch",
    ):
        assert key not in state
        assert key.encode() not in payload
    loaded = pickle.loads(payload)
    assert skaccel.get_config()["target_offload"] == "auto"
    assert sklearn.get_config()["assume_finite"] is False
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

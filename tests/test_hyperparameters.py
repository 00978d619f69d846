import pickle

import pytest
from numpy.testing import assert_allclose

from skaccel.linear_model import LinearRegression, Ridge

# scikit-learn-intelex's names of the cross-product kernel's knobs; the last three are
# accepted and have no effect here.
SKLEARNEX_KNOB_NAMES = (
    "cpu_macro_block",
    "cpu_grain_size",
    "cpu_max_cols_batched",
    "cpu_small_rows_threshold",
    "cpu_small_rows_max_cols_batched",
    "gpu_macro_block",
)


@pytest.fixture(autouse=True)
def _reset():
    yield
    LinearRegression.reset_hyperparameters("fit")


def test_get_set_reset():
    hp = LinearRegression.get_hyperparameters("fit")
    default = hp.to_dict()
    assert set(default) == set(SKLEARNEX_KNOB_NAMES)
    assert set(hp.no_effect) == {
        "cpu_small_rows_threshold",
        "cpu_small_rows_max_cols_batched",
        "gpu_macro_block",
    }
    assert hp.is_default
    hp.cpu_macro_block = 37
    assert LinearRegression.get_hyperparameters("fit").cpu_macro_block == 37
    assert Ridge.get_hyperparameters("fit").cpu_macro_block == 37  # one kernel
    LinearRegression.reset_hyperparameters("fit")
    assert hp.to_dict() == default


def test_invalid_values_and_ops():
    hp = LinearRegression.get_hyperparameters("fit")
    with pytest.raises(ValueError):
        hp.cpu_grain_size = 0
    with pytest.raises(AttributeError):
        hp.cpu_unknown = 3
    with pytest.raises(ValueError, match="predict"):
        LinearRegression.get_hyperparameters("predict")


@pytest.mark.parametrize(
    "settings",
    [
        {"cpu_macro_block": 7, "cpu_grain_size": 16},
        {"cpu_macro_block": 64, "cpu_grain_size": 1},
        {"cpu_max_cols_batched": 2, "cpu_macro_block": 50},
    ],
)
def test_change_speed_not_results(regression_data, settings):
    X, Y, w = regression_data
    reference = Ridge().fit(X, Y, sample_weight=w)
    hp = Ridge.get_hyperparameters("fit")
    for name, value in settings.items():
        setattr(hp, name, value)
    tuned = Ridge().fit(X, Y, sample_weight=w)
    assert_allclose(tuned.coef_, reference.coef_, rtol=1e-10)
    assert_allclose(tuned.intercept_, reference.intercept_, rtol=1e-10)


def test_never_pickled(regression_data):
    X, Y, _ = regression_data
    hp = LinearRegression.get_hyperparameters("fit")
    hp.cpu_macro_block = 123
    model = LinearRegression().fit(X, Y)
    payload = pickle.dumps(model)
    assert b"cpu_macro_block" not in payload
    LinearRegression.reset_hyperparameters("fit")
    pickle.loads(payload)
    assert hp.cpu_macro_block != 123
    with pytest.raises(TypeError):
        pickle.dumps(hp)

"""Examples of the basic-statistics model types (tests/model_examples.py)."""

import numpy as np
from model_examples import Example, rng, spectrum

from skaccel.basic_statistics import BasicStatistics, IncrementalBasicStatistics


def _all():
    X = spectrum(p=5, seed=30)
    return BasicStatistics().fit(X), X


def _f32_weighted():
    X = spectrum(p=4, seed=31).astype(np.float32)
    w = rng(31).uniform(0.0, 3.0, X.shape[0]).astype(np.float32)
    return BasicStatistics(result_options=["mean", "max", "variance"]).fit(X, sample_weight=w), X


def _stream():
    X = spectrum(p=5, seed=32)
    model = IncrementalBasicStatistics()
    for start in range(0, 120, 40):
        model.partial_fit(X[start : start + 40])
    return model, X


EXAMPLES = [
    Example("BasicStatistics", "f64_all", _all),
    Example("BasicStatistics", "f32_weighted_subset", _f32_weighted),
    Example("IncrementalBasicStatistics", "f64_stream", _stream),
]

CHECKS = [
    BasicStatistics(),
    BasicStatistics(result_options=["mean", "variance"]),
    IncrementalBasicStatistics(),
    IncrementalBasicStatistics(result_options="max", batch_size=3),
]

_ONE_D = (
    "1-D X is one feature, as scikit-learn-intelex reads it (scikit-learn's convention refuses it)"
)
EXPECTED_FAILED_CHECKS = {
    "BasicStatistics": {"check_fit1d": _ONE_D},
    "IncrementalBasicStatistics": {
        "check_fit1d": _ONE_D,
        "check_fit_score_takes_y": (
            "partial_fit(X, sample_weight=None, check_input=True) is scikit-learn-intelex's "
            "signature: the weights are the second positional argument there"
        ),
    },
}

"""Examples of the covariance model types (tests/model_examples.py)."""

import numpy as np
from model_examples import Example, spectrum

from skaccel.covariance import EmpiricalCovariance, IncrementalEmpiricalCovariance


def _cov():
    X = spectrum(p=5, seed=20)
    return EmpiricalCovariance().fit(X), X


def _cov_f32_centered():
    X = spectrum(p=4, seed=21).astype(np.float32)
    return EmpiricalCovariance(assume_centered=True, store_precision=False).fit(X), X


def _icov_stream():
    X = spectrum(p=5, seed=22)
    model = IncrementalEmpiricalCovariance(store_precision=True)
    for start in range(0, 120, 30):
        model.partial_fit(X[start : start + 30])
    return model, X


EXAMPLES = [
    Example("EmpiricalCovariance", "f64", _cov),
    Example("EmpiricalCovariance", "f32_assume_centered", _cov_f32_centered),
    Example("IncrementalEmpiricalCovariance", "f64_stream", _icov_stream),
]

CHECKS = [
    EmpiricalCovariance(),
    EmpiricalCovariance(assume_centered=True, store_precision=False),
    IncrementalEmpiricalCovariance(),
    IncrementalEmpiricalCovariance(store_precision=True, assume_centered=True, batch_size=3),
]

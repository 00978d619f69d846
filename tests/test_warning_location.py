"""Warnings skaccel raises point at the user's line, whatever the call path (directly,
through fit_transform, a Pipeline, the array-API dispatch, skaccel.load or pickle)."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.pipeline import make_pipeline
from test_inspect_and_cli_policy import good_record, write_with_record

import skaccel
from skaccel.covariance import EmpiricalCovariance, IncrementalEmpiricalCovariance
from skaccel.exceptions import SkaccelVersionWarning
from skaccel.linear_model import Ridge

array_api_strict = pytest.importorskip("array_api_strict")
X = np.random.default_rng(0).standard_normal((30, 3))
y = X.sum(axis=1)


def _ridge_auto_under_dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        Ridge().fit(array_api_strict.asarray(X), array_api_strict.asarray(y))


def _ridge_auto_under_dispatch_in_a_pipeline():
    with sklearn.config_context(array_api_dispatch=True):
        make_pipeline(Ridge()).fit(array_api_strict.asarray(X), array_api_strict.asarray(y))


CALLS = {
    "Ridge array API 'auto'": _ridge_auto_under_dispatch,
    "Ridge array API 'auto' in a Pipeline": _ridge_auto_under_dispatch_in_a_pipeline,
    "EmpiricalCovariance one sample": lambda: EmpiricalCovariance().fit(X[:1]),
    "IncrementalEmpiricalCovariance one sample": lambda: IncrementalEmpiricalCovariance().fit(
        X[:1]
    ),
}


@pytest.mark.parametrize("name", CALLS)
def test_warnings_point_at_the_callers_line(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CALLS[name]()
    assert caught
    assert {w.filename for w in caught} == {__file__}, [(w.filename, w.lineno) for w in caught]


LOADERS = {
    "skaccel.load": lambda path: skaccel.load(path),
    "skaccel.load mmap": lambda path: skaccel.load(path, mmap=True),
    "pickle.loads": lambda path: pickle.loads(path.with_suffix(".pkl").read_bytes()),
}


@pytest.mark.parametrize("route", LOADERS)
def test_version_warnings_point_at_the_callers_line(tmp_path, route):
    model = Ridge().fit(X, y)
    path = tmp_path / "m.skm"
    write_with_record(path, model, good_record(skaccel="0.0.1"))
    assert len(skaccel.__version__) == len("0.0.1")  # a same-length edit keeps the pickle valid
    payload = pickle.dumps(model).replace(skaccel.__version__.encode(), b"0.0.1")
    path.with_suffix(".pkl").write_bytes(payload)
    with pytest.warns(SkaccelVersionWarning, match="0.0.1") as caught:
        LOADERS[route](path)
    assert {w.filename for w in caught if w.category is SkaccelVersionWarning} == {__file__}

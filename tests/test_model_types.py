"""Every registered model type, by construction (docs/architecture.md).

The model types come from the core's registry and their examples from the families'
``tests/<family>/model_type_examples.py`` (tests/model_examples.py). For every type:

* it has a public skaccel class, examples, estimators for scikit-learn's checks and golden
  files of this release (tests/test_compat.py);
* its declared state is complete: every attribute a fit sets is declared, so a pickle and
  a model file can never hold different models;
* every round trip (pickle protocols 0-5 and out-of-band 5, deepcopy, joblib in memory and
  memory-mapped, cloudpickle, model file plain and mapped) gives the same state and
  bit-identical outputs of every declared inference method;
* a user's subclass pickles, validates and saves like its parent;
* skaccel-predict (C++, no Python) gives every declared method's outputs bit for bit;
* scikit-learn's estimator checks pass.
"""

from __future__ import annotations

import pickle
import subprocess

import numpy as np
import pytest
from model_examples import CHECKS, EXAMPLES, content, expected_failed_checks
from roundtrips import ROUND_TRIPS, assert_identical
from sklearn.utils.estimator_checks import parametrize_with_checks
from test_cpp_predict import CLI

import skaccel
from skaccel._registry import MODEL_TYPES, estimator_class

TYPES = sorted(MODEL_TYPES)
WITH_METHODS = [e for e in EXAMPLES if MODEL_TYPES[e.model_type].methods]
# Attributes scikit-learn keeps on estimators that are configuration, not fitted state.
NOT_STATE = {"_sklearn_output_config", "_metadata_request"}

_fitted = {}


def fitted(example):
    """(estimator, X) of an example, fitted once per session (copies are returned)."""
    import copy

    if example.case not in _fitted:
        _fitted[example.case] = example.make()
    model, X = _fitted[example.case]
    return copy.deepcopy(model), X


def outputs(model, X):
    """{method: tuple of outputs} of every declared inference method."""
    result = {}
    for method in MODEL_TYPES[model._model_type].methods:
        value = getattr(model, method.name)(X)
        result[method.name] = value if isinstance(value, tuple) else (value,)
    return result


def assert_same_outputs(a, b):
    assert a.keys() == b.keys()
    for method in a:
        for x, y in zip(a[method], b[method], strict=True):
            x, y = np.asarray(x), np.asarray(y)
            assert x.dtype == y.dtype and x.shape == y.shape, method
            assert content(x) == content(y), f"{method} differs after the round trip"


@pytest.mark.parametrize("name", TYPES)
def test_every_model_type_has_a_class_examples_and_checks(name):
    cls = estimator_class(name)
    assert cls._model_type == name
    assert cls.__module__.startswith(f"skaccel.{MODEL_TYPES[name].family}")
    assert any(e.model_type == name for e in EXAMPLES), f"no example of {name}"
    assert any(type(c)._model_type == name for c in CHECKS), f"{name} not in CHECKS"


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_declared_state_is_complete(example, tmp_path):
    model, X = fitted(example)
    assert type(model)._model_type == example.model_type
    declared = MODEL_TYPES[example.model_type].field_names
    set_by_fit = {
        k for k in vars(model) if (k.endswith("_") or k.startswith("_")) and not k.startswith("__")
    }
    undeclared = sorted(set_by_fit - declared - NOT_STATE)
    assert not undeclared, f"{example.model_type} does not declare {undeclared}"
    # So the model file holds what the pickle holds.
    skaccel.save(model, tmp_path / "m.skm")
    assert_identical(pickle.loads(pickle.dumps(model)), skaccel.load(tmp_path / "m.skm"))


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_round_trips_are_bit_identical(example, how, tmp_path):
    model, X = fitted(example)
    before = outputs(model, X)
    loaded = ROUND_TRIPS[how](model, tmp_path)
    assert_identical(model, loaded)
    assert_same_outputs(before, outputs(loaded, X))


# A user's subclass of each skaccel class (module-level, so pickle finds it by name).
SUBCLASSES = {}
for _name in TYPES:
    _cls = estimator_class(_name)
    SUBCLASSES[_name] = type(f"User{_cls.__name__}", (_cls,), {"__module__": __name__})
    globals()[f"User{_cls.__name__}"] = SUBCLASSES[_name]


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_a_users_subclass_pickles_validates_and_saves_like_its_parent(example, tmp_path):
    model, X = fitted(example)
    sub = SUBCLASSES[example.model_type]
    mine = sub.__new__(sub)
    mine.__dict__.update(model.__dict__)
    back = pickle.loads(pickle.dumps(mine))
    assert type(back) is sub
    assert_same_outputs(outputs(model, X), outputs(back, X))
    # The validator checks the subclass's state as its parent's: a damaged one is refused.
    state = mine.__getstate__()
    state["n_features_in_"] = -1
    broken = sub.__new__(sub)
    with pytest.raises(skaccel.exceptions.CorruptModelError):
        broken.__setstate__(state)
    skaccel.save(mine, tmp_path / "m.skm")
    assert type(skaccel.load(tmp_path / "m.skm")) is estimator_class(example.model_type)
    loaded = skaccel.load(tmp_path / "m.skm", cls=sub)
    assert type(loaded) is sub
    assert_same_outputs(outputs(model, X), outputs(loaded, X))


@pytest.mark.skipif(CLI is None, reason="skaccel-predict not built (make test-cpp)")
@pytest.mark.parametrize("mmap", [True, False])
@pytest.mark.parametrize("example", WITH_METHODS, ids=str)
def test_cpp_loader_gives_every_method_bit_for_bit(example, mmap, tmp_path):
    model, X = fitted(example)
    skaccel.save(model, tmp_path / "m.skm")
    np.save(tmp_path / "X.npy", X)
    for method, values in outputs(model, X).items():
        files = [tmp_path / f"{method}_{k}.npy" for k in range(len(values))]
        args = [CLI, tmp_path / "m.skm", tmp_path / "X.npy", "--method", method]
        for f in files:
            args += ["-o", f]
        if not mmap:
            args.append("--no-mmap")
        run = subprocess.run(list(map(str, args)), capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        for f, expected in zip(files, values, strict=True):
            got = np.load(f)
            expected = np.asarray(expected)
            if expected.dtype == object:  # str labels: skaccel-predict writes NumPy's <U
                assert got.dtype.kind == "U" and got.tolist() == expected.tolist(), method
                continue
            assert got.dtype == expected.dtype and got.shape == expected.shape
            assert got.tobytes() == expected.tobytes(), f"skaccel-predict {method} differs"


@parametrize_with_checks(CHECKS, expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)

"""Fitted examples of every registered model type, gathered from the families' own files.

Each family folder of the tests (``tests/<family>/``, named as the core's family) holds a
``model_type_examples.py`` that defines

``EXAMPLES``
    a list of :class:`Example`: a model type, a name, and a function returning a fitted
    estimator and an input for its inference methods;
``CHECKS``
    unfitted estimators for scikit-learn's estimator checks;
``EXPECTED_FAILED_CHECKS``
    ``{class name: {check name: reason}}``, or a function of the estimator returning
    ``{check name: reason}`` (optional).

The registry-driven tests (tests/test_model_types.py) and the golden files
(tests/data/compat/write_golden.py) use them, so a new model type is tested by writing
its examples, and a registered type without any makes a test fail.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TESTS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Example:
    model_type: str
    name: str
    make: Callable[[], tuple[Any, np.ndarray]]  # (fitted estimator, X for its methods)
    # The fit runs scikit-learn's code by design (e.g. LogisticRegression's liblinear): the
    # state is one the core's methods must read, but refits are not the core's.
    sklearn_fit: bool = False

    @property
    def case(self) -> str:
        return f"{self.model_type}_{self.name}"

    def __str__(self) -> str:
        return self.case


def _family_modules():
    modules = []
    for path in sorted(TESTS.glob("*/model_type_examples.py")):
        name = f"model_type_examples_{path.parent.name}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return modules


def rng(seed=0):
    return np.random.default_rng(seed)


def regression(n=64, p=6, t=2, seed=2024):
    """X with non-zero means and scales, Y (n, t) linear in X plus noise, positive weights."""
    r = rng(seed)
    X = r.standard_normal((n, p)) * r.uniform(0.5, 10, p) + r.uniform(-5, 100, p)
    Y = X @ r.standard_normal((p, t)) + r.uniform(-2, 2, t) + 0.1 * r.standard_normal((n, t))
    w = r.uniform(0.5, 2.0, n)
    return X, Y, w


def spectrum(n=200, p=8, seed=7):
    """Rotated data with a well-separated spectrum and means far from zero."""
    r = rng(seed)
    rotation, _ = np.linalg.qr(r.standard_normal((p, p)))
    Z = r.standard_normal((n, p)) * np.geomspace(10.0, 0.1, p)
    return Z @ rotation.T + r.uniform(-5.0, 5.0, p)


def content(a):
    """What bit-identical outputs share: the bytes, or for object arrays (str labels of
    classes_ of object dtype) the values -- their bytes are pointers."""
    a = np.asarray(a)
    return a.tolist() if a.dtype == object else a.tobytes()


def is_labels(a):
    """Whether an output holds str labels (predict of str classes_): NumPy whatever the
    input's namespace, as classes_ is."""
    return isinstance(a, np.ndarray) and a.dtype.kind in "OU"


def fit_target(model, X):
    """y for refitting an example's estimator on X: as many linear targets as the model
    has, or for a classifier as many classes as it has (its own labels), cut from a linear
    score at its quantiles."""
    coefs = np.arange(1.0, X.shape[1] + 1.0)
    if hasattr(model, "classes_"):
        score = np.asarray(X, dtype=np.float64) @ coefs
        k = len(model.classes_)
        codes = np.searchsorted(np.quantile(score, np.linspace(0, 1, k + 1)[1:-1]), score)
        return np.asarray(model.classes_)[codes]
    fitted = model.coef_ if hasattr(model, "coef_") else model._y  # targets are _y's columns
    if fitted.ndim == 2:
        n_targets = fitted.shape[0] if hasattr(model, "coef_") else fitted.shape[1]
        coefs = np.stack([coefs * (k + 1) for k in range(n_targets)], axis=1)
    return np.asarray(X @ coefs, dtype=X.dtype)


def needs_target(model_type):
    """Whether fit takes a y (supervised model types: coefficients or stored targets)."""
    from skaccel._registry import MODEL_TYPES

    return bool({"coef_", "_y"} & MODEL_TYPES[model_type].field_names)


# Last: the family files import the helpers above from this (partly initialised) module.
_MODULES = _family_modules()
EXAMPLES: list[Example] = [e for m in _MODULES for e in m.EXAMPLES]
CHECKS: list[Any] = [c for m in _MODULES for c in m.CHECKS]
_EXPECTED = [getattr(m, "EXPECTED_FAILED_CHECKS", {}) for m in _MODULES]


def expected_failed_checks(estimator) -> dict[str, str]:
    """{check name: reason} of the checks expected to fail for ``estimator``."""
    found = {}
    for expected in _EXPECTED:
        if callable(expected):
            found.update(expected(estimator))
        else:
            found.update(expected.get(type(estimator).__name__, {}))
    return found

"""Pickle state of skaccel estimators: the declared fitted state plus a version record.

The state is the estimator's own attribute dictionary (so protocol 5 sends NumPy arrays
out of band and joblib can memory-map them) with one extra entry, the version record.
Loading applies the compatibility policy (README, "Compatibility policy") and checks the
fitted attributes against the model type's declared schema from the C++ core.
"""

import functools
import inspect
import platform
import warnings

import numpy as np
import sklearn

from . import _core
from .exceptions import CorruptModelError, IncompatibleModelError, SkaccelVersionWarning

RECORD_KEY = "_skaccel_record"
FORMAT_VERSION = "{}.{}".format(*_core.FORMAT_VERSION)

_SCHEMAS = {s["estimator"]: s for s in _core.model_schemas()}


def version_record():
    """The versions a model saved now records."""
    return dict(_process_record())


@functools.cache
def _process_record():
    # Fixed for the life of the process; computed once.
    return {
        "skaccel": _core.__version__,
        "format_version": FORMAT_VERSION,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "cpu_features": _core.cpu_features(),
        "blas": _core.blas_info(),
    }


def _parse_format(text):
    try:
        major, minor = (int(part) for part in str(text).split("."))
    except (TypeError, ValueError):
        raise CorruptModelError(f"invalid model-format version {text!r}") from None
    return major, minor


def _python_minor(text):
    parts = str(text).split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise CorruptModelError(f"invalid Python version {text!r}") from None


def policy_findings(record, estimator_name):
    """Apply the compatibility policy to a saved version record, without acting on it.

    Returns ``(error, warnings)``: ``error`` is None or an exception to raise
    (IncompatibleModelError, CorruptModelError); ``warnings`` is a list of
    SkaccelVersionWarning for other library versions.
    """
    if not isinstance(record, dict):
        return CorruptModelError(
            f"{estimator_name}: the saved state has no skaccel version record; it is "
            "damaged or was not written by skaccel"
        ), []
    missing = {"skaccel", "format_version", "sklearn", "python"} - record.keys()
    if missing:
        return CorruptModelError(
            f"{estimator_name}: the version record lacks {sorted(missing)}"
        ), []
    try:
        saved = _parse_format(record["format_version"])
        saved_py = _python_minor(record["python"])
    except CorruptModelError as exc:
        return exc, []
    supported = _core.FORMAT_VERSION
    if saved[0] != supported[0] or saved[1] > supported[1]:
        return IncompatibleModelError(
            f"{estimator_name} was saved in model format {saved[0]}.{saved[1]} by "
            f"skaccel {record['skaccel']}; this skaccel {_core.__version__} reads "
            f"format {supported[0]}.0 to {supported[0]}.{supported[1]}",
            saved_format=f"{saved[0]}.{saved[1]}",
            supported_format="{}.{}".format(*supported),
        ), []

    def warning(component, original, current):
        return SkaccelVersionWarning(
            estimator_name=estimator_name,
            component=component,
            original_version=original,
            current_version=current,
            original_sklearn_version=record["sklearn"],
            current_sklearn_version=sklearn.__version__,
        )

    found = []
    if record["skaccel"] != _core.__version__:
        found.append(warning("skaccel", record["skaccel"], _core.__version__))
    if record["sklearn"] != sklearn.__version__:
        found.append(warning("scikit-learn", record["sklearn"], sklearn.__version__))
    current_py = _python_minor(platform.python_version())
    if saved_py[0] != current_py[0] or current_py[1] < saved_py[1]:
        found.append(warning("Python", record["python"], platform.python_version()))
    return None, found


def check_record(record, estimator_name):
    """Apply the compatibility policy: raise for an unreadable or damaged record, warn
    SkaccelVersionWarning for each other library version."""
    error, found = policy_findings(record, estimator_name)
    if error is not None:
        raise error
    for warning in found:
        warnings.warn(warning, stacklevel=4)


def describe_field(value):
    """(kind, dtype, shape, integer) of one attribute value, as the core's validator
    (schema::validate_state) sees it."""
    if value is None:
        return "null", "", [], 0
    if isinstance(value, bool):
        return "other", "", [], 0
    if isinstance(value, int | np.integer):
        return "integer", "", [], int(value) if -(2**63) <= int(value) < 2**63 else -1
    if isinstance(value, float):
        return "floating", "", [], 0
    if isinstance(value, str):
        return "string", "", [], 0
    if isinstance(value, np.ndarray | np.generic):
        if value.dtype.kind in "OUS":
            return "string_array", "", list(np.shape(value)), 0
        return "tensor", value.dtype.name, list(np.shape(value)), 0
    return type(value).__name__, "", [], 0


def validate_fitted_state(estimator_name, state):
    """Check the fitted attributes in ``state`` against the model type's declared
    schema (the core's validator, shared with the model-file reader)."""
    if estimator_name not in _SCHEMAS:
        return
    values = [
        (field["name"], *describe_field(state[field["name"]]))
        for field in _SCHEMAS[estimator_name]["fields"]
        if field["name"] in state
    ]
    try:
        _core.validate_state(estimator_name, values)
    except _core.FormatError as exc:
        raise CorruptModelError(str(exc)) from None


class PersistenceMixin:
    """Pickling with a version record, policy checks on load and schema validation."""

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_sklearn_version", None)
        state[RECORD_KEY] = version_record()
        return state

    def __setstate__(self, state):
        name = type(self).__name__
        if not isinstance(state, dict):
            raise CorruptModelError(f"{name}: expected a dict state, got {type(state).__name__}")
        state = dict(state)
        record = state.pop(RECORD_KEY, None)
        check_record(record, name)
        validate_fitted_state(name, state)
        # Hyperparameters added to scikit-learn after the model was saved get their
        # class defaults, so later code never meets an AttributeError.
        for param, default in _constructor_defaults(type(self)).items():
            state.setdefault(param, default)
        self.__dict__.update(state)


@functools.cache
def _constructor_defaults(cls):
    signature = inspect.signature(cls.__init__)
    return {
        p.name: p.default
        for p in signature.parameters.values()
        if p.name != "self" and p.default is not p.empty
    }

"""The version record every saved model carries, the compatibility policy applied on
load, and the check of a fitted state against its model type's declaration.

Used by pickling (skaccel.base), model files (skaccel._model_file) and
``skaccel inspect``.
"""

import functools
import inspect
import platform
import re

import numpy as np
import scipy.sparse as sp
import sklearn

from . import _core
from ._warnings import warn_user
from .exceptions import CorruptModelError, IncompatibleModelError, SkaccelVersionWarning

RECORD_KEY = "_skaccel_record"
FORMAT_VERSION = "{}.{}".format(*_core.FORMAT_VERSION)


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


_FORMAT = re.compile(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})")


def _parse_format(text):
    match = _FORMAT.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise CorruptModelError(f"invalid model-format version {text!r}")
    return int(match.group(1)), int(match.group(2))


def _python_minor(text):
    match = re.match(r"([0-9]+)\.([0-9]+)", text) if isinstance(text, str) else None
    if match is None:
        raise CorruptModelError(f"invalid Python version {text!r}")
    return int(match.group(1)), int(match.group(2))


@functools.cache
def _current_python_minor():
    return _python_minor(platform.python_version())


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
    not_str = sorted(
        k
        for k in ("skaccel", "format_version", "sklearn", "python")
        if not isinstance(record[k], str)
    )
    if not_str:
        return CorruptModelError(
            f"{estimator_name}: the version record's {not_str} are not strings"
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
    current_py = _current_python_minor()
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
        warn_user(warning, type(warning))


_ARRAY_DTYPES = (
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "complex64",
    "complex128",
)


def _dtype_name(dtype):
    """The NumPy-style name of any namespace's dtype ("float64" for torch.float64)."""
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and name in _ARRAY_DTYPES:
        return name
    text = str(dtype).rsplit(".", 1)[-1]
    return text if text in _ARRAY_DTYPES else str(dtype)


@functools.lru_cache(maxsize=256)
def _numpy_dtype_name(dtype):
    # NumPy computes dtype.name in Python (~5 µs); a pickle round trip asks for it per field.
    return dtype.name


def _is_int_list(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in value
    )


def describe_field(value):
    """(kind, dtype, shape, integer) of one attribute value, as the core's validator
    (model::validate_state) sees it. Arrays of any array-API namespace (NumPy, torch,
    array-api-strict, ...) are described through the standard's ``dtype`` and ``shape``;
    a NumPy float scalar (``np.float64``) is a 0-d array, a Python float a float, and
    integers of any kind are integers."""
    if value is None:
        return "null", "", [], 0
    if isinstance(value, bool | np.bool_):
        return "other", "", [], 0
    if isinstance(value, int | np.integer):
        return "integer", "", [], int(value) if -(2**63) <= int(value) < 2**63 else -1
    if sp.issparse(value):
        # A sparsified coef_ (LinearClassifierMixin.sparsify): validated by its shape and
        # dtype; inference and model files refuse it (scikit-learn's code computes).
        return "tensor", _numpy_dtype_name(value.dtype), list(value.shape), 0
    if isinstance(value, np.ndarray | np.generic):
        if value.dtype.kind in "OUS":
            return "string_array", "", list(value.shape), 0
        return "tensor", _numpy_dtype_name(value.dtype), list(value.shape), 0
    if isinstance(value, float):
        return "floating", "", [], 0
    if _is_int_list(value):
        # A list of ints (ElasticNet's n_iter_ for several targets): an int64 vector.
        return "tensor", "int64", [len(value)], 0
    if isinstance(value, str):
        return "string", "", [], 0
    if hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__dlpack__"):
        try:
            shape = [int(d) for d in value.shape]
        except TypeError:  # an unknown (lazy) dimension
            return type(value).__name__, "", [], 0
        return "tensor", _dtype_name(value.dtype), shape, 0
    return type(value).__name__, "", [], 0


def validate_fitted_state(model_type, state):
    """Check the fitted attributes in ``state`` against the declaration of ``model_type``
    (the core's validator, shared with the model-file reader)."""
    from ._registry import MODEL_TYPES

    info = MODEL_TYPES.get(model_type)
    if info is None:
        raise CorruptModelError(f"{model_type!r} is not a registered skaccel model type")
    values = [
        (field.name, *describe_field(state[field.name]))
        for field in info.fields
        if field.name in state
    ]
    try:
        _core.validate_state(model_type, values)
    except _core.FormatError as exc:
        raise CorruptModelError(str(exc)) from None


@functools.cache
def constructor_defaults(cls):
    """{parameter: default} of ``cls.__init__``."""
    signature = inspect.signature(cls.__init__)
    return {
        p.name: p.default
        for p in signature.parameters.values()
        if p.name != "self" and p.default is not p.empty
    }

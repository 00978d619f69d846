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


def check_record(record, estimator_name):
    """Apply the compatibility policy to a saved version record.

    Raises IncompatibleModelError for an unreadable format, CorruptModelError for a
    damaged record, and warns SkaccelVersionWarning for other library versions.
    """
    if not isinstance(record, dict):
        raise CorruptModelError(
            f"{estimator_name}: the saved state has no skaccel version record; it is "
            "damaged or was not written by skaccel"
        )
    missing = {"skaccel", "format_version", "sklearn", "python"} - record.keys()
    if missing:
        raise CorruptModelError(f"{estimator_name}: the version record lacks {sorted(missing)}")
    saved = _parse_format(record["format_version"])
    supported = _core.FORMAT_VERSION
    if saved[0] != supported[0] or saved[1] > supported[1]:
        raise IncompatibleModelError(
            f"{estimator_name} was saved in model format {saved[0]}.{saved[1]} by "
            f"skaccel {record['skaccel']}; this skaccel {_core.__version__} reads "
            f"format {supported[0]}.0 to {supported[0]}.{supported[1]}",
            saved_format=f"{saved[0]}.{saved[1]}",
            supported_format=FORMAT_VERSION,
        )

    def warn(component, original, current):
        warnings.warn(
            SkaccelVersionWarning(
                estimator_name=estimator_name,
                component=component,
                original_version=original,
                current_version=current,
                original_sklearn_version=record["sklearn"],
                current_sklearn_version=sklearn.__version__,
            ),
            stacklevel=4,
        )

    if record["skaccel"] != _core.__version__:
        warn("skaccel", record["skaccel"], _core.__version__)
    if record["sklearn"] != sklearn.__version__:
        warn("scikit-learn", record["sklearn"], sklearn.__version__)
    saved_py = _python_minor(record["python"])
    current_py = _python_minor(platform.python_version())
    if saved_py[0] != current_py[0] or current_py[1] < saved_py[1]:
        warn("Python", record["python"], platform.python_version())


def _shape_error(name, field, value):
    return CorruptModelError(
        f"attribute {name!r} does not match its declared shape {field['shape']}: "
        f"got {getattr(value, 'shape', type(value).__name__)}"
    )


def validate_fitted_state(estimator_name, state):
    """Check the fitted attributes in ``state`` against the declared schema."""
    schema = _SCHEMAS.get(estimator_name)
    if schema is None:
        return
    fields = schema["fields"]
    # Scalars first, so that n_features_in_ fixes n_features before arrays use it.
    present = sorted((f for f in fields if f["name"] in state), key=lambda f: len(f["shape"]))
    if not present:
        return  # an unfitted estimator
    required = [f["name"] for f in fields if not f["optional"]]
    absent = [name for name in required if name not in state]
    if absent:
        raise CorruptModelError(
            f"{estimator_name}: the saved fitted state lacks {absent}; it is truncated or damaged"
        )
    dims = {}
    float_dtype = None
    for field in present:
        name = field["name"]
        value = state[name]
        if value is None:
            if field["nullable"]:
                continue
            raise CorruptModelError(f"attribute {name!r} must not be None")
        kind = field["dtype"]
        shape = field["shape"]
        if kind == "string":
            ok = (
                isinstance(value, str)
                if not shape
                else (isinstance(value, np.ndarray) and all(isinstance(v, str) for v in value))
            )
            if not ok:
                raise CorruptModelError(f"attribute {name!r} must hold strings")
        elif kind == "integer" and not shape:
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise CorruptModelError(
                    f"attribute {name!r} must be an integer, got {type(value).__name__}"
                )
            if name == "n_features_in_":
                dims["n_features"] = int(value)
            continue
        else:
            if kind == "floating" and isinstance(value, float) and not shape[-1:] == ["n_features"]:
                value = np.asarray(value)  # intercept_ = 0.0 when fit_intercept=False
            elif not isinstance(value, np.ndarray | np.generic):
                raise CorruptModelError(
                    f"attribute {name!r} must be a NumPy array, got {type(value).__name__}"
                )
            dtype = np.asarray(value).dtype
            if kind == "floating":
                if dtype not in (np.float32, np.float64):
                    raise CorruptModelError(
                        f"attribute {name!r} must be float32 or float64, got {dtype}"
                    )
                if isinstance(state[name], np.ndarray | np.generic):
                    if float_dtype is None:
                        float_dtype = dtype
                    elif dtype != float_dtype:
                        raise CorruptModelError(
                            f"attribute {name!r} is {dtype} but the model is {float_dtype}"
                        )
            elif kind == "integer" and dtype.kind not in "iu":
                raise CorruptModelError(f"attribute {name!r} must hold integers")
        actual = np.shape(value)
        fixed = [d for d in shape if not d.endswith("?")]
        if len(actual) not in (len(fixed), len(shape)):
            raise _shape_error(name, field, value)
        symbols = shape if len(actual) == len(shape) else fixed
        for symbol, size in zip(symbols, actual, strict=True):
            symbol = symbol.rstrip("?")
            if dims.setdefault(symbol, size) != size:
                raise _shape_error(name, field, value)


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

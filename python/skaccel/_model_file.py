"""The safe model file: save and load without pickle (docs/model-format.md).

Loading builds only registered skaccel estimator classes, from numbers, strings and
arrays; nothing named in the file is imported or called. The core validates the header
(layout, checksums, schema); this module maps the tensors into NumPy arrays.
"""

import importlib
import json
import os

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _core
from ._persistence import _SCHEMAS, check_record, version_record
from .exceptions import CorruptModelError, IncompatibleModelError

__all__ = ["load", "save"]

_PREFIX = 24


def _registered_class(name):
    schema = _SCHEMAS.get(name)
    if schema is None:
        return None
    return getattr(importlib.import_module(schema["module"]), name)


def _json_param(name, value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.ndim <= 1:
        return value.tolist()
    if isinstance(value, list | tuple) and all(
        isinstance(v, bool | int | float | np.number) for v in value
    ):
        return [v.item() if isinstance(v, np.generic) else v for v in value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)  # e.g. BasicStatistics(result_options=["mean", "max"])
    raise ValueError(
        f"cannot save parameter {name}={value!r} in a model file: only numbers, strings, "
        "booleans, None and lists of numbers or of strings are stored"
    )


def save(model, path):
    """Save a fitted skaccel estimator to a model file.

    Parameters
    ----------
    model : estimator
        A fitted estimator of a registered skaccel type (``skaccel.linear_model``,
        ``skaccel.covariance``, ``skaccel.basic_statistics``, ...).
    path : str or os.PathLike
        Destination; written atomically (a temporary file renamed into place).
    """
    name = type(model).__name__
    cls = _registered_class(name)
    if cls is None or type(model) is not cls:
        raise TypeError(
            f"{type(model).__module__}.{name} is not a skaccel model type that model files "
            f"hold; registered: {sorted(_SCHEMAS)}"
        )
    check_is_fitted(model)
    params = {k: _json_param(k, v) for k, v in model.get_params(deep=False).items()}
    attributes, tensors, feature_names = {}, [], None
    for field in _SCHEMAS[name]["fields"]:
        key = field["name"]
        if key not in model.__dict__:
            continue
        value = model.__dict__[key]
        if key == "feature_names_in_":
            feature_names = [str(v) for v in value]
        elif isinstance(value, np.integer):
            # An integer scalar (e.g. PCA's n_components_ from np.searchsorted) is an
            # integer attribute, as the pickle validator sees it; not a 0-d tensor.
            attributes[key] = int(value)
        elif isinstance(value, np.ndarray | np.generic) and value.dtype.kind in "iuf":
            array = np.asarray(value, dtype=value.dtype.newbyteorder("<"), order="C")
            tensors.append((key, array.dtype.name, array))
        else:
            attributes[key] = value  # int, float, str or None: JSON as they are
    _core.save_model_file(
        os.fspath(path),
        name,
        json.dumps(params, allow_nan=False),
        json.dumps(version_record()),
        json.dumps(attributes, allow_nan=False),
        json.dumps(feature_names),
        tensors,
    )


def _read_header(f, path):
    size = os.fstat(f.fileno()).st_size
    prefix = f.read(_PREFIX)
    try:
        need = _core.required_prefix(prefix, size)
        head = prefix + f.read(need - _PREFIX)
        (major, minor), text, table = _core.parse_model_header(head, size)
    except _core.IncompatibleFormatError as exc:
        saved = (
            f"{int.from_bytes(prefix[8:10], 'little')}.{int.from_bytes(prefix[10:12], 'little')}"
        )
        raise IncompatibleModelError(
            f"{os.fspath(path)}: {exc}", saved_format=saved, supported_format=_format_text()
        ) from None
    except _core.FormatError as exc:
        raise CorruptModelError(f"{os.fspath(path)}: {exc}") from None
    return json.loads(text), table


def _format_text():
    return "{}.{}".format(*_core.FORMAT_VERSION)


def load(path, mmap=False, verify=None):
    """Load a model file written by :func:`save`.

    Parameters
    ----------
    path : str or os.PathLike
    mmap : bool, default=False
        Map the file read-only: the fitted arrays are read-only views of the mapping
        (no copy; load time does not grow with the model). Keep the file in place while
        the model is in use.
    verify : bool, default=None
        Check every tensor's CRC-32C. Defaults to True for a plain load and False with
        ``mmap=True`` (which then stays O(1)); the header is always verified.

    Returns
    -------
    model : estimator
        A fitted skaccel estimator. The compatibility policy applies as for pickles.
    """
    if verify is None:
        verify = not mmap
    with open(path, "rb") as f:
        header, table = _read_header(f, path)
        name = header["estimator"]
        check_record(header.get("record"), name)
        cls = _registered_class(name)  # the core already refused unregistered names
        arrays = {}
        if mmap:
            mapped = np.memmap(f, dtype=np.uint8, mode="r")
            for t in table:
                arrays[t["name"]] = np.ndarray(
                    t["shape"],
                    dtype=np.dtype(t["dtype"]).newbyteorder("<"),
                    buffer=mapped,
                    offset=t["offset"],
                )
        else:
            for t in table:
                array = np.empty(t["shape"], dtype=np.dtype(t["dtype"]).newbyteorder("<"))
                f.seek(t["offset"])
                if f.readinto(memoryview(array.reshape(-1)).cast("B")) != t["nbytes"]:
                    raise CorruptModelError(f"{os.fspath(path)}: tensor {t['name']} is truncated")
                arrays[t["name"]] = array
    if verify:
        for t in table:
            flat = arrays[t["name"]].reshape(-1).view(np.uint8)
            if _core.crc32c_array(flat) != t["crc32c"]:
                raise CorruptModelError(
                    f"{os.fspath(path)}: checksum mismatch in tensor {t['name']!r} (damaged file)"
                )

    model = cls()
    known = model.get_params(deep=False)
    model.set_params(**{k: v for k, v in header.get("params", {}).items() if k in known})
    for key, value in header.get("attributes", {}).items():
        if any(field["name"] == key for field in _SCHEMAS[name]["fields"]):
            setattr(model, key, value)
    for key, array in arrays.items():
        setattr(model, key, array[()] if array.ndim == 0 else array)
    if header.get("feature_names") is not None:
        model.feature_names_in_ = np.asarray(header["feature_names"], dtype=object)
    return model

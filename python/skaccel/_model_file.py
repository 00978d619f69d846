"""The safe model file: save and load without pickle (docs/model-format.md).

Loading builds only registered skaccel estimator classes, from numbers, strings and
arrays; nothing named in the file is imported or called. The core validates the header
(layout, checksums, schema); this module maps the tensors into NumPy arrays.
"""

import json
import os
import weakref

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from . import _core
from ._persistence import _is_int_list, check_record, version_record
from ._registry import MODEL_TYPES, estimator_class
from .exceptions import CorruptModelError, IncompatibleModelError

__all__ = ["load", "save"]

_PREFIX = 24
_TENSOR_DTYPES = ("float32", "float64", "int32", "int64")


def _host_array(value):
    """A NumPy array of any namespace's array (torch, array-api-strict; from a GPU too)."""
    if isinstance(value, np.ndarray | np.generic):
        return np.asarray(value)
    try:
        return np.from_dlpack(value)
    except (AttributeError, BufferError, RuntimeError, TypeError, ValueError):
        from sklearn.utils._array_api import _convert_to_numpy, get_namespace

        return _convert_to_numpy(value, get_namespace(value)[0])


def _is_array(value):
    return isinstance(value, np.ndarray | np.generic) or (
        hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__dlpack__")
    )


def _json_param(name, value):
    if isinstance(value, float) and not np.isfinite(value):
        raise ValueError(f"cannot save parameter {name}={value!r} in a model file (not finite)")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        # Nested lists for 2-D arrays (KMeans' init array); load gives back the lists.
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise ValueError(f"cannot save parameter {name} in a model file (not finite)")
        return value.tolist()
    if isinstance(value, list | tuple) and all(
        isinstance(v, bool | int | float | np.number) for v in value
    ):
        return [v.item() if isinstance(v, np.generic) else v for v in value]
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(v, list | tuple) for v in value)
    ):
        return [_json_param(name, v) for v in value]  # rows of numbers
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)  # e.g. BasicStatistics(result_options=["mean", "max"])
    raise ValueError(
        f"cannot save parameter {name}={value!r} in a model file: only numbers, strings, "
        "booleans, None, numeric arrays and lists of numbers or of strings are stored"
    )


def _string_labels(name, key, array):
    """A 1-D array of str labels as the header stores it (format 1.1): its NumPy dtype
    ("object" or "<Un") and its values, so that load gives back the same array."""
    if array.dtype.kind == "S":
        raise ValueError(f"cannot save {name}.{key} of dtype {array.dtype} (bytes) in a model file")
    values = array.reshape(-1).tolist()
    if array.ndim != 1 or not all(isinstance(v, str) for v in values):
        raise ValueError(
            f"cannot save {name}.{key} in a model file: its labels must be numbers or str "
            "(pickle it)"
        )
    dtype = "object" if array.dtype.kind == "O" else f"<U{max(1, array.dtype.itemsize // 4)}"
    return {"dtype": dtype, "values": values}


def _labels_from_json(value):
    """The array _string_labels stored (the core validated its shape and strings)."""
    dtype = value["dtype"]
    if dtype != "object" and not (dtype.startswith("<U") and dtype[2:].isdigit()):
        raise CorruptModelError(f"labels of an unknown dtype {dtype!r}")
    return np.array(value["values"], dtype=object if dtype == "object" else np.dtype(dtype))


def save(model, path, *, durable=False):
    """Save a fitted skaccel estimator to a model file.

    Parameters
    ----------
    model : estimator
        A fitted estimator of a registered skaccel model type (``skaccel.linear_model``,
        ``skaccel.covariance``, ...), or of a subclass of one: the file records the model
        type, and :func:`load` gives back the skaccel class (or ``cls``).
    path : str or os.PathLike
        Destination. The file is written whole to a new temporary file in the same
        directory, then renamed over ``path``: the old file stays intact until the new one
        is complete, and is still intact if the save fails (a full disk, a file-size
        limit, a signal); readers see the old file or the new one, never none. A symbolic
        link at ``path`` is followed: the file it points to is replaced, the link kept.
        A directory, FIFO or other non-regular file at ``path`` is refused.
    durable : bool, default=False
        Also flush the file and its directory to the disk (``fsync``) before returning, so
        that the new model survives a power failure. This costs a full write-back of the
        file to the device.

    Raises
    ------
    OSError
        For every file-system failure, of the subclass its errno selects
        (``FileNotFoundError`` for a missing directory, ``IsADirectoryError``, ...), with
        ``filename`` set. Nothing is left behind.
    """
    model_type = getattr(type(model), "_model_type", None)
    if model_type not in MODEL_TYPES:
        raise TypeError(
            f"{type(model).__module__}.{type(model).__name__} is not a skaccel model type "
            f"that model files hold; registered: {sorted(MODEL_TYPES)}"
        )
    if isinstance(path, str | bytes) or hasattr(path, "__fspath__"):
        path = os.fsdecode(os.fspath(path))
    else:
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    check_is_fitted(model)
    # A fitted state that the declared fields cannot hold whole (the estimator says why).
    refusal = getattr(model, "_model_file_refusal", None)
    reason = refusal() if refusal is not None else None
    if reason is not None:
        raise ValueError(f"cannot save {type(model).__name__} in a model file: {reason}")
    params = {k: _json_param(k, v) for k, v in model.get_params(deep=False).items()}
    attributes, tensors, feature_names = {}, [], None
    for field in MODEL_TYPES[model_type].fields:
        key = field.name
        if key not in model.__dict__:
            continue
        value = model.__dict__[key]
        if key == "feature_names_in_":
            feature_names = [str(v) for v in value]
        elif field.dtype == "label" and _is_array(value) and _host_array(value).dtype.kind in "OUS":
            attributes[key] = _string_labels(type(model).__name__, key, _host_array(value))
        elif sp.issparse(value):
            raise ValueError(
                f"cannot save {type(model).__name__}.{key}: it is a sparse matrix "
                "(sparsify()); call densify() first, or pickle the model"
            )
        elif _is_int_list(value):
            # A list of ints (ElasticNet's n_iter_ per target) is saved as an int64 vector
            # (a list again on load where the class names it in _int_list_fields).
            tensors.append((key, "int64", np.asarray(value, dtype="<i8")))
        elif isinstance(value, np.integer):
            # An integer scalar (e.g. PCA's n_components_ from np.searchsorted) is an
            # integer attribute, as the pickle validator sees it; not a 0-d tensor.
            attributes[key] = int(value)
        elif _is_array(value):
            array = _host_array(value)
            if array.dtype.name not in _TENSOR_DTYPES:
                raise ValueError(
                    f"cannot save {type(model).__name__}.{key} of dtype {array.dtype} in a "
                    f"model file, which holds {', '.join(_TENSOR_DTYPES)} arrays (pickle it)"
                )
            array = np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")
            tensors.append((key, array.dtype.name, array))
        else:
            attributes[key] = value  # int, float, str or None: JSON as they are
    try:
        attributes_json = json.dumps(attributes, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot save {type(model).__name__}: {exc}") from None
    _core.save_model_file(
        path,
        model_type,
        json.dumps(params, allow_nan=False),
        json.dumps(version_record()),
        attributes_json,
        json.dumps(feature_names),
        tensors,
        durable=bool(durable),
    )


def _read_header(f, path):
    size = os.fstat(f.fileno()).st_size
    prefix = f.read(_PREFIX)
    try:
        need = _core.required_prefix(prefix, size)
        head = prefix + f.read(need - _PREFIX)
        (major, minor), text, table = _core.parse_model_header(head, size)
    except _core.IncompatibleFormatError as exc:
        raise IncompatibleModelError(
            f"{os.fspath(path)}: {exc}",
            saved_format=_saved_format(path, prefix),
            supported_format=_format_text(),
        ) from None
    except _core.FormatError as exc:
        raise CorruptModelError(f"{os.fspath(path)}: {exc}") from None
    return json.loads(text), table


def _saved_format(path, prefix=None):
    if prefix is None:
        with open(path, "rb") as f:
            prefix = f.read(_PREFIX)
    return f"{int.from_bytes(prefix[8:10], 'little')}.{int.from_bytes(prefix[10:12], 'little')}"


def _format_text():
    return "{}.{}".format(*_core.FORMAT_VERSION)


def _open_regular(path):
    """The file at ``path`` opened for reading; a FIFO, socket or device is refused at
    once (never blocking), a directory with IsADirectoryError."""
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory, not a model file", os.fsdecode(path))
        if not stat.S_ISREG(mode):
            raise OSError(
                22,
                "is not a regular file (a FIFO, socket or device), not a model file",
                os.fsdecode(path),
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def load(path, mmap=False, verify=True, cls=None):
    """Load a model file written by :func:`save`.

    Parameters
    ----------
    path : str or os.PathLike
    mmap : bool, default=False
        Map the file read-only: the fitted arrays are read-only views of the mapping
        (no copy: load time and memory do not grow with the model, and processes that
        map one file share its pages). Keep the file in place while the model is in use;
        replace it by renaming a new file over it (as :func:`save` does), never by
        rewriting it in place (``cp new.skm model.skm``).
    verify : bool, default=True
        Check every tensor's CRC-32C, which reads the whole file once. ``verify=False``
        skips that, making a mapped load O(1); the header is always verified.
    cls : type, default=None
        The class to build: the model type's skaccel class, or a subclass of it (a user's
        subclass whose model was saved). None: the skaccel class.

    Returns
    -------
    model : estimator
        A fitted skaccel estimator. The compatibility policy applies as for pickles.
    """
    mapped = None
    if mmap:
        # The core maps the file: its reads are fault-guarded, and inference checks that
        # the file is unchanged (check_mapped_file); the arrays are read-only views.
        try:
            mapped = _core.map_model_file(os.fsdecode(os.fspath(path)), bool(verify))
        except _core.IncompatibleFormatError as exc:
            raise IncompatibleModelError(
                f"{os.fspath(path)}: {exc}",
                saved_format=_saved_format(path),
                supported_format=_format_text(),
            ) from None
        except _core.FormatError as exc:
            raise CorruptModelError(f"{os.fspath(path)}: {exc}") from None
        header, table = json.loads(mapped.header), mapped.tensors
        name = header["estimator"]
        check_record(header.get("record"), name)
        arrays = {t["name"]: mapped.array(t["name"]) for t in table}
    else:
        with _open_regular(path) as f:
            header, table = _read_header(f, path)
            name = header["estimator"]
            check_record(header.get("record"), name)
            arrays = {}
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
                        f"{os.fspath(path)}: checksum mismatch in tensor {t['name']!r} "
                        "(damaged file)"
                    )
    base = estimator_class(name)  # the core already refused unregistered names
    if cls is None:
        cls = base
    elif not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(f"{path}: the model is a {name}; cls={cls!r} is not a subclass of it")

    model = cls()
    known = model.get_params(deep=False)
    model.set_params(**{k: v for k, v in header.get("params", {}).items() if k in known})
    declared = MODEL_TYPES[name].field_names
    for key, value in header.get("attributes", {}).items():
        if key in declared:
            setattr(model, key, _labels_from_json(value) if isinstance(value, dict) else value)
    # Fields a class keeps as Python lists of ints (_int_list_fields: ElasticNet's n_iter_
    # per target) were saved as int64 vectors and become lists again.
    int_lists = set(getattr(cls, "_int_list_fields", ()))
    for key, array in arrays.items():
        if key in int_lists and array.ndim == 1 and array.dtype.kind == "i":
            setattr(model, key, array.tolist())
        else:
            setattr(model, key, array[()] if array.ndim == 0 else array)
    if header.get("feature_names") is not None:
        model.feature_names_in_ = np.asarray(header["feature_names"], dtype=object)
    if mapped is not None:
        _MAPPED[model] = mapped
    return model


# Estimators loaded with mmap=True -> their mapped file (estimators hash by identity). A
# fit forgets the entry (the fitted arrays are then new); copies and pickles hold copies of
# the arrays and have none.
_MAPPED = weakref.WeakKeyDictionary()


def check_mapped_file(estimator):
    """CorruptModelError when the file a mapped estimator reads was truncated or rewritten
    since it was loaded (one fstat)."""
    mapped = _MAPPED.get(estimator)
    if mapped is None:
        return
    try:
        mapped.check_unchanged()
    except _core.FormatError as exc:
        raise CorruptModelError(str(exc)) from None


def forget_mapped_file(estimator):
    _MAPPED.pop(estimator, None)

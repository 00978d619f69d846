"""``skaccel inspect FILE``: what a model file or a skaccel pickle holds, and whether it
will load here -- without loading it.

A pickle is parsed by the pickle opcode machine with every global it names replaced by
an inert placeholder class: nothing is imported and no code from the file runs. A pickle
is only reported loadable when every global it names is on an allow-list: the skaccel
class of a registered model type and what NumPy and ``copyreg`` need to rebuild arrays
and objects. Any other global (``os.system``, ``builtins.eval``, a user's class, ...) is
a callable that ``pickle.load`` would import and may call: the report names it, and the
pickle does not load here "safely".
"""

from __future__ import annotations

import json
import os
import pickle
import stat

from . import _core
from ._model_file import _format_text, _read_header
from ._persistence import RECORD_KEY, _dtype_name, describe_field, policy_findings
from ._registry import MODEL_TYPES, estimator_class
from .exceptions import CorruptModelError, IncompatibleModelError

MAGIC = b"\x89SKM\r\n\x1a\n"
_RECONSTRUCTORS = ("copyreg._reconstructor", "copy_reg._reconstructor")
# The globals a skaccel estimator's pickle may name, besides its own class: what NumPy
# and copyreg use to rebuild arrays, dtypes, scalars and plain objects.
_SAFE_GLOBALS = frozenset(
    {
        "copyreg._reconstructor",
        "copy_reg._reconstructor",
        "builtins.object",
        "__builtin__.object",
        "_codecs.encode",  # bytes in protocols 0-2
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",
        "numpy._core.numeric._frombuffer",
    }
)


class _Placeholder:
    """Stands for any global a pickle names; records what the pickle does with it."""

    _module = _name = ""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.state = None

    def __setstate__(self, state):
        self.state = state

    @classmethod
    def path(cls):
        return f"{cls._module}.{cls._name}"


class _InertUnpickler(pickle.Unpickler):
    def __init__(self, f):
        super().__init__(f)
        self.globals: list[str] = []

    def find_class(self, module, name):
        self.globals.append(f"{module}.{name}")
        return type(str(name), (_Placeholder,), {"_module": module, "_name": name})

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent ids are not supported")


def _placeholder_value(value):
    """Describe a placeholder NumPy array/scalar as (dtype name, shape), else None."""
    if not isinstance(value, _Placeholder):
        return None
    path = type(value).path()
    try:
        if path.endswith("multiarray._reconstruct") and isinstance(value.state, tuple):
            _, shape, dtype, *_ = value.state
            return _dtype_text(dtype), [int(d) for d in shape]
        if path.endswith("multiarray.scalar") and value.args:
            return _dtype_text(value.args[0]), []
        if path.endswith("numeric._frombuffer") and len(value.args) >= 3:  # protocol 5
            return _dtype_text(value.args[1]), [int(d) for d in value.args[2]]
    except (TypeError, ValueError):
        return "unknown", []
    return None


def _dtype_text(dtype):
    if isinstance(dtype, _Placeholder) and dtype.args and isinstance(dtype.args[0], str):
        import numpy as np

        try:
            return _dtype_name(np.dtype(dtype.args[0]))  # e.g. "f8" -> "float64"
        except (TypeError, ValueError):
            return "unknown"
    return "unknown"


def _describe_state(name, state):
    fields, values = [], []
    for field in MODEL_TYPES[name].fields:
        key = field.name
        if key not in state:
            continue
        value = state[key]
        described = _placeholder_value(value)
        if described is not None:
            dtype, shape = described
            kind = "string_array" if dtype == "object" else "tensor"
            values.append((key, kind, dtype, shape, 0))
        else:
            values.append((key, *describe_field(value)))
        fields.append(values[-1])
    return fields, values


def inspect_pickle(path):
    report = {"path": os.fspath(path), "kind": "pickle", "loads": False, "problems": []}
    try:
        with open(path, "rb") as f:
            unpickler = _InertUnpickler(f)
            obj = unpickler.load()
    except Exception as exc:  # noqa: BLE001 - any parse failure is the finding
        report["problems"].append(f"cannot parse the pickle: {type(exc).__name__}: {exc}")
        return report
    if not isinstance(obj, _Placeholder):
        report["problems"].append(f"the pickle holds a {type(obj).__name__}, not an estimator")
        return report
    cls_placeholder = type(obj)
    if cls_placeholder.path() in _RECONSTRUCTORS and obj.args:  # protocols 0-1
        cls_placeholder = obj.args[0]
    if not (isinstance(cls_placeholder, type) and issubclass(cls_placeholder, _Placeholder)):
        report["problems"].append("the pickle does not hold an estimator")
        return report
    report["class"] = cls_placeholder.path()
    name = cls_placeholder._name
    cls = None
    if name in MODEL_TYPES:
        try:
            cls = estimator_class(name)
        except LookupError:
            cls = None
    if cls is None or f"{cls.__module__}.{cls.__name__}" != report["class"]:
        report["problems"].append(f"{report['class']} is not a skaccel model type")
        return report
    unsafe = sorted(set(unpickler.globals) - _SAFE_GLOBALS - {report["class"]})
    if unsafe:
        report["problems"].append(
            "the pickle names globals that pickle.load would import and may call, so "
            f"loading it can run code: {', '.join(unsafe)}"
        )
        report["unsafe_globals"] = unsafe
        return report
    state = obj.state if isinstance(obj.state, dict) else {}
    record = state.get(RECORD_KEY)
    report["record"] = record
    fields, values = _describe_state(name, state)
    report["attributes"] = fields
    _judge(report, record, name, values)
    return report


def inspect_model_file(path):
    report = {"path": os.fspath(path), "kind": "model file", "loads": False, "problems": []}
    try:
        with open(path, "rb") as f:
            header, table = _read_header(f, path)
    except (CorruptModelError, IncompatibleModelError) as exc:
        report["problems"].append(str(exc))
        return report
    name = header["estimator"]
    report["class"] = f"skaccel.{MODEL_TYPES[name].family}.{estimator_class(name).__name__}"
    record = header.get("record")
    report["record"] = record
    report["format"] = record.get("format_version") if isinstance(record, dict) else None
    report["attributes"] = [
        (t["name"], "tensor", t["dtype"], t["shape"], t["nbytes"]) for t in table
    ] + [(k, *describe_field(v)) for k, v in header.get("attributes", {}).items()]
    _judge(report, record, name, [])
    return report


def _judge(report, record, name, values):
    error, found = policy_findings(record, name)
    if error is not None:
        report["problems"].append(str(error))
        return
    if values:
        try:
            _core.validate_state(name, values)
        except _core.FormatError as exc:
            report["problems"].append(str(exc))
            return
    report["loads"] = True
    report["warnings"] = [str(w) for w in found]


def inspect(path):
    """A report (dict) on the model file or skaccel pickle at ``path``; never raises for
    a missing, unreadable or special file (the report says why)."""
    report = {"path": os.fspath(path), "kind": "unknown", "loads": False, "problems": []}
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        report["problems"].append(f"cannot open: {exc.strerror or exc}")
        return report
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = "a directory" if stat.S_ISDIR(mode) else "a FIFO, socket or device"
            report["problems"].append(f"is {what}, not a file")
            return report
        magic = os.read(fd, len(MAGIC))
    except OSError as exc:
        report["problems"].append(f"cannot read: {exc.strerror or exc}")
        return report
    finally:
        os.close(fd)
    try:
        return inspect_model_file(path) if magic == MAGIC else inspect_pickle(path)
    except Exception as exc:  # noqa: BLE001 - a report, never a traceback
        report["problems"].append(f"cannot inspect: {type(exc).__name__}: {exc}")
        return report


def format_report(report):
    lines = [f"{report['path']}: {report['kind']}"]
    if "class" in report:
        lines.append(f"  {'class:':<16} {report['class']}")
    record = report.get("record")
    if isinstance(record, dict):
        for key in ("skaccel", "format_version", "sklearn", "numpy", "python", "cpu_features"):
            if key in record:
                lines.append(f"  {key + ':':<16} {record[key]}")
    attributes = report.get("attributes") or []
    if attributes:
        lines.append("  contents:")
        for name, kind, dtype, shape, extra in attributes:
            if kind in ("tensor", "string_array"):
                size = f", {extra:,} bytes" if extra else ""
                lines.append(f"    {name:<18} {dtype or 'str'} {tuple(shape)}{size}")
            else:
                lines.append(f"    {name:<18} {kind}")
    here = f"skaccel {_core.__version__} (format {_format_text()})"
    if report["loads"]:
        lines.append(f"  loads here: yes, in {here}")
        lines.extend(f"    warning: {w}" for w in report.get("warnings", []))
    else:
        lines.append(f"  loads here: no, in {here}")
        lines.extend(f"    because: {p}" for p in report["problems"])
    return "\n".join(lines)


def main(argv):
    if len(argv) not in (1, 2) or (len(argv) == 2 and argv[1] != "--json"):
        print("usage: skaccel inspect FILE [--json]")
        return 2
    report = inspect(argv[0])
    print(json.dumps(report, default=str, indent=2) if "--json" in argv else format_report(report))
    return 0 if report["loads"] else 1

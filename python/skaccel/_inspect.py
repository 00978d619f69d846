"""``skaccel inspect FILE``: what a model file or a skaccel pickle holds, and whether it
will load here -- without loading it.

A pickle is parsed by the pickle opcode machine with every global it names replaced by
an inert placeholder class: nothing is imported and no code from the file runs.
"""

import json
import os
import pickle

from . import _core
from ._model_file import _format_text, _read_header, _registered_class
from ._persistence import _SCHEMAS, RECORD_KEY, describe_field, policy_findings
from .exceptions import CorruptModelError, IncompatibleModelError

MAGIC = b"\x89SKM\r\n\x1a\n"
_RECONSTRUCTORS = ("copyreg._reconstructor", "copy_reg._reconstructor")


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
    def find_class(self, module, name):
        return type(name, (_Placeholder,), {"_module": module, "_name": name})

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent ids are not supported")


def _placeholder_value(value):
    """Describe a placeholder NumPy array/scalar as (dtype name, shape), else None."""
    if not isinstance(value, _Placeholder):
        return None
    path = type(value).path()
    if path.endswith("multiarray._reconstruct") and isinstance(value.state, tuple):
        _, shape, dtype, *_ = value.state
        return _dtype_name(dtype), list(shape)
    if path.endswith("multiarray.scalar") and value.args:
        return _dtype_name(value.args[0]), []
    if path.endswith("numeric._frombuffer") and len(value.args) >= 3:  # protocol 5
        return _dtype_name(value.args[1]), list(value.args[2])
    return None


def _dtype_name(dtype):
    if isinstance(dtype, _Placeholder) and dtype.args and isinstance(dtype.args[0], str):
        import numpy as np

        return np.dtype(dtype.args[0]).name  # e.g. "f8" -> "float64"
    return "unknown"


def _describe_state(name, state):
    fields, values = [], []
    for field in _SCHEMAS[name]["fields"]:
        key = field["name"]
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
            obj = _InertUnpickler(f).load()
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
    state = obj.state if isinstance(obj.state, dict) else {}
    record = state.get(RECORD_KEY)
    report["record"] = record
    cls = _registered_class(name)
    if cls is None or f"{cls.__module__}.{cls.__name__}" != report["class"]:
        report["problems"].append(f"{report['class']} is not a skaccel model type")
        return report
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
    report["class"] = f"{_SCHEMAS[name]['module']}.{name}"
    report["record"] = header.get("record")
    report["format"] = header.get("record", {}).get("format_version")
    report["attributes"] = [
        (t["name"], "tensor", t["dtype"], t["shape"], t["nbytes"]) for t in table
    ] + [(k, *describe_field(v)) for k, v in header.get("attributes", {}).items()]
    _judge(report, report["record"], name, [])
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
    """A report (dict) on the model file or skaccel pickle at ``path``."""
    with open(path, "rb") as f:
        is_model_file = f.read(len(MAGIC)) == MAGIC
    return inspect_model_file(path) if is_model_file else inspect_pickle(path)


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

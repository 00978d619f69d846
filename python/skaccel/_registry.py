"""The model types the C++ core registers, and the Python classes that declare them.

Every generic layer of the Python package (pickling, model files, ``skaccel inspect``,
patching, the registry-driven tests) reads the declarations from here; none names a
family. A family's Python classes live in ``skaccel.<family>`` (the family name the core
declares, mirroring scikit-learn's modules) and name their model type with the class
attribute ``_model_type``.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any

from . import _core


@dataclass(frozen=True)
class FieldInfo:
    """One declared field of a model type's fitted state."""

    name: str
    dtype: str  # "floating" (the model's float dtype), "float64", "integer", "string"
    shape: tuple[str, ...]  # symbolic dimensions; "name?" may be absent; () for scalars
    optional: bool
    nullable: bool
    doc: str


@dataclass(frozen=True)
class MethodInfo:
    """One inference method a model type registers (computed by the core)."""

    name: str
    doc: str
    params: tuple[str, ...]  # hyperparameters the method reads
    outputs: tuple[tuple[str, str], ...]  # (name, "floating" | "int64" | "int32")


@dataclass(frozen=True)
class ModelTypeInfo:
    """A registered model type: its family, fields and inference methods."""

    name: str
    family: str
    doc: str
    fields: tuple[FieldInfo, ...]
    methods: tuple[MethodInfo, ...]

    @functools.cached_property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def method(self, name: str) -> MethodInfo | None:
        return next((m for m in self.methods if m.name == name), None)


def _load() -> dict[str, ModelTypeInfo]:
    types = {}
    for t in _core.model_types():
        types[t["name"]] = ModelTypeInfo(
            name=t["name"],
            family=t["family"],
            doc=t["doc"],
            fields=tuple(
                FieldInfo(
                    f["name"], f["dtype"], tuple(f["shape"]), f["optional"], f["nullable"], f["doc"]
                )
                for f in t["fields"]
            ),
            methods=tuple(
                MethodInfo(m["name"], m["doc"], tuple(m["params"]), tuple(map(tuple, m["outputs"])))
                for m in t["methods"]
            ),
        )
    return types


MODEL_TYPES: dict[str, ModelTypeInfo] = _load()


def model_type(name: str) -> ModelTypeInfo:
    """The registered model type ``name``; ValueError when there is none."""
    try:
        return MODEL_TYPES[name]
    except KeyError:
        raise ValueError(
            f"no model type named {name!r} is registered; registered: {sorted(MODEL_TYPES)}"
        ) from None


def _declaring_classes(module) -> dict[str, type]:
    """{model type: class} for the classes of ``module`` that declare ``_model_type``
    themselves (a user's subclass inherits the attribute, and is not listed)."""
    found = {}
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name, None)
        if isinstance(obj, type) and "_model_type" in vars(obj):
            found[obj._model_type] = obj
    return found


@functools.cache
def estimator_class(name: str) -> type:
    """The skaccel class of the registered model type ``name`` (imports its family)."""
    info = model_type(name)
    module = importlib.import_module(f"skaccel.{info.family}")
    cls = _declaring_classes(module).get(name)
    if cls is None:
        raise LookupError(
            f"model type {name!r} is registered by the core (family {info.family!r}) but "
            f"skaccel.{info.family} has no public class declaring _model_type = {name!r}"
        )
    return cls


def public_modules() -> list[Any]:
    """Every public subpackage of skaccel (``skaccel.linear_model``, ...), imported."""
    import skaccel

    return [
        importlib.import_module(f"skaccel.{m.name}")
        for m in pkgutil.iter_modules(skaccel.__path__)
        if m.ispkg and not m.name.startswith("_")
    ]


def public_objects() -> list[Any]:
    """Every object in the ``__all__`` of skaccel's public subpackages."""
    seen, out = set(), []
    for module in public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if id(obj) not in seen:
                seen.add(id(obj))
                out.append(obj)
    return out

"""Efficiency parameters: process-level tuning knobs of the C++ kernels.

They change speed, never results beyond roundoff, belong to the process and are never
saved with a model (compare scikit-learn-intelex's ``get_hyperparameters``). Each family
declares its knob sets in the core (``SKACCEL_REGISTER_KNOBS``); an estimator maps its
operations to them in the class attribute ``_hyperparameters`` (``{"fit":
"normal_equations"}``), and :class:`Hyperparameters` reads and writes them by name.
"""

from __future__ import annotations

from . import _core

_KNOB_SETS = {s["name"]: s for s in _core.knob_sets()}


class Hyperparameters:
    """The live efficiency parameters of one kernel, as attributes.

    Setting an attribute takes effect for every later call in this process (in every
    estimator using the kernel). Names accepted for compatibility with
    scikit-learn-intelex that this build's kernels do not read are listed in
    ``no_effect``: they can be set and read back, and change nothing.
    """

    __slots__ = ("_knob_set",)

    def __init__(self, knob_set: str):
        if knob_set not in _KNOB_SETS:
            raise ValueError(f"no knob set named {knob_set!r}; known: {sorted(_KNOB_SETS)}")
        object.__setattr__(self, "_knob_set", knob_set)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k["name"] for k in _KNOB_SETS[self._knob_set]["knobs"])

    @property
    def no_effect(self) -> tuple[str, ...]:
        return tuple(k["name"] for k in _KNOB_SETS[self._knob_set]["knobs"] if not k["effective"])

    def __getattr__(self, name):
        if name.startswith("_") or name not in self.names:
            raise AttributeError(
                f"{self._knob_set} has no efficiency parameter {name!r}; known: {self.names}"
            )
        return _core.get_knob(self._knob_set, name)

    def __setattr__(self, name, value):
        if name not in self.names:
            raise AttributeError(
                f"unknown efficiency parameter {name!r} of {self._knob_set}; known: {self.names}"
            )
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
        _core.set_knob(self._knob_set, name, value)

    def __dir__(self):
        return [*super().__dir__(), *self.names]

    def to_dict(self) -> dict[str, int]:
        return {name: _core.get_knob(self._knob_set, name) for name in self.names}

    @property
    def is_default(self) -> bool:
        """Whether every parameter has its default value."""
        knobs = _KNOB_SETS[self._knob_set]["knobs"]
        return all(_core.get_knob(self._knob_set, k["name"]) == k["default"] for k in knobs)

    def reset(self) -> None:
        """Restore every default."""
        _core.reset_knobs(self._knob_set)

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.to_dict().items())
        return f"Hyperparameters[{self._knob_set}]({args})"

    def __reduce__(self):
        raise TypeError("efficiency parameters belong to the process and do not pickle")


def hyperparameters_of(cls, op: str) -> Hyperparameters:
    """The efficiency parameters of ``cls``'s operation ``op`` (ValueError if none)."""
    table = getattr(cls, "_hyperparameters", {})
    if op not in table:
        ops = sorted(table) or "none"
        raise ValueError(f"{cls.__name__} has efficiency parameters for {ops}, not {op!r}")
    return Hyperparameters(table[op])

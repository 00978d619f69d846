"""Efficiency parameters: process-level tuning knobs of the C++ fit kernels.

They change speed, never results beyond roundoff, belong to the process and are never
saved with a model (compare scikit-learn-intelex's ``get_hyperparameters``).
"""

from . import _core


class LinearFitHyperparameters:
    """Tuning knobs of the blocked normal-equations kernel (LinearRegression, Ridge).

    Attributes
    ----------
    cpu_macro_block : int
        Rows gathered into one thread-local block per BLAS call.
    cpu_grain_size : int
        Minimum rows per thread before another thread is used.
    cpu_max_cols_batched : int
        Above this many features, each block goes to one multithreaded BLAS call
        instead of per-thread accumulators.

    Setting an attribute takes effect for every later fit in this process.
    """

    _fields = ("cpu_macro_block", "cpu_grain_size", "cpu_max_cols_batched")

    def __getattr__(self, name):
        if name in LinearFitHyperparameters._fields:
            return _core.get_linear_fit_hyperparameters()[name]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        if name not in self._fields:
            raise AttributeError(f"unknown fit hyperparameter {name!r}; known: {self._fields}")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
        current = _core.get_linear_fit_hyperparameters()
        current[name] = value
        _core.set_linear_fit_hyperparameters(**current)

    def to_dict(self):
        return dict(_core.get_linear_fit_hyperparameters())

    def __repr__(self):
        args = ", ".join(f"{k}={v}" for k, v in self.to_dict().items())
        return f"LinearFitHyperparameters({args})"

    def __reduce__(self):
        raise TypeError("efficiency parameters belong to the process and do not pickle")


_LINEAR_FIT = LinearFitHyperparameters()


class HyperparametersMixin:
    """``get_hyperparameters(op)`` / ``reset_hyperparameters(op)`` static methods."""

    _hyperparameters = {"fit": _LINEAR_FIT}

    @classmethod
    def _hyperparameter_op(cls, op):
        if op not in cls._hyperparameters:
            raise ValueError(
                f"{cls.__name__} has efficiency parameters for {sorted(cls._hyperparameters)}"
                f", not {op!r}"
            )
        return cls._hyperparameters[op]

    @classmethod
    def get_hyperparameters(cls, op):
        """The live efficiency parameters of operation ``op`` ("fit")."""
        return cls._hyperparameter_op(op)

    @classmethod
    def reset_hyperparameters(cls, op):
        """Restore the defaults of operation ``op`` ("fit")."""
        cls._hyperparameter_op(op)
        _core.reset_linear_fit_hyperparameters()

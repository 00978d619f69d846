"""The base of every skaccel estimator (:class:`CoreEstimatorMixin`).

A skaccel estimator subclasses its scikit-learn counterpart (or scikit-learn's
``BaseEstimator`` for the extension estimators) with this mixin first in its bases, and
declares, as class attributes:

``_model_type``
    the model type the C++ core registers for it (its fitted fields and inference
    methods). A user's subclass inherits it, and so pickles, validates and saves like its
    parent.
``_core_conditions``
    per method, the cases the core does not compute (:class:`skaccel._dispatch.Condition`);
    scikit-learn's code runs there, logged.
``_hyperparameters``
    per operation, the core's knob set (``get_hyperparameters(op)``).
``_sklearn_patch`` / ``_sklearn_tests``
    the scikit-learn object ``patch_sklearn`` replaces, and scikit-learn's test modules
    that the conformance run applies to it.

Everything else -- the pickle state and its checks, the reset of the fitted state, the
model file's contents, C++ inference -- follows from the declaration.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import numbers
import weakref
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._set_output import _get_output_config

from . import _core
from ._dispatch import Condition, Unsupported, n_threads
from ._hyperparameters import Hyperparameters, hyperparameters_of
from ._persistence import (
    RECORD_KEY,
    check_record,
    constructor_defaults,
    validate_fitted_state,
    version_record,
)
from ._registry import ModelTypeInfo, model_type
from .exceptions import CorruptModelError

__all__ = ["CoreEstimatorMixin"]

_N_JOBS_DOC = """
    n_jobs : int, default=None
        Threads of the core's kernels for this estimator: None uses skaccel's default
        (OMP_NUM_THREADS, or the CPUs available; threadpoolctl limits it), -1 all
        cores, -k all cores but k - 1. It changes speed, not results beyond roundoff.
        Added by skaccel to every estimator, as scikit-learn-intelex adds it.
"""


def _add_n_jobs(cls):
    """Give ``cls`` an ``n_jobs=None`` keyword parameter when its scikit-learn parent has
    none (scikit-learn-intelex adds one to every estimator): the signature scikit-learn's
    get_params reads, the parameter constraints and the docstring."""
    init = cls.__init__
    signature = inspect.signature(init)
    if "n_jobs" in signature.parameters:
        return
    parameters = list(signature.parameters.values())
    parameters.append(inspect.Parameter("n_jobs", inspect.Parameter.KEYWORD_ONLY, default=None))

    @functools.wraps(init)
    def __init__(self, *args, n_jobs=None, **kwargs):
        init(self, *args, **kwargs)
        self.n_jobs = n_jobs

    __init__.__signature__ = signature.replace(parameters=parameters)
    cls.__init__ = __init__
    constraints = getattr(cls, "_parameter_constraints", None)
    if isinstance(constraints, dict):
        cls._parameter_constraints = {**constraints, "n_jobs": [numbers.Integral, None]}
    if cls.__doc__ and "n_jobs" not in cls.__doc__:
        marker = "\n    Attributes\n    ----------"
        doc = cls.__doc__
        cls.__doc__ = (
            doc.replace(marker, _N_JOBS_DOC + marker, 1) if marker in doc else doc + _N_JOBS_DOC
        )


# Estimators whose fit or partial_fit is running (dispatch adds and removes them).
_FITTING: weakref.WeakSet = weakref.WeakSet()
_PARTIAL_KEY = "_skaccel_partial_fit_state"


@contextlib.contextmanager
def fitting(estimator):
    """Mark ``estimator`` as being fitted while the block runs (copies then carry a
    partial state legitimately)."""
    try:
        added = estimator not in _FITTING
        _FITTING.add(estimator)
    except TypeError:  # a user's subclass that defines __eq__ without __hash__
        added = False
    try:
        yield
    finally:
        if added:
            _FITTING.discard(estimator)


def _is_fitting(estimator) -> bool:
    try:
        return estimator in _FITTING
    except TypeError:
        return False


class CoreEstimatorMixin:
    """Declared state, pickling with a version record, efficiency parameters and C++
    inference for a skaccel estimator. Must precede the scikit-learn class in the bases."""

    _model_type: ClassVar[str]
    _core_conditions: ClassVar[dict[str, tuple[Condition, ...]]] = {}
    _hyperparameters: ClassVar[dict[str, str]] = {}
    _sklearn_patch: ClassVar[str | None] = None
    _sklearn_tests: ClassVar[tuple[str, ...]] = ()
    # The parameter every skaccel estimator has (_add_n_jobs); a user's subclass whose
    # __init__ drops it still computes (with the default thread count).
    n_jobs = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_model_type" in vars(cls):
            model_type(cls._model_type)  # an unregistered name fails at import
            _add_n_jobs(cls)

    # --- the declared state -------------------------------------------------------------

    @classmethod
    def _model_type_info(cls) -> ModelTypeInfo:
        return model_type(cls._model_type)

    def _reset_fitted_state(self) -> None:
        """Forget every declared fitted field (a fit starts from nothing), and the mapped
        model file they may have been views of."""
        from ._model_file import forget_mapped_file

        forget_mapped_file(self)
        for name in self._model_type_info().field_names:
            self.__dict__.pop(name, None)

    def _apply_fields(self, fields: Mapping[str, Any]) -> None:
        """Set fitted fields by their declared names (what the core returns)."""
        declared = self._model_type_info().field_names
        undeclared = set(fields) - declared
        if undeclared:  # a programming error: pickle and model file would disagree
            raise RuntimeError(
                f"{type(self).__name__}: fields {sorted(undeclared)} are not declared by "
                f"model type {self._model_type}"
            )
        self.__dict__.update(fields)

    def _fitted_fields(self) -> dict[str, Any]:
        """The declared fields this estimator holds, by name."""
        declared = self._model_type_info().field_names
        return {k: v for k, v in self.__dict__.items() if k in declared}

    # --- pickling -------------------------------------------------------------------------

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_sklearn_version", None)
        state[RECORD_KEY] = version_record()
        if _is_fitting(self):
            # A copy taken while fit runs (scikit-learn's callbacks snapshot the estimator
            # mid-fit): its fitted state is partial by nature, not damaged.
            state[_PARTIAL_KEY] = True
        return state

    def __setstate__(self, state):
        name = type(self).__name__
        if not isinstance(state, dict):
            raise CorruptModelError(f"{name}: expected a dict state, got {type(state).__name__}")
        state = dict(state)
        record = state.pop(RECORD_KEY, None)
        check_record(record, name)
        if not state.pop(_PARTIAL_KEY, False):
            validate_fitted_state(self._model_type, state)
        n_jobs = state.get("n_jobs")
        if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int)):
            # Every later predict would fail on it: refused here, with the model's name.
            raise CorruptModelError(f"{name}: n_jobs must be None or an int, got {n_jobs!r}")
        # Hyperparameters added to scikit-learn after the model was saved get their
        # class defaults, so later code never meets an AttributeError.
        for param, default in constructor_defaults(type(self)).items():
            state.setdefault(param, default)
        self.__dict__.update(state)

    # --- efficiency parameters ------------------------------------------------------------

    @classmethod
    def get_hyperparameters(cls, op: str) -> Hyperparameters:
        """The live efficiency parameters of operation ``op`` (e.g. ``"fit"``).

        They belong to the process (every estimator using the kernel sees them) and are
        never saved with a model. Raises ``ValueError`` for an operation without any.
        """
        return hyperparameters_of(cls, op)

    @classmethod
    def reset_hyperparameters(cls, op: str) -> None:
        """Restore the default efficiency parameters of operation ``op``."""
        hyperparameters_of(cls, op).reset()

    # --- C++ inference --------------------------------------------------------------------

    @staticmethod
    def _inference_input(X: np.ndarray, model_dtype: str):
        """X in the dtype the core computes a model of ``model_dtype`` in, or None.

        NumPy computes a float64 model's ``X @ coef_.T`` in float64 whatever X's numeric
        dtype, so X is converted to float64 then (a copy, as NumPy makes one); the C++
        loader converts its input the same way, and both compute the same numbers. A
        float32 model takes float32 X only (NumPy would compute float64 X in float64).
        """
        if X.dtype.name == model_dtype and model_dtype in ("float32", "float64"):
            return X
        if model_dtype == "float64" and X.dtype.kind in "fiub":
            return X.astype(np.float64)
        return None

    def _output_array(self, out, namespace):
        """The core's NumPy result in the input's namespace -- unless set_output will put it
        in a pandas or polars frame (which is on the host, and which polars cannot build
        from every namespace's arrays)."""
        if _get_output_config("transform", self)["dense"] != "default":
            return out
        return namespace.wrap(out)

    def _core_method(self, method: str, X: np.ndarray):
        """Run the model type's registered inference ``method`` on the validated X (the
        same C++ function the model-file loader and skaccel-predict run), reading the
        fitted arrays in place. Returns one array per declared output, or Unsupported
        when the attributes are not a state the declaration accepts (e.g. ``coef_`` set
        by hand without ``n_features_in_``): scikit-learn's code then computes."""
        info = self._model_type_info().method(method)
        params = {p: getattr(self, p) for p in info.params}
        try:
            return _core.run_method(
                self._model_type,
                method,
                self.__dict__,
                params,
                X,
                n_threads(self.n_jobs),
            )
        except _core.StateError as exc:
            return Unsupported(f"the fitted attributes are not a {self._model_type} state: {exc}")

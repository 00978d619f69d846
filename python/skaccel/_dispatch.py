"""One dispatch for every core method: device check, support conditions, validation, core
call, finiteness, fallback -- each step logged the same way.

An estimator method hands :func:`dispatch` two callables, ``prepare`` (input validation,
which may find a case the core does not compute) and ``compute`` (one core call), and the
scikit-learn code to fall back to. The cases the core never computes are declared on the
class, per method, as :class:`Condition` objects (``_core_conditions``); inputs the core
cannot read at all (sparse matrices, arrays on a non-CPU device) are recognised here for
every estimator. Array-API inputs on the CPU (torch, array-api-strict) reach the core
without a copy through DLPack, and results return to the input's namespace and device
(:class:`Namespace`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.utils.validation import check_array

from . import _core
from ._config import resolve_device

logger = logging.getLogger("skaccel")


def n_threads(n_jobs: int | None = None) -> int:
    """Threads for one core call: ``n_jobs`` as joblib reads it (None: skaccel's default,
    which threadpoolctl and OMP_NUM_THREADS control)."""
    if n_jobs is None:
        return _core.resolve_n_threads(0, False)
    # joblib's semantics; beyond int32 (absurd but valid) they mean the same as ±2**31.
    return _core.resolve_n_threads(max(-(2**31), min(int(n_jobs), 2**31 - 1)), True)


@dataclass(frozen=True)
class Condition:
    """A case the core does not compute: scikit-learn's own code runs instead (logged).

    ``reason`` is formatted with the estimator's parameters (``"solver={solver!r}"``).
    """

    reason: str
    applies: Callable[[Any], bool]

    def check(self, estimator) -> str | None:
        if not self.applies(estimator):
            return None
        return self.reason.format(**estimator.get_params(deep=False))


class Unsupported(NamedTuple):
    """What ``prepare`` returns for an input the core does not compute."""

    reason: str


class _NotFinite:
    def __repr__(self):
        return "NOT_FINITE"


#: What ``compute`` returns when the core's outputs are not finite: NaN/inf in X then
#: raise scikit-learn's error; otherwise (overflow) scikit-learn's code runs.
NOT_FINITE = _NotFinite()

_HOST_MODULES = ("numpy", "pandas", "polars", "scipy")


def _is_array_api_obj(a) -> bool:
    """Whether ``a`` is an array of an array-API namespace (torch tensors included, which
    lack ``__array_namespace__``)."""
    try:
        from sklearn.externals.array_api_compat import is_array_api_obj
    except ImportError:  # pragma: no cover - scikit-learn without the vendored module
        return hasattr(a, "__array_namespace__")
    return is_array_api_obj(a)


class Namespace:
    """The array namespace and device of an input, under scikit-learn's array API dispatch.

    NumPy, pandas, lists and scipy inputs have no namespace here (``xp is None``): they are
    passed as they are. With ``array_api_dispatch=True``, an array of another namespace
    (torch, array-api-strict, ...) on the CPU is viewed as NumPy without a copy (DLPack)
    by :meth:`host`, and the core's results go back to its namespace and device by
    :meth:`wrap`.
    """

    def __init__(self, X):
        self.xp = None
        self.device = None
        self._dlpack_device = None
        if not sklearn.get_config().get("array_api_dispatch", False):
            return
        if X is None or isinstance(X, np.ndarray | list | tuple) or sp.issparse(X):
            return
        if type(X).__module__.split(".")[0] in _HOST_MODULES or not _is_array_api_obj(X):
            return
        from sklearn.utils._array_api import get_namespace_and_device

        xp, is_array_api, device = get_namespace_and_device(X)
        if is_array_api and not xp.__name__.endswith("numpy"):
            self.xp, self.device = xp, device
            # Where the data lives, as DLPack says it: 1 is the CPU (kDLCPU).
            try:
                self._dlpack_device = int(X.__dlpack_device__()[0])
            except (AttributeError, TypeError, ValueError, BufferError):
                self._dlpack_device = None

    @property
    def is_numpy(self) -> bool:
        return self.xp is None

    @property
    def on_cpu(self) -> bool:
        if self.xp is None:
            return True
        if self._dlpack_device is not None:
            return self._dlpack_device == 1
        return str(self.device).lower().split(":")[0] == "cpu"

    def describe(self) -> str:
        return f"{self.xp.__name__} on {self.device}" if self.xp is not None else "numpy"

    def host(self, a):
        """``a`` as a NumPy array (a view through DLPack when possible); None stays None."""
        if self.xp is None or a is None or isinstance(a, np.ndarray) or np.isscalar(a):
            return a
        if not _is_array_api_obj(a):
            return a
        try:
            return np.from_dlpack(a)
        except (AttributeError, BufferError, RuntimeError, TypeError, ValueError):
            from sklearn.utils._array_api import _convert_to_numpy

            return _convert_to_numpy(a, self.xp)

    def wrap(self, a):
        """A NumPy result as an array of the input's namespace and device."""
        if self.xp is None or not isinstance(a, np.ndarray):
            return a
        return self.xp.asarray(a, device=self.device)

    def wrap_fields(self, fields: dict) -> dict:
        """Every array (and NumPy float scalar, which scikit-learn's array-API code holds as
        a 0-d array) of a dict of fitted fields in the input's namespace and device."""
        if self.xp is None:
            return fields
        return {
            k: self.wrap(np.asarray(v))
            if isinstance(v, np.ndarray) or isinstance(v, np.floating)
            else v
            for k, v in fields.items()
        }


def input_fallback_reason(X, namespace: Namespace) -> str | None:
    """Why the core cannot read X at all (None when it can)."""
    if sp.issparse(X):
        return "sparse input"
    if not namespace.on_cpu:
        return f"array API input on device {namespace.device!r} (the core computes on the CPU)"
    return None


def log_core(estimator, method: str, detail: str = "") -> None:
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "%s.%s: running on the skaccel C++ core (cpu)%s",
            type(estimator).__name__,
            method,
            f"; {detail}" if detail else "",
        )


def log_fallback(estimator, method: str, reason: str) -> None:
    logger.info(
        "%s.%s: falling back to scikit-learn: %s",
        type(estimator).__name__,
        method,
        reason,
    )


def raise_if_not_finite(estimator, X) -> None:
    """Raise scikit-learn's own error for NaN/inf in X (a no-op for finite X).

    The kernels propagate non-finite values into their outputs, so the full check runs
    only when an output is non-finite; the message is scikit-learn's.
    """
    check_array(X, input_name="X", estimator=estimator, dtype=None, accept_sparse=False)


def describe_input(X) -> str:
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2:
        return ""
    return f"{shape[0]}x{shape[1]} {X.dtype}"


def _check_same_namespace(estimator, X, method):
    """scikit-learn's rule (1.9): an array-API estimator's methods take X of the namespace
    and device it was fitted with, else ValueError (a no-op without dispatch)."""
    try:
        from sklearn.utils._array_api import check_same_namespace
    except ImportError:  # scikit-learn < 1.9
        return
    info = type(estimator)._model_type_info()
    for field in info.fields:  # the first fitted array of the model's float dtype
        if field.dtype == "floating" and field.shape and field.name in estimator.__dict__:
            check_same_namespace(X, estimator, attribute=field.name, method=method)
            return


def _validated_input(prepared):
    if isinstance(prepared, np.ndarray):
        return prepared
    if hasattr(prepared, "X"):
        return prepared.X
    return prepared[0]


def dispatch(
    estimator,
    method: str,
    X,
    *,
    prepare: Callable[[Namespace], Any],
    compute: Callable[[Any, Namespace], Any],
    fallback: Callable[[], Any] | None,
    input_of: Callable[[Any], Any] | None = None,
):
    """Run ``method`` on the core, or scikit-learn's code where the core does not compute.

    The steps: the device check (``target_offload``); inputs the core cannot read
    (:func:`input_fallback_reason`) and the class's declared conditions for this method
    (``_core_conditions[method]``); ``prepare(namespace)`` -- input validation, which
    returns the prepared inputs or :class:`Unsupported`; ``compute(prepared, namespace)``
    -- the core call, whose result is returned, or :data:`NOT_FINITE`, after which NaN/inf
    in the input raise scikit-learn's error and an overflow falls back. ``fallback`` is
    scikit-learn's method; None where there is none (extension estimators), in which case
    an unsupported case raises ``ValueError`` naming it, and an input on another device
    is computed on the host. ``input_of(prepared)`` is the validated X that the
    finiteness check reads (default: ``prepared`` itself when it is an array, else its
    ``X`` attribute or first item).
    """
    if method in ("fit", "partial_fit"):
        from .base import fitting

        with fitting(estimator):
            return _dispatch(estimator, method, X, prepare, compute, fallback, input_of)
    return _dispatch(estimator, method, X, prepare, compute, fallback, input_of)


def _dispatch(estimator, method, X, prepare, compute, fallback, input_of):
    if input_of is None:
        input_of = _validated_input
    resolve_device(type(estimator).__name__)
    from ._model_file import check_mapped_file

    check_mapped_file(estimator)
    if method not in ("fit", "partial_fit"):
        _check_same_namespace(estimator, X, method)
    namespace = Namespace(X)
    # Without a fallback (extension estimators) validation refuses sparse input with
    # scikit-learn's TypeError, and arrays on another device are computed on the host.
    reason = input_fallback_reason(X, namespace) if fallback is not None else None
    if reason is None:
        for condition in type(estimator)._core_conditions.get(method, ()):
            reason = condition.check(estimator)
            if reason is not None:
                break
    if reason is None:
        prepared = prepare(namespace)
        if isinstance(prepared, Unsupported):
            reason = prepared.reason
        else:
            if logger.isEnabledFor(logging.INFO):
                detail = getattr(prepared, "detail", None) or describe_input(input_of(prepared))
                if not namespace.is_numpy:
                    detail += f" ({namespace.describe()}, through DLPack)"
                log_core(estimator, method, detail)
            result = compute(prepared, namespace)
            if isinstance(result, Unsupported):
                reason = result.reason
            elif result is not NOT_FINITE:
                return result
            else:
                raise_if_not_finite(estimator, input_of(prepared))
                reason = "the core's results are not finite (overflow)"
    if fallback is None:
        raise ValueError(f"{type(estimator).__name__}.{method}: {reason}")
    log_fallback(estimator, method, reason)
    return fallback()

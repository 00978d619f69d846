"""Shared plumbing of the estimators: thread counts, fallback logging, input checks."""

import logging

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.utils.validation import check_array

from . import _core

logger = logging.getLogger("skaccel")


def n_threads(n_jobs=None):
    """Threads for one core call: n_jobs as joblib reads it, else the OpenMP default
    (OMP_NUM_THREADS, threadpoolctl)."""
    return _core.resolve_n_threads(0 if n_jobs is None else int(n_jobs), n_jobs is not None)


def generic_fallback_reason(X):
    """Why the core cannot take X at all (None when it can)."""
    if sp.issparse(X):
        return "sparse input"
    if (
        sklearn.get_config().get("array_api_dispatch", False)
        and not isinstance(X, np.ndarray | list | tuple)
        and type(X).__module__.split(".")[0] not in ("pandas", "numpy", "polars")
    ):
        return f"array API input of type {type(X).__module__}.{type(X).__name__}"
    return None


def log_core(estimator, method, detail=""):
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "%s.%s: running on the skaccel C++ core (cpu)%s",
            type(estimator).__name__,
            method,
            f"; {detail}" if detail else "",
        )


def log_fallback(estimator, method, reason):
    logger.info(
        "%s.%s: falling back to scikit-learn: %s",
        type(estimator).__name__,
        method,
        reason,
    )


def raise_if_not_finite(estimator, X):
    """Raise scikit-learn's own error for NaN/inf in X (a no-op for finite X).

    The kernels propagate non-finite values into their outputs, so the full check runs
    only when an output is non-finite; the message is scikit-learn's.
    """
    check_array(X, input_name="X", estimator=estimator, dtype=None, accept_sparse=False)

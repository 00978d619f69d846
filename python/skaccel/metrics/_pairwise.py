"""pairwise_distances: euclidean, cosine and manhattan distances tiled in the C++ core."""

from __future__ import annotations

import numpy as np
from joblib import effective_n_jobs
from scipy.sparse import issparse
from sklearn.metrics import pairwise_distances as _sklearn_pairwise_distances
from sklearn.metrics.pairwise import _find_floating_dtype_allow_sparse, check_pairwise_arrays
from sklearn.preprocessing import normalize
from sklearn.utils._param_validation import validate_params
from sklearn.utils.extmath import row_norms

from .. import _core
from .._dispatch import logger, n_threads

_NAME = "pairwise_distances"
# scikit-learn's metric names the core computes, and the function each maps to there.
_METRICS = {
    "euclidean": "euclidean",
    "l2": "euclidean",
    "cosine": "cosine",
    "manhattan": "manhattan",
    "cityblock": "manhattan",
    "l1": "manhattan",
}


def _fallback_reason(X, Y, metric, kwds):
    """Why scikit-learn's own code computes these distances, or None."""
    if not isinstance(metric, str) or metric not in _METRICS:
        return f"metric={metric!r}" if not callable(metric) else "a callable metric"
    if kwds:
        return f"keyword arguments {sorted(kwds)}"
    for a in (X, Y):
        if a is None:
            continue
        if issparse(a):
            return "sparse input"
        module = type(a).__module__.partition(".")[0]
        if not isinstance(a, np.ndarray) and module not in ("pandas", "builtins", "numpy"):
            return f"input of type {type(a).__name__}"
    return None


def _sklearn_dtype(X, Y):
    """The dtype scikit-learn's _parallel_pairwise allocates for several jobs."""
    return np.float32 if X.dtype == np.float32 and Y.dtype == np.float32 else np.float64


def pairwise_distances(
    X,
    Y=None,
    metric="euclidean",
    *,
    n_jobs=None,
    ensure_all_finite=True,
    **kwds,
):
    reason = _fallback_reason(X, Y, metric, kwds)
    if reason is not None:
        logger.info("%s: falling back to scikit-learn: %s", _NAME, reason)
        return _sklearn_pairwise_distances(
            X, Y, metric, n_jobs=n_jobs, ensure_all_finite=ensure_all_finite, **kwds
        )
    kind = _METRICS[metric]
    # scikit-learn's steps, so that the same inputs are one matrix (its diagonal set to 0)
    # and the same errors are raised: _parallel_pairwise's dtype search, then the metric
    # function's own check_pairwise_arrays (with its default ensure_all_finite=True: the
    # argument does not reach these metrics in scikit-learn either).
    X, Y, _ = _find_floating_dtype_allow_sparse(X, Y, xp=np)
    if Y is None:
        Y = X
    same_input = X is Y
    X, Y = check_pairwise_arrays(X, Y)
    # One job: the metric function's output (manhattan, SciPy's cdist, in float64).
    # Several jobs: scikit-learn fills an array of the common float dtype slice by slice
    # of Y, and sets only the euclidean diagonal to 0. C order either way.
    several_jobs = effective_n_jobs(n_jobs) != 1
    if kind == "manhattan":
        dtype = _sklearn_dtype(X, Y) if several_jobs else np.float64
    else:
        dtype = X.dtype
    out = np.empty((X.shape[0], Y.shape[0]), dtype=dtype)
    threads = n_threads(n_jobs)
    logger.info(
        "%s: running on the skaccel C++ core (cpu); %s, %dx%d by %dx%d %s",
        _NAME, kind, X.shape[0], X.shape[1], Y.shape[0], Y.shape[1], X.dtype,
    )  # fmt: skip
    if kind == "manhattan":
        _core.pairwise_manhattan(X, None if X is Y else Y, out, threads)
        return out
    zero_diagonal = same_input and (kind == "euclidean" or not several_jobs)
    if kind == "euclidean":
        # scikit-learn's norms: row_norms in float64, of the upcast rows for float32.
        x_norms = row_norms(X.astype(np.float64, copy=False), squared=True)
        y_norms = x_norms if Y is X else row_norms(Y.astype(np.float64, copy=False), squared=True)
    else:
        # cosine_similarity's normalised copies (its rows of norm 0 stay 0).
        X = normalize(X, copy=True)
        Y = X if Y is X else normalize(Y, copy=True)  # one input stays one matrix
        x_norms = y_norms = None
    if zero_diagonal:
        _core.pairwise_dot(X, None, x_norms, None, kind, False, out, threads)
    else:
        _core.pairwise_dot(X, Y, x_norms, y_norms, kind, False, out, threads)
    return out


pairwise_distances = validate_params(
    _sklearn_pairwise_distances._skl_parameter_constraints, prefer_skip_nested_validation=True
)(pairwise_distances)
pairwise_distances.__doc__ = (
    "Distances between the rows of X and Y; euclidean, cosine and manhattan computed by "
    "skaccel's C++ core.\n\n"
    "Same parameters, results and errors as scikit-learn's pairwise_distances. For "
    "metric='euclidean'/'l2' and 'cosine' the core multiplies one tile of rows by one "
    "gemm (in double for euclidean, float32 rows upcast as scikit-learn upcasts them) and "
    "turns the tile into distances while it is in cache, with scikit-learn's order of "
    "sums, its clamping and its zero diagonal; 'manhattan'/'cityblock'/'l1' sum the "
    "absolute differences in double in feature order, as SciPy's cdist does. Other "
    "metrics, callables, keyword arguments, sparse input and arrays of other namespaces "
    "run scikit-learn's code (logged).\n\n"
    + (_sklearn_pairwise_distances.__doc__ or "").split("\n", 1)[1]
)
pairwise_distances._sklearn_patch = "sklearn.metrics.pairwise_distances"
pairwise_distances._sklearn_tests = ("sklearn.metrics.tests.test_pairwise",)

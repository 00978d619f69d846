"""pairwise_distances: euclidean, cosine and manhattan distances tiled in the C++ core;
pairwise_distances_argmin(_min): the nearest rows by its brute-force neighbour search."""

from __future__ import annotations

import numpy as np
from joblib import effective_n_jobs
from scipy.sparse import issparse
from sklearn import get_config
from sklearn.metrics import pairwise_distances as _sklearn_pairwise_distances
from sklearn.metrics import pairwise_distances_argmin as _sklearn_argmin
from sklearn.metrics import pairwise_distances_argmin_min as _sklearn_argmin_min
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


# --- pairwise_distances_argmin(_min) ---------------------------------------------------------


def _argkmin_inputs(X, Y, axis, metric, metric_kwargs):
    """(X, Y) validated as scikit-learn's argmin functions validate them (axis=0 swapped:
    the rows of X are searched in Y), when scikit-learn computes them by its Euclidean
    ArgKmin reduction -- the arithmetic of the core's brute-force kneighbors -- else the
    reason its own code runs."""
    if not isinstance(metric, str) or metric != "euclidean":
        return f"metric={metric!r}" if not callable(metric) else "a callable metric"
    if metric_kwargs:
        return f"metric_kwargs {sorted(metric_kwargs)}"
    if not get_config().get("enable_cython_pairwise_dist", True):
        return "enable_cython_pairwise_dist=False"
    reason = _fallback_reason(X, Y, metric, {})
    if reason is not None:
        return reason
    X, Y = check_pairwise_arrays(X, Y)
    if axis == 0:
        X, Y = Y, X
    # scikit-learn's reduction takes C-ordered arrays of one float dtype; its other path
    # (chunks of euclidean_distances) computes differently.
    if not (X.flags.c_contiguous and Y.flags.c_contiguous):
        return "arrays that are not C-contiguous"
    if X.dtype != Y.dtype or X.dtype.name not in ("float32", "float64"):
        return f"X of {X.dtype}, Y of {Y.dtype}"
    return X, Y


def _nearest_rows(name, X, Y, axis, metric, metric_kwargs):
    """(indices, distances) of the nearest row of Y to every row of X by the core, or
    None when scikit-learn's code computes (logged)."""
    inputs = _argkmin_inputs(X, Y, axis, metric, metric_kwargs)
    if isinstance(inputs, str):
        logger.info("%s: falling back to scikit-learn: %s", name, inputs)
        return None
    X, Y = inputs
    logger.info(
        "%s: running on the skaccel C++ core (cpu); euclidean, %dx%d in %dx%d %s",
        name, X.shape[0], X.shape[1], Y.shape[0], Y.shape[1], X.dtype,
    )  # fmt: skip
    distances = np.empty((X.shape[0], 1), dtype=np.float64)
    indices = np.empty((X.shape[0], 1), dtype=np.int64)
    # ArgKmin with k = 1: scikit-learn's ranking (−2 x·y + ‖y‖² in double, its BLAS norms,
    # the lower row first among equal values) and its distances (rounded through float32
    # for float32 rows).
    _core.kneighbors(X, Y, 1, False, "brute", 30, distances, indices, n_threads(None))
    return indices.ravel(), distances.ravel()


def pairwise_distances_argmin_min(X, Y, *, axis=1, metric="euclidean", metric_kwargs=None):
    found = _nearest_rows("pairwise_distances_argmin_min", X, Y, axis, metric, metric_kwargs)
    if found is None:
        return _sklearn_argmin_min(X, Y, axis=axis, metric=metric, metric_kwargs=metric_kwargs)
    return found


def pairwise_distances_argmin(X, Y, *, axis=1, metric="euclidean", metric_kwargs=None):
    found = _nearest_rows("pairwise_distances_argmin", X, Y, axis, metric, metric_kwargs)
    if found is None:
        return _sklearn_argmin(X, Y, axis=axis, metric=metric, metric_kwargs=metric_kwargs)
    return found[0]


_ARGMIN_DOC = (
    "\n\nSame parameters, results and errors as scikit-learn's. For metric='euclidean' "
    "(no metric_kwargs) on C-ordered NumPy arrays of one float dtype -- where "
    "scikit-learn runs its ArgKmin reduction -- the core's brute-force nearest-neighbour "
    "search with k=1 computes it in the same arithmetic (tiles of −2x·y by gemm in double, "
    "scikit-learn's BLAS norms, the lower row first among equal distances; float32 "
    "distances rounded through float32 as scikit-learn's are): the same indices, and "
    "distances equal to scikit-learn's for float32, within its BLAS's last bits for "
    "float64 (its products come from SciPy's OpenBLAS build). Other metrics, "
    "metric_kwargs, sparse input, other layouts or dtypes (scikit-learn then computes by "
    "chunks of pairwise distances) and arrays of other namespaces run scikit-learn's code "
    "(logged).\n\n"
)


def _as_sklearns(ours, theirs):
    """ours with scikit-learn's parameter validation, its documentation and the patch
    declaration of `theirs`."""
    wrapped = validate_params(
        theirs._skl_parameter_constraints, prefer_skip_nested_validation=False
    )(ours)
    summary, _, rest = (theirs.__doc__ or "").partition("\n")
    wrapped.__doc__ = summary + _ARGMIN_DOC + rest
    wrapped._sklearn_patch = f"sklearn.metrics.{theirs.__name__}"
    wrapped._sklearn_tests = ("sklearn.metrics.tests.test_pairwise",)
    return wrapped


pairwise_distances_argmin_min = _as_sklearns(pairwise_distances_argmin_min, _sklearn_argmin_min)
pairwise_distances_argmin = _as_sklearns(pairwise_distances_argmin, _sklearn_argmin)

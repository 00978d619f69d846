"""Running moments of X alone -- count, mean and centred scatter matrix -- in the core.

What PCA, IncrementalPCA and the covariance estimators reduce X to: one blocked, parallel
pass of ``_core.normal_equations`` without targets gives ``(n_samples, weight_sum,
x_mean, y_mean, gram, xty)`` in float64 with ``gram = Σ w (x − x̄)(x − x̄)ᵀ`` and empty
``y_mean`` (0,) / ``xty`` (p, 0); ``_core.merge_normal_equations`` combines two such sets
exactly (Chan, Golub & LeVeque).

Incremental estimators keep the running moments in the attributes their schema declares
(``n_samples_seen_``, ``_weight_sum``, ``_x_mean``, ``_gram``), so a pickle or model file
taken mid-stream resumes exactly, merging in the same order.
"""

import numpy as np

from . import _core
from ._dispatch import raise_if_not_finite

# The attributes that hold the running moments of an incremental estimator.
MOMENT_ATTRIBUTES = ("n_samples_seen_", "_weight_sum", "_x_mean", "_gram")


def x_moments(X, n_threads, sample_weight=None):
    """The centred moments of the rows of X (float32 or float64, any strides).

    Returns the tuple ``(n_samples, weight_sum, x_mean, y_mean, gram, xty)`` (float64,
    ``y_mean`` and ``xty`` empty), or None when a moment is not finite (NaN/inf in X, or
    overflow).
    """
    return _core.normal_equations(X, None, sample_weight, True, n_threads)


def stored_moments(estimator):
    """The running moments of ``estimator`` as a tuple ``_core`` merges, or None before
    the first batch."""
    if "_gram" not in estimator.__dict__:
        return None
    p = estimator._x_mean.shape[0]
    return (
        int(estimator.n_samples_seen_),
        float(estimator._weight_sum),
        np.ascontiguousarray(estimator._x_mean, dtype=np.float64),
        np.empty(0),
        np.ascontiguousarray(estimator._gram, dtype=np.float64),
        np.empty((p, 0)),
    )


def update_moments(estimator, X, n_threads, sample_weight=None):
    """Merge the moments of the batch X into the estimator's running moments.

    Raises scikit-learn's error for NaN/inf in X, or a ValueError when the moments
    overflow float64. Returns the merged tuple.
    """
    batch = x_moments(X, n_threads, sample_weight)
    if batch is None:
        raise_if_not_finite(estimator, X)
        raise ValueError(
            f"{type(estimator).__name__}: the moments of X are not finite (values too "
            "large for the float64 accumulators)"
        )
    previous = stored_moments(estimator)
    merged = batch if previous is None else _core.merge_normal_equations(previous, batch, True)
    n_samples, weight_sum, x_mean, _, gram, _ = merged
    estimator.n_samples_seen_ = int(n_samples)
    estimator._weight_sum = float(weight_sum)
    estimator._x_mean = x_mean
    estimator._gram = gram
    return merged


# --- Moments with a choice of centring (covariance with assume_centered) ----------------


def scatter_moments(X, n_threads, *, center):
    """The moments of the rows of X, centred (``gram = Σ (x − x̄)(x − x̄)ᵀ``) or not
    (``gram = Σ x xᵀ`` and ``x_mean`` zeros, for ``assume_centered=True``).

    Same tuple as :func:`x_moments`, or None when a moment is not finite.
    """
    return _core.normal_equations(X, None, None, bool(center), n_threads)


def update_scatter_moments(estimator, X, n_threads, *, center):
    """:func:`update_moments` with a choice of centring; the running moments and the
    batch must have been accumulated with the same ``center``."""
    batch = scatter_moments(X, n_threads, center=center)
    if batch is None:
        raise_if_not_finite(estimator, X)
        raise ValueError(
            f"{type(estimator).__name__}: the moments of X are not finite (values too "
            "large for the float64 accumulators)"
        )
    previous = stored_moments(estimator)
    merged = (
        batch if previous is None else _core.merge_normal_equations(previous, batch, bool(center))
    )
    n_samples, weight_sum, x_mean, _, gram, _ = merged
    estimator.n_samples_seen_ = int(n_samples)
    estimator._weight_sum = float(weight_sum)
    estimator._x_mean = x_mean
    estimator._gram = gram
    return merged


# --- Per-column moments (basic statistics) -----------------------------------------------

# The attributes that hold the running per-column moments of IncrementalBasicStatistics.
COLUMN_MOMENT_ATTRIBUTES = ("n_samples_seen_", "_weight_sum", "_mean", "_m2", "_min", "_max")


def empty_column_moments(n_features):
    """The per-column moments of no rows: ``(0, 0.0, mean 0, m2 0, min +inf, max -inf)``."""
    return (
        0,
        0.0,
        np.zeros(n_features),
        np.zeros(n_features),
        np.full(n_features, np.inf),
        np.full(n_features, -np.inf),
    )


def column_moments(X, sample_weight, n_threads):
    """Per-column weighted moments of X (float32 or float64, any strides), in float64.

    Returns ``(n_samples, weight_sum, mean, m2, min, max)`` with ``mean = Σ w x / Σ w`` and
    ``m2 = Σ w (x − mean)²`` (accumulated on shifted data, so exact for |mean| ≫ spread).
    Rows whose weight is zero are left out altogether, so that they do not count in
    ``min``/``max`` either (a zero weight means the same as removing the row; only then is
    X copied, without those rows). A non-finite moment (NaN/inf in X, or overflow) is
    returned as it is: callers check.
    """
    if sample_weight is not None:
        keep = sample_weight != 0
        if not keep.all():
            X, sample_weight = X[keep], sample_weight[keep]
            if X.shape[0] == 0:
                return empty_column_moments(X.shape[1])
    return _core.column_statistics(X, sample_weight, n_threads)


def column_moments_finite(moments):
    """Whether the weight sum, mean and m2 of column moments are all finite (NaN/inf in X
    always shows there; min/max may skip NaN)."""
    _, weight_sum, mean, m2, _, _ = moments
    return bool(np.isfinite(weight_sum) and np.isfinite(mean).all() and np.isfinite(m2).all())


def stored_column_moments(estimator):
    """The running per-column moments of ``estimator`` as a tuple ``_core`` merges, or None
    before the first batch."""
    if "_m2" not in estimator.__dict__:
        return None
    return (
        int(estimator.n_samples_seen_),
        float(estimator._weight_sum),
        *(
            np.ascontiguousarray(getattr(estimator, name), dtype=np.float64)
            for name in ("_mean", "_m2", "_min", "_max")
        ),
    )


def merge_column_moments(previous, batch):
    """The per-column moments of the union of two row sets (None: no rows yet).

    ``previous[0]`` may count zero-weight rows that :func:`column_moments` left out; a
    set with no weight merges as the identity.
    """
    if previous is None:
        return batch
    if batch[0] == 0:
        return previous
    return _core.merge_column_statistics(previous, batch)


def core_float_dtype(dtype):
    """The dtype the core computes X of ``dtype`` in: float32 and float64 are kept,
    float16 goes to float32, anything else (integers, booleans) to float64."""
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.float64):
        return dtype
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(np.float64)


def host_array(estimator, X, method):
    """X as NumPy for the extension estimators (which have no scikit-learn code to fall
    back to): array-API input (torch, cupy, ...) is copied to the host, logged."""
    from ._dispatch import generic_fallback_reason, log_fallback

    reason = generic_fallback_reason(X)
    if reason is not None and reason.startswith("array API"):
        from sklearn.utils._array_api import _convert_to_numpy, get_namespace

        log_fallback(estimator, method, f"{reason}: converted to NumPy on the host")
        return _convert_to_numpy(X, get_namespace(X)[0])
    return X

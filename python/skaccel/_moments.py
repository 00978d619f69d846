"""Running moments computed and merged by the core, as dicts of declared field names.

What PCA, IncrementalPCA and the covariance estimators reduce X to: one blocked, parallel
pass of ``_core.normal_equations`` without targets gives ``{"n_samples_seen_",
"_weight_sum", "_x_mean", "_gram"}`` (float64, ``_gram = Σ w (x − x̄)(x − x̄)ᵀ``, or
``Σ w x xᵀ`` uncentred); ``_core.merge_normal_equations`` combines two such sets exactly
(Chan, Golub & LeVeque). BasicStatistics' per-column moments are ``{"n_samples_seen_",
"_weight_sum", "_mean", "_m2", "_min", "_max"}`` (``_core.column_statistics``).

The names are those the incremental model types declare: an incremental estimator keeps
the dict's entries as its own attributes, so a pickle or model file taken mid-stream
resumes exactly, merging in the same order.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import _core
from ._dispatch import raise_if_not_finite


def moments(X, n_threads, *, center=True, sample_weight=None):
    """The moments of the rows of X (float32 or float64, any strides), centred or not
    (``center=False``: ``_gram = Σ x xᵀ`` and ``_x_mean`` zeros). None when a moment is
    not finite (NaN/inf in X, or overflow).

    For X whose products would under- or overflow float64 (|x| ≲ 1e-144 or ≳ 1e144) the
    moments are of ``X * _x_scale`` (a power of two, in the dict): divide ``_x_mean`` by it
    and ``_gram`` by its square (:func:`unscaled`)."""
    return _core.normal_equations(X, None, sample_weight, bool(center), n_threads)


def unscaled(m):
    """(mean, gram, scale) of moments, the mean unscaled; ``gram / scale / scale`` is the
    unscaled scatter (divide by the scale twice: its square may overflow)."""
    scale = m.get("_x_scale", 1.0)
    return m["_x_mean"] / scale, m["_gram"], scale


def empty_moments(n_features, n_targets=0):
    """The moments of no rows (what merges as the identity), with ``n_targets`` targets."""
    m = {
        "n_samples_seen_": 0,
        "_weight_sum": 0.0,
        "_x_mean": np.zeros(n_features),
        "_gram": np.zeros((n_features, n_features)),
    }
    if n_targets:
        m["_y_mean"] = np.zeros(n_targets)
        m["_xty"] = np.zeros((n_features, n_targets))
    return m


def shard_moments(estimator, X, n_threads, *, center=True, dtype=None):
    """A distributed fit's shard (skaccel._distributed) of a validated X (zero rows
    allowed): its moments, and the context every shard must agree on (``dtype``: the
    fitted arrays' dtype, X's by default)."""
    if X.shape[0] == 0:
        statistics = empty_moments(X.shape[1])
    else:
        statistics = moments(X, n_threads, center=center)
        if statistics is None:
            raise_if_not_finite(estimator, X)
            raise ValueError(
                f"{type(estimator).__name__}: the moments of X are not finite (values too large)"
            )
        check_unscaled(estimator, statistics)
    context = {
        "dtype": np.dtype(dtype or X.dtype).name,
        "n_features_in_": estimator.n_features_in_,
        "feature_names_in_": getattr(estimator, "feature_names_in_", None),
    }
    return statistics, context


def validated_shard_moments(estimator, X, *, center=True):
    """:func:`shard_moments` of a raw X, validated as the moments estimators validate it
    (float32/float64 kept, zero rows allowed, finiteness checked on the moments)."""
    from sklearn.utils.validation import validate_data

    from ._dispatch import Namespace, n_threads

    X = validate_data(
        estimator,
        Namespace(X).host(X),
        dtype=[np.float64, np.float32],
        ensure_all_finite=False,
        ensure_min_samples=0,
    )
    return shard_moments(estimator, X, n_threads(estimator.n_jobs), center=center)


def check_unscaled(estimator, m):
    """Running moments are merged across batches unscaled: a batch whose moments only
    exist scaled cannot join them."""
    if "_x_scale" in m or "_y_scale" in m:
        raise ValueError(
            f"{type(estimator).__name__}: the batch's values are too small or too large "
            "for float64 running moments (their products under- or overflow); rescale X "
            "(and y) to magnitudes within about 1e-140 to 1e140"
        )


def merge_moments(estimator, X, n_threads, *, center=True, sample_weight=None):
    """Merge the moments of the batch X into the estimator's running moments (its
    attributes of the same names) and return them.

    Raises scikit-learn's error for NaN/inf in X, or a ValueError when the moments
    overflow float64. The running moments and the batch must use the same ``center``.
    """
    batch = moments(X, n_threads, center=center, sample_weight=sample_weight)
    if batch is None:
        raise_if_not_finite(estimator, X)
        raise ValueError(
            f"{type(estimator).__name__}: the moments of X are not finite (values too "
            "large for the float64 accumulators)"
        )
    check_unscaled(estimator, batch)
    if all(name in estimator.__dict__ for name in batch):
        previous = {name: estimator.__dict__[name] for name in batch}
        batch = _core.merge_normal_equations(previous, batch, bool(center))
    estimator._apply_fields(batch)
    return batch


def column_moments(X, sample_weight, n_threads):
    """Per-column weighted moments of X (float32 or float64, any strides), in float64.

    ``_mean = Σ w x / Σ w`` and ``_m2 = Σ w (x − mean)²`` (accumulated on shifted data, so
    exact for |mean| ≫ spread). Rows whose weight is zero are left out altogether, so
    that they do not count in ``_min``/``_max`` either (a zero weight means the same as
    removing the row; only then is X copied, without those rows). A non-finite moment
    (NaN/inf in X, or overflow) is returned as it is: callers check.
    """
    n_samples = X.shape[0]
    if sample_weight is not None:
        keep = sample_weight != 0
        if not keep.all():
            X, sample_weight = X[keep], sample_weight[keep]
    if X.shape[0] == 0:
        p = X.shape[1]
        result = {
            "n_samples_seen_": 0,
            "_weight_sum": 0.0,
            "_mean": np.zeros(p),
            "_m2": np.zeros(p),
            "_min": np.full(p, np.inf),
            "_max": np.full(p, -np.inf),
        }
    else:
        result = _core.column_statistics(X, sample_weight, n_threads)
    result["n_samples_seen_"] = n_samples  # rows seen, zero-weight ones included
    return result


def sparse_column_moments(X, sample_weight):
    """:func:`column_moments` of a sparse X (implicit zeros are values), by SciPy on the
    host: weighted sums over the stored values, and the centred squares exactly as
    Σ_stored w (x − mean)² + (W − Σ_stored w)·mean² (no cancellation)."""
    n_samples, p = X.shape
    X = sp.csr_array(X)
    if sample_weight is not None:
        keep = sample_weight != 0
        if not keep.all():
            X, sample_weight = X[keep], sample_weight[keep]
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, np.float64)
    W = float(w.sum())
    result = {"n_samples_seen_": n_samples, "_weight_sum": W}
    if X.shape[0] == 0 or W == 0:
        result.update(
            _mean=np.zeros(p), _m2=np.zeros(p), _min=np.full(p, np.inf), _max=np.full(p, -np.inf)
        )
        return result
    X = X.tocsc()
    X.sum_duplicates()
    data = X.data.astype(np.float64)
    columns = np.repeat(np.arange(p), np.diff(X.indptr))
    weights = w[X.indices]
    mean = np.bincount(columns, weights=weights * data, minlength=p) / W
    stored_weight = np.bincount(columns, weights=weights, minlength=p)
    m2 = np.bincount(columns, weights=weights * (data - mean[columns]) ** 2, minlength=p)
    m2 += (W - stored_weight) * mean * mean
    result.update(
        _mean=mean,
        _m2=m2,
        _min=np.asarray(X.min(axis=0).todense(), dtype=np.float64).ravel(),
        _max=np.asarray(X.max(axis=0).todense(), dtype=np.float64).ravel(),
    )
    return result


def column_moments_finite(m) -> bool:
    """Whether the weight sum, mean and m2 of column moments are all finite (NaN/inf in X
    always shows there; min/max may skip NaN)."""
    return bool(
        np.isfinite(m["_weight_sum"])
        and np.isfinite(m["_mean"]).all()
        and np.isfinite(m["_m2"]).all()
    )


def merge_column_moments(previous, batch):
    """The per-column moments of the union of two row sets (``previous`` None: none yet).
    A set without weight merges as the identity (its rows still count as seen)."""
    if previous is None:
        return batch
    if batch["_weight_sum"] == 0:
        merged = dict(previous)
    elif previous["_weight_sum"] == 0:
        merged = dict(batch)
    else:
        merged = _core.merge_column_statistics(previous, batch)
    merged["n_samples_seen_"] = int(previous["n_samples_seen_"]) + int(batch["n_samples_seen_"])
    return merged


def core_float_dtype(dtype):
    """The dtype the core computes X of ``dtype`` in: float32 and float64 are kept,
    float16 goes to float32, anything else (integers, booleans) to float64."""
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.float64):
        return dtype
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(np.float64)

"""roc_auc_score: scikit-learn's validation and averaging, each binary area in the core."""

from __future__ import annotations

import functools
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import roc_auc_score as _sklearn_roc_auc_score
from sklearn.metrics._base import _average_binary_score, _average_multiclass_ovo_score
from sklearn.metrics._ranking import _binary_roc_auc_score as _sklearn_binary_roc_auc_score
from sklearn.preprocessing import label_binarize
from sklearn.utils import column_or_1d
from sklearn.utils._encode import _encode, _unique
from sklearn.utils._param_validation import validate_params
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight, check_array, check_consistent_length

from .. import _core
from .._dispatch import Namespace, logger, n_threads

_NAME = "roc_auc_score"
# Labels spanning at most this many integers are counted (np.bincount) rather than sorted.
_BINCOUNT_SPAN = 1 << 16


def _log_core(detail=""):
    logger.info(
        "%s: running on the skaccel C++ core (cpu)%s", _NAME, f"; {detail}" if detail else ""
    )


def _log_fallback(reason):
    logger.info("%s: falling back to scikit-learn: %s", _NAME, reason)


def _integer_labels(y):
    """The sorted distinct values of a 1-D NumPy array of integral values (bool, int, or
    float holding integers), counted in O(n) when they span a short range; None for other
    inputs (scikit-learn's type_of_target then decides)."""
    if not isinstance(y, np.ndarray) or y.ndim != 1 or y.size == 0:
        return None
    if y.dtype == bool:
        n_true = int(np.count_nonzero(y))
        return np.array(
            [v for v, present in ((False, n_true < y.size), (True, n_true > 0)) if present]
        )
    if y.dtype.kind == "f":
        # type_of_target calls non-integral floats (and NaN/inf) continuous.
        if not np.all(np.isfinite(y)) or np.any(y != y.astype(int)):
            return None
        values = y
    elif y.dtype.kind in "iu":
        values = y
    else:
        return None
    low, high = values.min(), values.max()
    if float(high) - float(low) >= _BINCOUNT_SPAN:
        return np.unique(values)
    if low >= 0 and (values.dtype.kind == "i" or values.dtype.itemsize < 8):
        present = np.flatnonzero(np.bincount(values))  # no shifted copy of y
    else:
        present = np.flatnonzero(np.bincount((values - low).astype(np.intp))) + low
    return present.astype(y.dtype)


def _two_class_flags(y):
    """(flags of the positive rows, whether both classes occur) for the binary truth
    scikit-learn's binary curve reads: bools, or numbers in {0, 1} or {-1, 1} with 1 the
    positive class. None for other values (scikit-learn's code raises its error)."""
    y = np.asarray(y)
    if y.ndim != 1 or not (y.dtype == bool or y.dtype.kind in "iuf"):
        return None
    positive = y if y.dtype == bool else y == 1
    n_positive = int(np.count_nonzero(positive))
    if y.dtype != bool and n_positive < y.size:
        others = y[~positive]
        if not (np.all(others == 0) or np.all(others == -1)):
            return None
    return positive, 0 < n_positive < y.size


def _binary_roc_auc(y_true, y_score, sample_weight=None, max_fpr=None):
    """The area under the ROC curve of one binary problem (scikit-learn's
    _binary_roc_auc_score), sorted and integrated in the core."""

    def sklearn():
        return _sklearn_binary_roc_auc_score(y_true, y_score, sample_weight, max_fpr)

    flags = _two_class_flags(y_true)
    if flags is None:
        return sklearn()
    positive, both = flags
    if not both:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return np.nan
    # y_score comes from roc_auc_score's check_array (finite); the core rejects
    # non-finite scores again rather than reading them.
    check_consistent_length(y_true, y_score, sample_weight)
    y_score = column_or_1d(y_score)
    if y_score.dtype not in (np.float32, np.float64):
        if y_score.dtype.kind in "iu" and y_score.size and np.abs(y_score).max() >= 2**53:
            return sklearn()  # not every such integer is a double
        y_score = y_score.astype(np.float64)
    weights = None
    if sample_weight is not None:
        weights = _check_sample_weight(column_or_1d(sample_weight), positive, dtype=np.float64)
        if np.any(weights < 0):
            return sklearn()  # a curve that need not be monotonic: scikit-learn's checks
    fpr_limit = 1.0 if max_fpr is None else float(max_fpr)
    if not 0 < fpr_limit <= 1:
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    result = _core.roc_auc(y_score, positive, weights, fpr_limit, n_threads())
    if not (result["positive_weight"] > 0 and result["negative_weight"] > 0):
        return sklearn()  # one class has no weight: scikit-learn's warnings and NaN
    return float(result["area"])


def _multiclass_roc_auc(y_true, y_score, labels, multi_class, average, sample_weight):
    """scikit-learn's one-vs-rest and one-vs-one areas, with the same checks and messages
    (sklearn.metrics._ranking._multiclass_roc_auc_score), each binary area in the core."""
    if y_score.ndim != 2:
        raise ValueError(
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since "
            "`y_true` contains multiple classes. Got "
            f"`y_score.shape={y_score.shape}`."
        )
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError(
            "Target scores need to be probabilities for multiclass "
            "roc_auc, i.e. they should sum up to 1.0 over classes"
        )
    averages = (
        ("micro", "macro", "weighted", None)
        if multi_class == "ovr"
        else ("macro", "weighted", None)
    )
    if average not in averages:
        raise ValueError(f"average must be one of {averages} for multiclass problems")
    if multi_class not in ("ovo", "ovr"):
        raise ValueError(
            f"multi_class='{multi_class}' is not supported for multiclass ROC AUC, "
            "multi_class must be in ('ovo', 'ovr')"
        )
    if average is None and multi_class == "ovo":
        raise NotImplementedError("average=None is not implemented for multi_class='ovo'.")
    if labels is not None:
        labels = column_or_1d(labels)
        classes = _unique(labels)
        if len(classes) != len(labels):
            raise ValueError("Parameter 'labels' must be unique")
        if not np.array_equal(classes, labels):
            raise ValueError("Parameter 'labels' must be ordered")
        if len(classes) != y_score.shape[1]:
            raise ValueError(
                f"Number of given labels, {len(classes)}, not equal to the number "
                f"of columns in 'y_score', {y_score.shape[1]}"
            )
        if len(np.setdiff1d(y_true, classes)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'")
    else:
        classes = _unique(y_true)
        if len(classes) != y_score.shape[1]:
            raise ValueError(
                "Number of classes in y_true not equal to the number of columns in 'y_score'"
            )
    if multi_class == "ovo":
        if sample_weight is not None:
            raise ValueError(
                "sample_weight is not supported for multiclass one-vs-one ROC AUC, "
                "'sample_weight' must be None in this case."
            )
        # Hand & Till (2001): the mean over class pairs.
        return _average_multiclass_ovo_score(
            _binary_roc_auc, _encode(y_true, uniques=classes), y_score, average=average
        )
    return _average_binary_score(
        _binary_roc_auc,
        label_binarize(y_true, classes=classes),
        y_score,
        average,
        sample_weight=sample_weight,
    )


def _fallback_reason(y_score):
    # Sparse inputs never get here: the parameter validation rejects them as
    # scikit-learn's does.
    namespace = Namespace(y_score)
    if not namespace.on_cpu:
        return f"array API input on device {namespace.device!r} (the core computes on the CPU)"
    return None


def roc_auc_score(
    y_true,
    y_score,
    *,
    average="macro",
    sample_weight=None,
    max_fpr=None,
    multi_class="raise",
    labels=None,
):
    reason = _fallback_reason(y_score)
    if reason is not None:
        _log_fallback(reason)
        return _sklearn_roc_auc_score(
            y_true,
            y_score,
            average=average,
            sample_weight=sample_weight,
            max_fpr=max_fpr,
            multi_class=multi_class,
            labels=labels,
        )
    # Arrays of another namespace on the CPU are read as NumPy (DLPack, no copy); the
    # result is a Python float as scikit-learn's is.
    namespace = Namespace(y_score)
    y_true, y_score, sample_weight, labels = (
        namespace.host(a) for a in (y_true, y_score, sample_weight, labels)
    )
    classes = _integer_labels(y_true)
    if classes is not None:
        y_type = "binary" if len(classes) <= 2 else "multiclass"
    else:
        y_type = type_of_target(y_true, input_name="y_true")
    y_true = check_array(y_true, ensure_2d=False, dtype=None)
    y_score = check_array(y_score, ensure_2d=False)
    if sample_weight is not None:
        sample_weight = column_or_1d(sample_weight)

    if y_type == "multiclass" or (
        y_type == "binary" and y_score.ndim == 2 and y_score.shape[1] > 2
    ):
        # Partial areas are not defined for several classes.
        if max_fpr is not None and max_fpr != 1.0:
            raise ValueError(
                "Partial AUC computation not available in multiclass setting, 'max_fpr' must "
                f"be set to `None`, received `max_fpr={max_fpr}` instead"
            )
        if multi_class == "raise":
            raise ValueError("multi_class must be in ('ovo', 'ovr')")
        _log_core(f"multi_class={multi_class!r}")
        return _multiclass_roc_auc(y_true, y_score, labels, multi_class, average, sample_weight)
    binary_area = functools.partial(_binary_roc_auc, max_fpr=max_fpr)
    if y_type == "binary":
        if classes is None:
            classes = np.unique(y_true)
        _log_core("binary")
        # The positive class is the greater label (label_binarize's column).
        return binary_area(
            column_or_1d(y_true) == classes[-1], y_score, sample_weight=sample_weight
        )
    # multilabel-indicator (other types raise scikit-learn's "... format is not supported")
    _log_core(y_type)
    return _average_binary_score(binary_area, y_true, y_score, average, sample_weight=sample_weight)


roc_auc_score = validate_params(
    _sklearn_roc_auc_score._skl_parameter_constraints, prefer_skip_nested_validation=True
)(roc_auc_score)
roc_auc_score.__doc__ = (
    "Area under the ROC curve, computed by skaccel's C++ core.\n\n"
    "Same parameters, results and errors as scikit-learn's roc_auc_score: each binary area "
    "(binary y, every one-vs-rest column, every one-vs-one pair, every label of a "
    "multilabel y) comes from a parallel radix sort of the scores by class and one walk "
    "over the distinct scores, grouping ties as scikit-learn's curve does; the area of an "
    "unweighted curve is summed in exact integer counts. Sparse input and arrays on "
    "another device run scikit-learn's code (logged).\n\n"
    + (_sklearn_roc_auc_score.__doc__ or "").split("\n", 1)[1]
)
roc_auc_score._sklearn_patch = "sklearn.metrics.roc_auc_score"
roc_auc_score._sklearn_tests = ("sklearn.metrics.tests.test_ranking",)

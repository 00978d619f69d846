"""Per-feature statistics of X (min, max, sum, mean, variance, ...) on the C++ core."""

import inspect

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_sample_weight, validate_data

from .._config import resolve_device
from .._dispatch import Namespace, log_core, log_fallback, n_threads, raise_if_not_finite
from .._moments import (
    column_moments,
    column_moments_finite,
    merge_column_moments,
    sparse_column_moments,
)
from ..base import CoreEstimatorMixin

#: The statistics ``result_options`` may name; each is set as the attribute ``<name>_``.
RESULT_OPTIONS = (
    "min",
    "max",
    "sum",
    "mean",
    "variance",
    "variation",
    "sum_squares",
    "sum_squares_centered",
    "second_order_raw_moment",
    "standard_deviation",
)

_DEFINITIONS = """
    Definitions, for the weights w (ones without ``sample_weight``) and their sum
    W = Σ w:

    ================================  ===========================================
    ``sum_``                          Σ w x
    ``mean_``                         Σ w x / W
    ``sum_squares_``                  Σ w x²
    ``sum_squares_centered_``         Σ w (x − mean)²
    ``second_order_raw_moment_``      Σ w x² / W
    ``variance_``                     Σ w (x − mean)² / (W − 1)  (NaN when W ≤ 1)
    ``standard_deviation_``           √variance
    ``variation_``                    standard_deviation / mean
    ``min_``, ``max_``                over the rows of non-zero weight
    ================================  ===========================================

    Weights are frequency weights: an integer weight k counts its row k times, and a
    zero weight is the same as leaving the row out (of ``min_``/``max_`` too). Weights
    normalised to sum to 1 therefore have no unbiased variance (W − 1 is 0, or rounding
    noise). The centred sums are accumulated in float64 on data shifted by a row of each
    block, so they do not cancel when |mean| ≫ spread (columns of mean 1e8 and unit spread
    keep about 12 digits: partial sums are merged through their float64 means); results
    are then cast to X's dtype.

    Without ``sample_weight`` every statistic equals scikit-learn-intelex's. With
    weights, scikit-learn-intelex computes the unweighted statistics of the products
    w·x instead (its ``mean_`` is Σ w x / n, ``sum_squares_`` Σ (w x)², ``min_`` the
    least w·x, its variance that of w·x); only ``sum_`` agrees.
"""

_OPTION_SET = frozenset(RESULT_OPTIONS)

# scikit-learn >= 1.8 refuses all-zero weights unless told otherwise; older ones allow them.
_HAS_ALLOW_ZERO = "allow_all_zero_weights" in inspect.signature(_check_sample_weight).parameters


def resolve_result_options(result_options):
    """The statistics named by ``result_options`` ("all", one name, or a list of names),
    in the order given, without duplicates; raises ValueError for anything else."""
    if isinstance(result_options, str):
        if result_options == "all":
            return RESULT_OPTIONS
        if result_options in _OPTION_SET:
            return (result_options,)
        raise ValueError(
            f"result_options={result_options!r} is not a statistic; choose 'all' or among "
            f"{list(RESULT_OPTIONS)}"
        )
    if not isinstance(result_options, list | tuple):
        raise ValueError(
            "result_options must be 'all', the name of a statistic or a list of names; got "
            f"{type(result_options).__name__}"
        )
    if not result_options:
        raise ValueError(
            f"result_options is an empty list; name at least one of {list(RESULT_OPTIONS)}"
        )
    not_str = [o for o in result_options if not isinstance(o, str)]
    if not_str:
        raise ValueError(f"result_options must hold statistic names (str); got {not_str!r}")
    unknown = [o for o in result_options if o not in _OPTION_SET]
    if unknown:
        raise ValueError(
            f"result_options holds unknown statistics {unknown!r}; choose among "
            f"{list(RESULT_OPTIONS)} (or pass 'all' alone)"
        )
    return tuple(dict.fromkeys(result_options))


def statistics_from_moments(weight_sum, mean, m2, minimum, maximum, options, dtype):
    """The requested statistics (dict name -> ndarray of ``dtype``) from per-column
    moments (float64): weight sum W, mean, m2 = Σ w (x − mean)², min, max."""
    W = float(weight_sum)
    p = mean.shape[0]
    nan = np.full(p, np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if W > 0:
            values = {"mean": mean, "min": minimum, "max": maximum}
            values["second_order_raw_moment"] = m2 / W + mean * mean
        else:  # no weight at all: the means and extrema are undefined
            values = {"mean": nan, "min": nan, "max": nan, "second_order_raw_moment": nan}
        values["sum"] = W * mean if W > 0 else np.zeros(p)
        values["sum_squares"] = m2 + W * (mean * mean) if W > 0 else np.zeros(p)
        values["sum_squares_centered"] = m2
        variance = m2 / (W - 1.0) if W > 1 else nan
        values["variance"] = variance
        values["standard_deviation"] = np.sqrt(variance)
        values["variation"] = values["standard_deviation"] / values["mean"]
    return {name: np.asarray(values[name], dtype=dtype) for name in options}


class _BasicStatisticsBase(CoreEstimatorMixin, BaseEstimator):
    """Validation of result_options, X and sample_weight; setting the statistics."""

    _parameter_constraints: dict = {
        "result_options": [StrOptions({"all", *RESULT_OPTIONS}), list],
    }

    def _options(self):
        return resolve_result_options(self.result_options)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _validate_input(
        self, X, sample_weight, *, reset, namespace, allow_all_zero_weights, min_samples=1
    ):
        resolve_device(type(self).__name__)
        X = namespace.host(X)
        ndim = getattr(X, "ndim", None)
        if ndim is None and isinstance(X, list | tuple):
            ndim = np.asarray(X).ndim
        if not sp.issparse(X) and ndim == 1:
            # One feature, as scikit-learn-intelex reads 1-D X (a pandas Series too).
            X = np.asarray(X).reshape(-1, 1)
        # Dense X: finiteness is checked on the moments instead of by a pass over X.
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=reset,
            ensure_all_finite=sp.issparse(X),
            ensure_min_samples=min_samples,
        )
        if sample_weight is not None and X.shape[0] == 0:
            # No rows (a process of a distributed fit): scikit-learn's check wants one.
            sample_weight = np.asarray(namespace.host(sample_weight), dtype=X.dtype).reshape(-1)
            if sample_weight.shape[0] != 0:
                raise ValueError(f"sample_weight has {sample_weight.shape[0]} values, X 0 rows")
        elif sample_weight is not None:
            extra = {"allow_all_zero_weights": allow_all_zero_weights} if _HAS_ALLOW_ZERO else {}
            sample_weight = _check_sample_weight(
                namespace.host(sample_weight), X, dtype=X.dtype, ensure_non_negative=True, **extra
            )
        return X, sample_weight

    def _column_moments(self, X, sample_weight):
        if sp.issparse(X):
            log_fallback(self, "fit", "sparse input: computed by SciPy")
            return sparse_column_moments(X, sample_weight)
        moments = column_moments(X, sample_weight, n_threads(self.n_jobs))
        if not column_moments_finite(moments):
            raise_if_not_finite(self, X)  # NaN/inf in X: scikit-learn's error
        return moments  # finite X whose squares overflow: inf statistics, as NumPy's

    def _set_statistics(self, m, options, dtype, namespace):
        """The requested statistics from column moments ``m`` (in the input's namespace)."""
        for name in RESULT_OPTIONS:  # a refit with other options drops the old ones
            self.__dict__.pop(name + "_", None)
        values = statistics_from_moments(
            m["_weight_sum"], m["_mean"], m["_m2"], m["_min"], m["_max"], options, dtype
        )
        self._apply_fields({name + "_": namespace.wrap(v) for name, v in values.items()})


class BasicStatistics(_BasicStatisticsBase):
    _model_type = "BasicStatistics"

    __doc__ = (
        """Per-feature statistics of X, computed by skaccel's C++ core.

    An extension modelled on scikit-learn-intelex's ``BasicStatistics``: one blocked,
    parallel pass over X (not copied) reduces each column to its weight sum, mean,
    centred sum of squares, minimum and maximum, from which the requested statistics
    follow.

    Parameters
    ----------
    result_options : str or list of str, default="all"
        The statistics to compute: ``"all"``, or one or a list of ``"min"``, ``"max"``,
        ``"sum"``, ``"mean"``, ``"variance"``, ``"variation"``, ``"sum_squares"``,
        ``"sum_squares_centered"``, ``"second_order_raw_moment"``,
        ``"standard_deviation"``. Anything else raises ``ValueError`` at fit.

    Attributes
    ----------
    min_, max_, sum_, mean_, variance_, variation_, sum_squares_, \
sum_squares_centered_, second_order_raw_moment_, standard_deviation_ : \
ndarray of shape (n_features,)
        The requested statistics only, in X's dtype (float32 or float64; other input is
        computed as float64).

    n_features_in_ : int
        Number of features seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen, when X had string column names.

    Notes
    -----"""
        + _DEFINITIONS
        + """
    As scikit-learn-intelex's: 1-D X is one feature (a pandas Series too); sparse X
    (CSR and CSC; others are converted to CSR) is accepted, its implicit zeros counted
    as values (computed by SciPy on the host, logged). Other differences from it:
    weights must be non-negative and not all zero; the statistics of 1-D X have shape
    (1,), not (); NaN/inf raise scikit-learn's ``ValueError``. Array-API input
    (``array_api_dispatch=True``) reaches the core without a copy on the CPU (DLPack),
    from another device through the host; the statistics keep its namespace and device.

    Examples
    --------
    >>> import numpy as np
    >>> from skaccel.basic_statistics import BasicStatistics
    >>> bs = BasicStatistics(result_options=["sum", "min", "max"])
    >>> bs.fit(np.array([[1.0, 2.0], [3.0, 4.0]])).sum_
    array([4., 6.])
    >>> bs.min_
    array([1., 2.])
    """
    )

    def __init__(self, result_options="all"):
        self.result_options = result_options

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Compute the statistics of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, where ``n_samples`` is the number of samples and ``n_features`` the
            number of features.

        y : Ignored
            Not used, present for API consistency by convention.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights (see Notes).

        Returns
        -------
        self : object
            Returns the instance itself.
        """
        options = self._options()
        self._reset_fitted_state()
        namespace = Namespace(X)
        X, sample_weight = self._validate_input(
            X, sample_weight, reset=True, namespace=namespace, allow_all_zero_weights=False
        )
        log_core(self, "fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}")
        self._set_statistics(self._column_moments(X, sample_weight), options, X.dtype, namespace)
        return self

    # --- the distributed fit's protocol (skaccel._distributed) ---------------------------

    def _shard_statistics(self, X, y=None, sample_weight=None):
        """This process's rows reduced to their per-column moments (weights may be all
        zero on one process, not on all)."""
        self._options()
        namespace = Namespace(X)
        X, sample_weight = self._validate_input(
            X,
            sample_weight,
            reset=True,
            namespace=namespace,
            allow_all_zero_weights=True,
            min_samples=0,
        )
        context = {
            "dtype": X.dtype.name,
            "n_features_in_": self.n_features_in_,
            "feature_names_in_": getattr(self, "feature_names_in_", None),
        }
        return self._column_moments(X, sample_weight), context

    def _merge_statistics(self, a, b):
        return merge_column_moments(a, b)

    def _fit_from_statistics(self, statistics, context, namespace):
        if statistics["_weight_sum"] == 0 and statistics["n_samples_seen_"] > 0:
            raise ValueError("BasicStatistics: the sample weights are zero on every process")
        self._set_statistics(statistics, self._options(), np.dtype(context["dtype"]), namespace)
        return self

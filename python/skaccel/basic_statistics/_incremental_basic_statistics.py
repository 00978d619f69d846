"""Per-feature statistics of X in batches: partial_fit merges each batch's moments."""

import numbers

from sklearn.base import _fit_context
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval

from .._dispatch import Namespace, log_core
from .._moments import merge_column_moments
from ._basic_statistics import _DEFINITIONS, BasicStatistics, _BasicStatisticsBase


class IncrementalBasicStatistics(_BasicStatisticsBase):
    _model_type = "IncrementalBasicStatistics"

    __doc__ = (
        """Per-feature statistics of X, computed in batches by skaccel's C++ core.

    An extension modelled on scikit-learn-intelex's ``IncrementalBasicStatistics``:
    ``partial_fit`` reduces each batch to its per-column weight sum, mean, centred sum
    of squares, minimum and maximum (one blocked parallel pass, float64 accumulators)
    and merges them into the running moments, whatever ``result_options`` asks for; the
    requested statistics are derived from those. So the model always equals
    :class:`BasicStatistics` on all data seen so far, up to rounding, and a pickle or
    model file taken in the middle of a stream resumes exactly.

    Parameters
    ----------
    result_options : str or list of str, default="all"
        The statistics to compute: ``"all"``, or one or a list of ``"min"``, ``"max"``,
        ``"sum"``, ``"mean"``, ``"variance"``, ``"variation"``, ``"sum_squares"``,
        ``"sum_squares_centered"``, ``"second_order_raw_moment"``,
        ``"standard_deviation"``. It may change between ``partial_fit`` calls: all
        moments are kept.

    batch_size : int, default=None
        The number of samples per batch in :meth:`fit`; None means ``5 * n_features``.

    Attributes
    ----------
    min_, max_, sum_, mean_, variance_, variation_, sum_squares_, \
sum_squares_centered_, second_order_raw_moment_, standard_deviation_ : \
ndarray of shape (n_features,)
        The requested statistics only, in the dtype of the last batch (float32 or
        float64; other input is computed as float64).

    n_samples_seen_ : int
        Rows processed (zero-weight rows included): reset by :meth:`fit`, incremented
        by :meth:`partial_fit`.

    batch_size_ : int
        Batch size used by the last :meth:`fit`.

    n_features_in_ : int
        Number of features seen during :meth:`fit` or :meth:`partial_fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen, when X had string column names.

    Notes
    -----"""
        + _DEFINITIONS
        + """
    A batch may have all its weights zero; until some weight is not, ``mean_``,
    ``min_``, ``max_`` are NaN and the sums zero.

    As scikit-learn-intelex's: ``partial_fit(X, sample_weight=None, check_input=True)``
    (the second positional argument is the weights), 1-D X is one feature, sparse X is
    accepted (computed by SciPy, logged). Other differences from it: weights must be
    non-negative; the statistics of 1-D X have shape (1,), not (); NaN/inf raise
    scikit-learn's ``ValueError``. Array-API input reaches the core as for
    :class:`BasicStatistics`; the running moments stay NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> from skaccel.basic_statistics import IncrementalBasicStatistics
    >>> bs = IncrementalBasicStatistics(result_options=["sum", "max"])
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> bs.partial_fit(X[:1]).partial_fit(X[1:]).sum_
    array([4., 6.])
    >>> bs.max_
    array([3., 4.])
    """
    )

    _parameter_constraints: dict = {
        **_BasicStatisticsBase._parameter_constraints,
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(self, result_options="all", batch_size=None):
        self.result_options = result_options
        self.batch_size = batch_size

    def _accumulate(self, X, sample_weight):
        """Merge the moments of one batch into the running moments (the fields the core
        returns for a batch, kept as attributes of the same names); returns them."""
        batch = self._column_moments(X, sample_weight)
        running = None
        if "n_samples_seen_" in self.__dict__:
            running = {name: self.__dict__[name] for name in batch}
        merged = merge_column_moments(running, batch)
        self._apply_fields(merged)
        return merged

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, sample_weight=None, check_input=True):
        """Update the statistics with one batch of samples (all of X at once).

        The signature is scikit-learn-intelex's: the second positional argument is
        ``sample_weight`` (there is no ``y``).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Data of this batch.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights (see Notes); may be all zero.

        check_input : bool, default=True
            Accepted for compatibility with scikit-learn-intelex; the input is always
            validated (the core reads it directly).

        Returns
        -------
        self : IncrementalBasicStatistics
            Returns the instance itself.
        """
        options = self._options()
        first = "_m2" not in self.__dict__
        namespace = Namespace(X)
        X, sample_weight = self._validate_input(
            X, sample_weight, reset=first, namespace=namespace, allow_all_zero_weights=True
        )
        log_core(self, "partial_fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}")
        merged = self._accumulate(X, sample_weight)
        self._set_statistics(merged, options, X.dtype, namespace)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Compute the statistics of X in batches of ``batch_size`` rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, where ``n_samples`` is the number of samples and ``n_features`` the
            number of features.

        y : Ignored
            Not used, present for API consistency by convention.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights (see Notes), not all zero.

        Returns
        -------
        self : IncrementalBasicStatistics
            Returns the instance itself.
        """
        options = self._options()
        self._reset_fitted_state()
        namespace = Namespace(X)
        X, sample_weight = self._validate_input(
            X, sample_weight, reset=True, namespace=namespace, allow_all_zero_weights=False
        )
        self.batch_size_ = self.batch_size or 5 * X.shape[1]
        log_core(self, "fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}, batches of {self.batch_size_}")
        try:
            for batch in gen_batches(X.shape[0], self.batch_size_):
                merged = self._accumulate(
                    X[batch], None if sample_weight is None else sample_weight[batch]
                )
        except BaseException:
            self._reset_fitted_state()  # no half-fitted model
            raise
        self._set_statistics(merged, options, X.dtype, namespace)
        return self

    # --- the distributed fit's protocol (skaccel._distributed) ---------------------------

    _shard_statistics = BasicStatistics._shard_statistics
    _merge_statistics = BasicStatistics._merge_statistics

    def _fit_from_statistics(self, statistics, context, namespace):
        """The running state is the moments of all rows; the statistics follow."""
        BasicStatistics._fit_from_statistics(self, statistics, context, namespace)
        self._apply_fields(statistics)
        self.batch_size_ = self.batch_size or 5 * statistics["_mean"].shape[0]
        return self

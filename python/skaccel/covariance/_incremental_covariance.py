"""Incremental maximum likelihood covariance: partial_fit merges each batch's moments."""

import numbers

import numpy as np
from sklearn.base import _fit_context
from sklearn.covariance import EmpiricalCovariance as _SklearnEmpiricalCovariance
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from .. import _core
from .._config import resolve_device
from .._dispatch import Namespace, log_core, n_threads
from .._moments import merge_moments, validated_shard_moments
from .._warnings import warn_user
from ..base import CoreEstimatorMixin
from ._empirical_covariance import ONE_SAMPLE_WARNING


class IncrementalEmpiricalCovariance(CoreEstimatorMixin, _SklearnEmpiricalCovariance):
    """Incremental maximum likelihood covariance estimator, on skaccel's C++ core.

    An extension modelled on scikit-learn-intelex's estimator of the same name:
    ``partial_fit`` reduces each batch to its mean and centred cross-product
    Σ (x − x̄)(x − x̄)ᵀ (one blocked parallel pass, float64 accumulators) and merges them
    into the running moments (Chan, Golub & LeVeque), so the model always equals
    :class:`EmpiricalCovariance` on all data seen so far, up to rounding. The running
    moments are ordinary attributes (``_weight_sum``, ``_x_mean``, ``_gram``): a pickle or
    model file taken in the middle of a stream resumes exactly. ``mahalanobis``,
    ``score``, ``error_norm`` and ``get_precision`` are scikit-learn's.

    Parameters
    ----------
    store_precision : bool, default=False
        Specifies if the estimated precision is stored.

    assume_centered : bool, default=False
        If True, data are not centered before computation: ``covariance_`` is
        Σ x xᵀ / n_samples and ``location_`` zeros. Do not change it in the middle of a
        stream.

    batch_size : int, default=None
        The number of samples per batch in :meth:`fit`; None means ``5 * n_features``.

    copy : bool, default=True
        Kept for compatibility with scikit-learn-intelex; X is never modified.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated location, i.e. the estimated mean (zeros when ``assume_centered``), in
        the float dtype of the last batch (float32 or float64).

    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance matrix (biased, divided by n_samples), float64.

    precision_ : ndarray of shape (n_features, n_features) or None
        Pseudo-inverse of ``covariance_`` (float64); None unless ``store_precision``.

    n_samples_seen_ : int
        Samples processed: reset by :meth:`fit`, incremented by :meth:`partial_fit`.

    batch_size_ : int
        Batch size used by the last :meth:`fit`.

    n_features_in_ : int
        Number of features seen during :meth:`fit` or :meth:`partial_fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen, when X had string column names.

    Notes
    -----
    Differences from scikit-learn-intelex: ``covariance_`` and ``precision_`` are float64
    for float32 input too (the declared model state); ``partial_fit`` has no
    ``check_input`` argument (input is always validated); NaN/inf raise scikit-learn's
    ``ValueError``. Sparse input is refused (``TypeError``), as there. Array-API input
    (``array_api_dispatch=True``) on the CPU reaches the core without a copy (DLPack),
    from another device through the host; the public attributes keep the input's
    namespace and device, the running moments stay NumPy float64.

    Examples
    --------
    >>> import numpy as np
    >>> from skaccel.covariance import IncrementalEmpiricalCovariance
    >>> cov = IncrementalEmpiricalCovariance()
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> cov.partial_fit(X[:1]).partial_fit(X[1:]).covariance_
    array([[1., 1.],
           [1., 1.]])
    >>> cov.location_
    array([2., 3.])
    """

    _model_type = "IncrementalEmpiricalCovariance"
    _hyperparameters = {"fit": "normal_equations", "partial_fit": "normal_equations"}
    _parameter_constraints: dict = {
        **_SklearnEmpiricalCovariance._parameter_constraints,
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "copy": ["boolean"],
    }

    def __init__(self, *, store_precision=False, assume_centered=False, batch_size=None, copy=True):
        self.store_precision = store_precision
        self.assume_centered = assume_centered
        self.batch_size = batch_size
        self.copy = copy

    def _validate(self, X, *, reset, namespace):
        resolve_device(type(self).__name__)
        # Finiteness is checked on the moments instead of by a full pass over X.
        return validate_data(
            self,
            namespace.host(X),
            dtype=[np.float64, np.float32],
            reset=reset,
            ensure_all_finite=False,
        )

    def _accumulate(self, X):
        # Unscaled moments only: a batch that needs rescaling is refused (check_unscaled).
        merge_moments(self, X, n_threads(self.n_jobs), center=not self.assume_centered)

    def _finalize(self, dtype, namespace):
        """Derive the public attributes from the running moments (in the input's
        namespace; the running moments stay NumPy float64)."""
        if self.assume_centered:
            location = np.zeros(self._x_mean.shape[0], dtype=dtype)
        else:
            location = self._x_mean.astype(dtype)
        self._set_covariance(self._gram / self._weight_sum)
        self._apply_fields(
            namespace.wrap_fields(
                {
                    "location_": location,
                    "covariance_": self.covariance_,
                    "precision_": self.precision_,
                }
            )
        )

    # --- the distributed fit's protocol (skaccel._distributed) ---------------------------

    def _shard_statistics(self, X, y=None):
        """This process's rows reduced to their moments (the running state's fields)."""
        return validated_shard_moments(self, X, center=not self.assume_centered)

    def _merge_statistics(self, a, b):
        return _core.merge_normal_equations(a, b, not self.assume_centered)

    def _fit_from_statistics(self, statistics, context, namespace):
        """The running state is the moments of all rows; the attributes follow."""
        if statistics["n_samples_seen_"] == 0:
            raise ValueError(f"{type(self).__name__}: no process holds any rows")
        if statistics["n_samples_seen_"] == 1:
            warn_user(ONE_SAMPLE_WARNING)
        self._apply_fields(statistics)
        self.batch_size_ = self.batch_size or 5 * statistics["_x_mean"].shape[0]
        self._finalize(np.dtype(context["dtype"]), namespace)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the estimate with one batch of samples (all of X at once).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, where `n_samples` is the number of samples and
            `n_features` is the number of features.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : IncrementalEmpiricalCovariance
            Returns the instance itself.
        """
        first = "n_samples_seen_" not in self.__dict__
        namespace = Namespace(X)
        X = self._validate(X, reset=first, namespace=namespace)
        log_core(self, "partial_fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}")
        self._accumulate(X)
        self._finalize(X.dtype, namespace)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the estimator on X, in batches of ``batch_size`` rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, where `n_samples` is the number of samples and
            `n_features` is the number of features.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : IncrementalEmpiricalCovariance
            Returns the instance itself.
        """
        self._reset_fitted_state()
        namespace = Namespace(X)
        X = self._validate(X, reset=True, namespace=namespace)
        self.batch_size_ = self.batch_size or 5 * X.shape[1]
        if X.shape[0] == 1:
            warn_user(ONE_SAMPLE_WARNING)
        log_core(self, "fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}, batches of {self.batch_size_}")
        try:
            for batch in gen_batches(X.shape[0], self.batch_size_):
                self._accumulate(X[batch])
        except BaseException:
            self._reset_fitted_state()  # no half-fitted model
            raise
        self._finalize(X.dtype, namespace)
        return self

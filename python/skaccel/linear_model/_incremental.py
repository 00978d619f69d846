"""Incremental linear models: partial_fit merges each batch's weighted moments.

The state between batches is the centred weighted moments of (X, y) -- the same
statistics one pass of LinearRegression/Ridge reduces X to -- declared in the schema, so
a stream pickled (or saved to a model file) in the middle resumes exactly. The result
equals the batch estimator on the concatenated data up to rounding.
"""

import numbers

from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.linear_model._base import LinearModel
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .. import _core
from .._config import resolve_device
from .._dispatch import log_core, n_threads, raise_if_not_finite
from ._common import CoreLinearModelMixin

_STATE = (
    "n_samples_seen_",
    "_weight_sum",
    "_x_mean",
    "_y_mean",
    "_gram",
    "_xty",
    "coef_",
    "intercept_",
)


class _IncrementalLinearModel(CoreLinearModelMixin, MultiOutputMixin, RegressorMixin, LinearModel):
    _parameter_constraints: dict = {
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "n_jobs": [numbers.Integral, None],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def _solve(self, state):
        raise NotImplementedError

    def _moments(self):
        return (
            self.n_samples_seen_,
            self._weight_sum,
            self._x_mean,
            self._y_mean,
            self._gram,
            self._xty,
        )

    def _update(self, X, Y, sample_weight, single_target, first, solve):
        batch = _core.normal_equations(
            X, Y, sample_weight, bool(self.fit_intercept), n_threads(self.n_jobs)
        )
        if batch is None:
            raise_if_not_finite(self, X)
            raise ValueError(
                f"{type(self).__name__}: the batch's cross-products are not finite "
                "(values too large for the float64 accumulators)"
            )
        if not first and batch[3].shape[0] != self._y_mean.shape[0]:
            raise ValueError(
                f"y has {batch[3].shape[0]} targets, but the model was fitted with "
                f"{self._y_mean.shape[0]}"
            )
        state = (
            batch
            if first
            else _core.merge_normal_equations(self._moments(), batch, bool(self.fit_intercept))
        )
        (
            self.n_samples_seen_,
            self._weight_sum,
            self._x_mean,
            self._y_mean,
            self._gram,
            self._xty,
        ) = state
        self.n_samples_seen_ = int(self.n_samples_seen_)
        self._weight_sum = float(self._weight_sum)
        if solve:
            coef, intercept = self._solve(state)
            # The first batch's y decides the output shape for the whole stream.
            single = self.coef_.ndim == 1 if hasattr(self, "coef_") else single_target
            self._set_coef_intercept(
                coef.astype(X.dtype),
                intercept.astype(X.dtype),
                ravel_coef=single,
                single_target=single,
            )

    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one batch of samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data of this batch.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values of this batch.
        sample_weight : array-like of shape (n_samples,), default=None
            Individual weights for each sample.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "_gram")
        if first:
            self._validate_params()
        resolve_device(type(self).__name__)
        X, Y, single_target, sample_weight = self._prepare_fit(X, y, sample_weight, reset=first)
        log_core(self, "partial_fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}")
        self._update(X, Y, sample_weight, single_target, first, solve=True)
        return self

    def fit(self, X, y, sample_weight=None):
        """Fit the model on X in batches of ``batch_size`` rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Individual weights for each sample.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._validate_params()
        resolve_device(type(self).__name__)
        for name in _STATE:
            self.__dict__.pop(name, None)
        X, Y, single_target, sample_weight = self._prepare_fit(X, y, sample_weight)
        self.batch_size_ = self.batch_size or 5 * X.shape[1]
        log_core(self, "fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}, batches of {self.batch_size_}")
        starts = range(0, X.shape[0], self.batch_size_)
        for i, start in enumerate(starts):
            rows = slice(start, start + self.batch_size_)
            self._update(
                X[rows],
                Y[rows],
                None if sample_weight is None else sample_weight[rows],
                single_target,
                first=i == 0,
                solve=i == len(starts) - 1,
            )
        return self

    def _more_tags(self):  # pragma: no cover - scikit-learn < 1.6
        return {"requires_y": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    def predict(self, X):
        check_is_fitted(self)
        return super().predict(X)

    predict.__doc__ = CoreLinearModelMixin.predict.__doc__


class IncrementalLinearRegression(_IncrementalLinearModel):
    """Ordinary least squares fitted incrementally, by skaccel's C++ core.

    ``partial_fit`` merges each batch's weighted cross-products into the running
    moments and re-solves the small p×p system (Cholesky; the minimum-norm solution when
    X is rank deficient), so the model equals LinearRegression on all data seen so far
    up to rounding. Pickles and model files taken mid-stream resume exactly.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to calculate the intercept.
    copy_X : bool, default=True
        Kept for compatibility; X is never modified.
    n_jobs : int, default=None
        Threads for the core (None: the OpenMP default, threadpoolctl-controlled).
    batch_size : int, default=None
        Rows per batch in ``fit``; None means ``5 * n_features``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_samples_seen_ : int
    batch_size_ : int
        Rows per batch used by the last ``fit``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    """

    def __init__(self, *, fit_intercept=True, copy_X=True, n_jobs=None, batch_size=None):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.n_jobs = n_jobs
        self.batch_size = batch_size

    def _solve(self, state):
        return _core.solve_normal_equations(
            state, bool(self.fit_intercept), "least_squares", [], 1e-6
        )


class IncrementalRidge(_IncrementalLinearModel):
    """Ridge regression fitted incrementally, by skaccel's C++ core.

    ``partial_fit`` merges each batch's weighted cross-products into the running
    moments and re-solves (XᵀWX + αI) β = XᵀWy, so the model equals Ridge on all data
    seen so far up to rounding. Pickles and model files taken mid-stream resume exactly.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to calculate the intercept.
    alpha : float, default=1.0
        Regularization strength, non-negative.
    copy_X : bool, default=True
        Kept for compatibility; X is never modified.
    n_jobs : int, default=None
        Threads for the core (None: the OpenMP default, threadpoolctl-controlled).
    batch_size : int, default=None
        Rows per batch in ``fit``; None means ``5 * n_features``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_samples_seen_ : int
    batch_size_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    """

    _parameter_constraints: dict = {
        **_IncrementalLinearModel._parameter_constraints,
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(self, *, fit_intercept=True, alpha=1.0, copy_X=True, n_jobs=None, batch_size=None):
        self.fit_intercept = fit_intercept
        self.alpha = alpha
        self.copy_X = copy_X
        self.n_jobs = n_jobs
        self.batch_size = batch_size

    def _solve(self, state):
        return _core.solve_normal_equations(
            state, bool(self.fit_intercept), "ridge", [float(self.alpha)], 0.0
        )

"""Incremental linear models: partial_fit merges each batch's weighted moments.

The state between batches is the centred weighted moments of (X, y) -- the same
statistics one pass of LinearRegression/Ridge reduces X to -- declared in the schema, so
a stream pickled (or saved to a model file) in the middle resumes exactly. The result
equals the batch estimator on the concatenated data up to rounding.
"""

import numbers

import numpy as np
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.linear_model._base import LinearModel
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .. import _core
from .._config import resolve_device
from .._dispatch import Namespace, log_core, n_threads, raise_if_not_finite
from .._moments import check_unscaled
from ._common import CoreLinearModelMixin, FitInput


class _IncrementalLinearModel(CoreLinearModelMixin, MultiOutputMixin, RegressorMixin, LinearModel):
    _hyperparameters = {"fit": "normal_equations", "partial_fit": "normal_equations"}
    _parameter_constraints: dict = {
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "n_jobs": [numbers.Integral, None],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def _solver_args(self):
        """(alpha, tol) of the core's solve: alpha empty for least squares."""
        raise NotImplementedError

    def _merge_batch(self, p, namespace, *, first, solve):
        """Merge one batch's moments into the running ones (declared fields: a stream
        pickled or saved in the middle resumes exactly); with ``solve``, re-solve."""
        centered = bool(self.fit_intercept)
        batch = _core.normal_equations(p.X, p.Y, p.sample_weight, centered, n_threads(self.n_jobs))
        if batch is None:
            raise_if_not_finite(self, p.X)
            raise ValueError(
                f"{type(self).__name__}: the batch's cross-products are not finite "
                "(values too large for the float64 accumulators)"
            )
        check_unscaled(self, batch)
        if not first and batch["_y_mean"].shape[0] != self._y_mean.shape[0]:
            raise ValueError(
                f"y has {batch['_y_mean'].shape[0]} targets, but the model was fitted with "
                f"{self._y_mean.shape[0]}"
            )
        # The running moments are the fields the core returns for a batch.
        moments = (
            batch
            if first
            else _core.merge_normal_equations({k: self.__dict__[k] for k in batch}, batch, centered)
        )
        self._apply_fields(moments)
        if solve:
            self._solve_running(p.X.dtype, namespace)

    def _solve_running(self, dtype, namespace):
        """coef_ and intercept_ (in ``dtype``) from the running moments."""
        alpha, tol = self._solver_args()
        moments = {
            k: self.__dict__[k]
            for k in ("n_samples_seen_", "_weight_sum", "_x_mean", "_gram", "_y_mean", "_xty")
        }
        solution = _core.solve_normal_equations(moments, bool(self.fit_intercept), alpha, tol)
        solution = {k: v.astype(dtype) for k, v in solution.items()}
        # As scikit-learn-intelex's: one target (y 1-D or of one column) gives a 1-D
        # coef_ and a scalar intercept_.
        single = solution["coef_"].shape[0] == 1
        self._apply_fields(
            self._linear_fields(solution, namespace, ravel_coef=single, single_target=single)
        )

    def _fit_from_statistics(self, statistics, context, namespace):
        """The distributed fit: the running moments are those of all rows."""
        if statistics["n_samples_seen_"] == 0:
            raise ValueError(f"{type(self).__name__}: no process holds any rows")
        self._apply_fields(statistics)
        self.batch_size_ = self.batch_size or 5 * statistics["_x_mean"].shape[0]
        self._solve_running(np.dtype(context["dtype"]), namespace)
        return self

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
        first = "n_samples_seen_" not in self.__dict__
        if first:
            self._validate_params()
        resolve_device(type(self).__name__)
        namespace = Namespace(X)
        p = self._prepare_fit(namespace, X, y, sample_weight, reset=first)
        log_core(self, "partial_fit", f"{p.X.shape[0]}x{p.X.shape[1]} {p.X.dtype}")
        self._merge_batch(p, namespace, first=first, solve=True)
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
        self._reset_fitted_state()
        namespace = Namespace(X)
        p = self._prepare_fit(namespace, X, y, sample_weight)
        self.batch_size_ = self.batch_size or 5 * p.X.shape[1]
        log_core(
            self, "fit", f"{p.X.shape[0]}x{p.X.shape[1]} {p.X.dtype}, batches of {self.batch_size_}"
        )
        starts = range(0, p.X.shape[0], self.batch_size_)
        for i, start in enumerate(starts):
            rows = slice(start, start + self.batch_size_)
            batch = FitInput(
                p.X[rows],
                p.Y[rows],
                p.single_target,
                None if p.sample_weight is None else p.sample_weight[rows],
            )
            self._merge_batch(batch, namespace, first=i == 0, solve=i == len(starts) - 1)
        return self

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
        1-D for one target, whether y was 1-D or of one column (as scikit-learn-intelex
        gives it).
    intercept_ : float or ndarray of shape (n_targets,)
        A scalar for one target.
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

    _model_type = "IncrementalLinearRegression"

    def _solver_args(self):
        return [], 1e-6


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
        1-D for one target, whether y was 1-D or of one column (as scikit-learn-intelex
        gives it).
    intercept_ : float or ndarray of shape (n_targets,)
        A scalar for one target.
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

    _model_type = "IncrementalRidge"

    def _solver_args(self):
        return [float(self.alpha)], 0.0

"""Ordinary least squares on the C++ core."""

from sklearn.linear_model import LinearRegression as _SklearnLinearRegression

from .. import _core
from .._config import resolve_device
from .._dispatch import (
    generic_fallback_reason,
    log_core,
    log_fallback,
    n_threads,
    raise_if_not_finite,
)
from ._common import CoreLinearModelMixin


class LinearRegression(CoreLinearModelMixin, _SklearnLinearRegression):
    __doc__ = (
        "Ordinary least squares Linear Regression, fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's "
        "LinearRegression: dense X is reduced to its weighted cross-products in one "
        "blocked parallel pass and solved by Cholesky (the minimum-norm solution when "
        "X is rank deficient); sparse X and positive=True run scikit-learn's own code. "
        "Pickles record their versions (see the README's compatibility policy).\n"
        + (_SklearnLinearRegression.__doc__ or "").split("\n", 1)[-1]
    )

    def fit(self, X, y, sample_weight=None):
        """Fit linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values. Will be cast to X's dtype if necessary.
        sample_weight : array-like of shape (n_samples,), default=None
            Individual weights for each sample.

        Returns
        -------
        self : object
            Fitted Estimator.
        """
        self._validate_params()
        resolve_device(type(self).__name__)
        reason = generic_fallback_reason(X)
        if reason is None and self.positive:
            reason = "positive=True"
        if reason is not None:
            log_fallback(self, "fit", reason)
            return super().fit(X, y, sample_weight=sample_weight)

        X, Y, single_target, sample_weight = self._prepare_fit(
            X, y, sample_weight, dtype="numeric", ensure_non_negative=True
        )
        log_core(self, "fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}")
        result = _core.linear_regression_fit(
            X,
            Y,
            sample_weight,
            bool(self.fit_intercept),
            float(getattr(self, "tol", 1e-6)),
            n_threads(self.n_jobs),
        )
        if result is None:
            raise_if_not_finite(self, X)
            log_fallback(self, "fit", "the cross-products overflowed")
            return super().fit(X, y, sample_weight=sample_weight)
        coef, intercept, singular, rank = result
        self._set_coef_intercept(coef, intercept, single_target)
        self.rank_ = int(rank)
        self.singular_ = singular
        return self

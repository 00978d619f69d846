"""Ordinary least squares on the C++ core."""

from sklearn.linear_model import LinearRegression as _SklearnLinearRegression

from .. import _core
from .._dispatch import n_threads
from ._common import CoreLinearModelMixin


class LinearRegression(CoreLinearModelMixin, _SklearnLinearRegression):
    __doc__ = (
        "Ordinary least squares Linear Regression, fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's "
        "LinearRegression: dense X with more samples than features is reduced to its "
        "weighted cross-products in one blocked parallel pass and solved by Cholesky (the "
        "minimum-norm solution when X is rank deficient); sparse X, positive=True and "
        "n_features >= n_samples run scikit-learn's own code. Pickles record their "
        "versions (see the README's compatibility policy).\n"
        + (_SklearnLinearRegression.__doc__ or "").split("\n", 1)[-1]
    )

    _fit_dtype = "numeric"  # scikit-learn's messages for non-numeric X
    _sample_weight_non_negative = True

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
        return self._fit_with_core(X, y, sample_weight)

    def _unsupported_reason(self):
        return "positive=True" if self.positive else None

    def _fit_core(self, X, Y, sample_weight, single_target):
        result = _core.linear_regression_fit(
            X,
            Y,
            sample_weight,
            bool(self.fit_intercept),
            float(getattr(self, "tol", 1e-6)),
            n_threads(self.n_jobs),
        )
        if result is None:
            return False
        coef, intercept, singular, rank = result
        self._set_coef_intercept(
            coef, intercept, ravel_coef=single_target, single_target=single_target
        )
        self.rank_ = int(rank)
        self.singular_ = singular
        return True

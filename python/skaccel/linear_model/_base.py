"""Ordinary least squares on the C++ core."""

import numpy as np
from sklearn.base import _fit_context
from sklearn.linear_model import LinearRegression as _SklearnLinearRegression

from .. import _core
from .._dispatch import NOT_FINITE, Condition, n_threads
from ._common import CoreLinearModelMixin


class LinearRegression(CoreLinearModelMixin, _SklearnLinearRegression):
    __doc__ = (
        "Ordinary least squares Linear Regression, fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's "
        "LinearRegression: dense X with more samples than features is reduced to its "
        "weighted cross-products in one blocked parallel pass and solved by Cholesky (the "
        "minimum-norm solution when X is rank deficient); sparse X, positive=True and "
        "n_features >= n_samples run scikit-learn's own code. Array-API inputs on the CPU "
        "(torch, array-api-strict, with ``array_api_dispatch=True``) run on the core too, "
        "and the fitted attributes keep their namespace and device. Pickles record their "
        "versions (see the README's compatibility policy).\n"
        + (_SklearnLinearRegression.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "LinearRegression"
    _sklearn_patch = "sklearn.linear_model.LinearRegression"
    _sklearn_tests = ("sklearn.linear_model.tests.test_base",)
    _core_conditions = {"fit": (Condition("positive=True", lambda est: est.positive),)}
    _fit_dtype = "numeric"  # scikit-learn's messages for non-numeric X
    _sample_weight_non_negative = True

    @_fit_context(prefer_skip_nested_validation=True)
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
        return self._dispatch_fit(X, y, sample_weight)

    def _fit_from_statistics(self, statistics, context, namespace):
        """LinearRegression's fit from the moments of all rows (the distributed fit);
        with n_features >= n_samples, the minimum-norm solution of the normal equations."""
        fields = _core.least_squares_from_moments(
            statistics,
            bool(self.fit_intercept),
            float(getattr(self, "tol", 1e-6)),
            context["dtype"],
        )
        self._set_fit_fields(fields, namespace, context["single_target"], context["input_dtype"])
        return self

    def _set_fit_fields(self, fields, namespace, single, input_dtype):
        self._apply_fields(
            self._linear_fields(
                fields,
                namespace,
                ravel_coef=single,
                single_target=single,
                input_dtype=None if input_dtype is None else np.dtype(input_dtype),
            )
        )
        self._apply_fields(
            {"rank_": int(fields["rank_"]), "singular_": namespace.wrap(fields["singular_"])}
        )

    def _fit_core(self, p, namespace):
        fields = _core.fit_least_squares(
            p.X,
            p.Y,
            p.sample_weight,
            bool(self.fit_intercept),
            float(getattr(self, "tol", 1e-6)),
            n_threads(self.n_jobs),
        )
        if fields is None:
            return NOT_FINITE
        self._set_fit_fields(fields, namespace, p.single_target, p.input_dtype)
        return self

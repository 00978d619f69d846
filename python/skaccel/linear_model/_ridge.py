"""Ridge regression on the C++ core."""

import numpy as np
from sklearn.base import _fit_context
from sklearn.linear_model import Ridge as _SklearnRidge

from .. import _core
from .._dispatch import NOT_FINITE, Condition, Namespace, Unsupported, n_threads
from .._warnings import warn_user
from ._common import CoreLinearModelMixin

# Solvers the core computes; "svd" through the eigendecomposition of XᵀWX, which is the
# same solution in exact arithmetic. "cholesky" switches to it where Cholesky fails, as
# scikit-learn does. Others run scikit-learn's code.
_CORE_SOLVERS = {"auto": "cholesky", "cholesky": "cholesky", "svd": "svd"}


def _alpha(estimator):
    alpha = estimator.alpha
    if hasattr(alpha, "__array_namespace__") and not isinstance(alpha, np.ndarray):
        # An array-API alpha (scikit-learn's tests pass one on the input's device).
        alpha = Namespace(alpha).host(alpha)
    return np.asarray(alpha, dtype=np.float64).reshape(-1)


def _bad_alpha(estimator):
    alpha = _alpha(estimator)
    return alpha.size == 0 or not np.all(np.isfinite(alpha)) or np.any(alpha < 0)


class Ridge(CoreLinearModelMixin, _SklearnRidge):
    __doc__ = (
        "Linear least squares with l2 regularization, fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's Ridge. "
        "Dense X with more samples than features and solver 'auto', 'cholesky' or 'svd' "
        "is reduced to its weighted cross-products in one blocked parallel pass and "
        "solved in the core; other solvers, sparse X, positive=True and wide X run "
        "scikit-learn's own code. Array-API inputs on the CPU run on the core, and the "
        "fitted attributes keep their namespace and device.\n"
        + (_SklearnRidge.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "Ridge"
    _sklearn_patch = "sklearn.linear_model.Ridge"
    _sklearn_tests = ("sklearn.linear_model.tests.test_ridge",)
    _core_conditions = {
        "fit": (
            Condition("positive=True", lambda est: est.positive),
            Condition("solver={solver!r}", lambda est: est.solver not in _CORE_SOLVERS),
            Condition("alpha is not a finite non-negative value", _bad_alpha),
        )
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit Ridge regression model.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : float or ndarray of shape (n_samples,), default=None
            Individual weights for each sample. If given a float, every sample
            will have the same weight.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return self._dispatch_fit(X, y, sample_weight)

    def _fit_input(self, namespace: Namespace, X, y, sample_weight):
        if not namespace.is_numpy and self.solver == "cholesky":
            # scikit-learn's array-API Ridge has only the 'svd' solver and raises its
            # ValueError for any other; its code runs, so the error is its own.
            return Unsupported("solver='cholesky' with array API input")
        return super()._fit_input(namespace, X, y, sample_weight)

    def _core_solver(self, namespace):
        solver = _CORE_SOLVERS[self.solver]
        if not namespace.is_numpy and self.solver == "auto":
            # As scikit-learn resolves 'auto' under array API dispatch, with its warning.
            solver = "svd"
            warn_user(
                f"Using Array API dispatch to namespace {namespace.xp.__name__} with "
                "`solver='auto'` will result in using the solver 'svd'. The results may "
                "differ from those when using a Numpy array, because in that case the "
                "preferred solver would be cholesky. Set `solver='svd'` to suppress this "
                "warning."
            )
        return solver

    def _checked_alpha(self, n_targets):
        alpha = _alpha(self)
        if alpha.shape[0] not in (1, n_targets):
            raise ValueError(
                "Number of targets and number of penalties do not correspond: "
                f"{alpha.shape[0]} != {n_targets}"
            )
        return alpha.tolist()

    def _set_fit_fields(self, fields, namespace, n_targets, single_target):
        # scikit-learn's Ridge ravels coef_ for any single target, (n, 1) y included.
        self._apply_fields(
            self._linear_fields(
                fields, namespace, ravel_coef=n_targets == 1, single_target=single_target
            )
        )
        self._apply_fields({"solver_": fields["solver_"], "n_iter_": None})

    def _fit_core(self, p, namespace):
        solver = self._core_solver(namespace)
        n_targets = p.Y.shape[1]
        alpha = self._checked_alpha(n_targets)
        fields = _core.fit_ridge(
            p.X,
            p.Y,
            p.sample_weight,
            bool(self.fit_intercept),
            alpha,
            solver,
            n_threads(self.n_jobs),
        )
        if fields is None:
            return NOT_FINITE
        self._set_fit_fields(fields, namespace, n_targets, p.single_target)
        return self

    def _fit_from_statistics(self, statistics, context, namespace):
        """Ridge's fit from the moments of all rows (the distributed fit)."""
        n_targets = statistics["_y_mean"].shape[0]
        fields = _core.ridge_from_moments(
            statistics,
            bool(self.fit_intercept),
            self._checked_alpha(n_targets),
            self._core_solver(namespace),
            context["dtype"],
        )
        self._set_fit_fields(fields, namespace, n_targets, context["single_target"])
        return self

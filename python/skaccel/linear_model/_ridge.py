"""Ridge regression on the C++ core."""

import numpy as np
from sklearn.linear_model import Ridge as _SklearnRidge

from .. import _core
from .._dispatch import n_threads
from ._common import CoreLinearModelMixin

# Solvers the core computes; "svd" through the eigendecomposition of XᵀWX, which is the
# same solution in exact arithmetic. Others run scikit-learn's code.
_CORE_SOLVERS = {"auto": "cholesky", "cholesky": "cholesky", "svd": "svd"}


class Ridge(CoreLinearModelMixin, _SklearnRidge):
    __doc__ = (
        "Linear least squares with l2 regularization, fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's Ridge. "
        "Dense X with more samples than features and solver 'auto', 'cholesky' or 'svd' "
        "is reduced to its weighted cross-products in one blocked parallel pass and "
        "solved in the core; other solvers, sparse X, positive=True and wide X run "
        "scikit-learn's own code.\n" + (_SklearnRidge.__doc__ or "").split("\n", 1)[-1]
    )

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
        return self._fit_with_core(X, y, sample_weight)

    def _alpha(self):
        return np.asarray(self.alpha, dtype=np.float64).reshape(-1)

    def _unsupported_reason(self):
        if self.positive:
            return "positive=True"
        if self.solver not in _CORE_SOLVERS:
            return f"solver={self.solver!r}"
        alpha = self._alpha()
        if alpha.size == 0 or not np.all(np.isfinite(alpha)) or np.any(alpha < 0):
            return "alpha is not a finite non-negative value"
        return None

    def _fit_core(self, X, Y, sample_weight, single_target):
        alpha = self._alpha()
        n_targets = Y.shape[1]
        if alpha.shape[0] not in (1, n_targets):
            raise ValueError(
                "Number of targets and number of penalties do not correspond: "
                f"{alpha.shape[0]} != {n_targets}"
            )
        result = _core.ridge_fit(
            X,
            Y,
            sample_weight,
            bool(self.fit_intercept),
            alpha.tolist(),
            _CORE_SOLVERS[self.solver],
            n_threads(),
        )
        if result is None:
            return False
        coef, intercept, self.solver_ = result
        # scikit-learn's Ridge ravels coef_ for any single target, (n, 1) y included.
        self._set_coef_intercept(
            coef, intercept, ravel_coef=n_targets == 1, single_target=single_target
        )
        self.n_iter_ = None
        return True

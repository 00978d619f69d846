"""Ridge regression on the C++ core."""

import warnings

import numpy as np
from sklearn.linear_model import Ridge as _SklearnRidge

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

# Solvers the core computes; "svd" through the eigendecomposition of XᵀWX, which is the
# same solution in exact arithmetic. Others run scikit-learn's code.
_CORE_SOLVERS = {"auto": "cholesky", "cholesky": "cholesky", "svd": "svd"}


class Ridge(CoreLinearModelMixin, _SklearnRidge):
    __doc__ = (
        "Linear least squares with l2 regularization, fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's Ridge. "
        "Dense X with solver 'auto', 'cholesky' or 'svd' is reduced to its weighted "
        "cross-products in one blocked parallel pass and solved in the core; other "
        "solvers, sparse X and positive=True run scikit-learn's own code.\n"
        + (_SklearnRidge.__doc__ or "").split("\n", 1)[-1]
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
        self._validate_params()
        resolve_device(type(self).__name__)
        reason = generic_fallback_reason(X)
        if reason is None and self.positive:
            reason = "positive=True"
        if reason is None and self.solver not in _CORE_SOLVERS:
            reason = f"solver={self.solver!r}"
        alpha = np.asarray(self.alpha, dtype=np.float64).reshape(-1)
        if reason is None and (
            alpha.size == 0 or not np.all(np.isfinite(alpha)) or np.any(alpha < 0)
        ):
            reason = "alpha is not a finite non-negative value"
        if reason is not None:
            log_fallback(self, "fit", reason)
            return super().fit(X, y, sample_weight=sample_weight)

        X, Y, single_target, sample_weight = self._prepare_fit(
            X,
            y,
            sample_weight,
            dtype=[np.float64, np.float32],
            ensure_non_negative=False,
        )
        n_targets = Y.shape[1]
        if alpha.shape[0] not in (1, n_targets):
            raise ValueError(
                "Number of targets and number of penalties do not correspond: "
                f"{alpha.shape[0]} != {n_targets}"
            )
        log_core(self, "fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}")
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
            raise_if_not_finite(self, X)
            log_fallback(self, "fit", "the cross-products are not finite")
            return super().fit(X, y, sample_weight=sample_weight)
        coef, intercept, solver_used = result
        if solver_used == "svd" and self.solver != "svd" and X.shape[1] > X.shape[0]:
            # scikit-learn solves wide problems in the dual, where a singular system
            # keeps solver_="cholesky" and warns; the solution is the same.
            warnings.warn(
                "Singular matrix in solving dual problem. Using least-squares solution instead.",
                stacklevel=2,
            )
            solver_used = "cholesky"
        self._set_coef_intercept(coef, intercept, single_target)
        self.n_iter_ = None
        self.solver_ = solver_used
        return self

"""What LinearRegression and Ridge share: input preparation, attributes, predict."""

import numpy as np
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from .. import _core
from .._config import resolve_device
from .._dispatch import (
    generic_fallback_reason,
    log_core,
    log_fallback,
    n_threads,
    raise_if_not_finite,
)
from .._hyperparameters import HyperparametersMixin
from .._persistence import PersistenceMixin


class CoreLinearModelMixin(PersistenceMixin, HyperparametersMixin):
    """The fit flow around the C++ core, and its predict, for linear models.

    Must precede the scikit-learn class in the bases. Subclasses define
    ``_unsupported_reason()`` (parameters the core does not handle) and
    ``_fit_core(X, Y, sample_weight, single_target)`` (one core call that sets the fitted
    attributes and returns True, or False when the statistics were not finite).
    """

    # validate_data dtype: LinearRegression keeps scikit-learn's "numeric" messages.
    _fit_dtype = [np.float64, np.float32]
    _sample_weight_non_negative = False

    def _fit_with_core(self, X, y, sample_weight):
        self._validate_params()
        resolve_device(type(self).__name__)
        reason = generic_fallback_reason(X) or self._unsupported_reason()
        if reason is None:
            Xv, Y, single_target, sw = self._prepare_fit(X, y, sample_weight)
            if Xv.shape[1] >= Xv.shape[0]:
                # The p×p normal equations are singular there; scikit-learn's solvers
                # (lstsq, the n×n dual) keep full accuracy.
                reason = "n_features >= n_samples"
            else:
                log_core(self, "fit", f"{Xv.shape[0]}x{Xv.shape[1]} {Xv.dtype}")
                if self._fit_core(Xv, Y, sw, single_target):
                    return self
                raise_if_not_finite(self, Xv)
                reason = "the cross-products are not finite (overflow or negative weights)"
        log_fallback(self, "fit", reason)
        return super().fit(X, y, sample_weight=sample_weight)

    def _prepare_fit(self, X, y, sample_weight, reset=True):
        # Finiteness of X is checked on the kernel's output instead of by a full pass
        # over X here (see raise_if_not_finite); y is small and checked as usual.
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=self._fit_dtype,
            multi_output=True,
            y_numeric=True,
            ensure_all_finite=False,
        )
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)  # as scikit-learn's _preprocess_data does
        y = np.asarray(y, dtype=X.dtype)
        single_target = y.ndim == 1
        Y = y.reshape(y.shape[0], -1)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight,
                X,
                dtype=X.dtype,
                ensure_non_negative=self._sample_weight_non_negative,
            )
        return X, Y, single_target, sample_weight

    def _set_coef_intercept(self, coef, intercept, *, ravel_coef, single_target):
        self.coef_ = coef.reshape(-1) if ravel_coef else coef
        if not self.fit_intercept:
            self.intercept_ = 0.0
        else:
            self.intercept_ = intercept[0] if single_target else intercept

    def _predict_fallback_reason(self, X):
        reason = generic_fallback_reason(X)
        if reason is None and not isinstance(self.coef_, np.ndarray):
            reason = f"coef_ is a {type(self.coef_).__name__}, not a NumPy array"
        return reason

    def predict(self, X):
        """Predict using the linear model.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        C : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        check_is_fitted(self)
        resolve_device(type(self).__name__)
        reason = self._predict_fallback_reason(X)
        if reason is not None:
            log_fallback(self, "predict", reason)
            return super().predict(X)
        X = validate_data(self, X, reset=False, ensure_all_finite=False)
        coef = self.coef_
        intercept = self.intercept_
        if X.dtype != coef.dtype or X.dtype not in (np.float32, np.float64):
            log_fallback(self, "predict", f"X is {X.dtype}, the model {coef.dtype}")
            return super().predict(X)
        if isinstance(intercept, float) and intercept == 0.0:
            intercept = None
        else:
            intercept = np.asarray(intercept)
            if intercept.dtype != coef.dtype:
                log_fallback(self, "predict", "intercept_ and coef_ dtypes differ")
                return super().predict(X)
            intercept = np.ascontiguousarray(intercept.reshape(-1))
        coef2d = np.ascontiguousarray(coef.reshape(-1, coef.shape[-1]))
        out = np.empty((X.shape[0], coef2d.shape[0]), dtype=X.dtype)
        log_core(self, "predict")
        _core.linear_predict(X, coef2d, intercept, out, n_threads(getattr(self, "n_jobs", None)))
        if not np.isfinite(out).all():
            raise_if_not_finite(self, X)
        return out.reshape(-1) if coef.ndim == 1 else out

"""Maximum likelihood covariance estimator on the C++ core."""

import warnings

import numpy as np
from sklearn.base import _fit_context
from sklearn.covariance import EmpiricalCovariance as _SklearnEmpiricalCovariance
from sklearn.utils.validation import validate_data

from .._config import resolve_device
from .._dispatch import (
    generic_fallback_reason,
    log_core,
    log_fallback,
    n_threads,
    raise_if_not_finite,
)
from .._moments import core_float_dtype, scatter_moments
from .._persistence import PersistenceMixin

ONE_SAMPLE_WARNING = "Only one sample available. You may want to reshape your data array"


class EmpiricalCovariance(PersistenceMixin, _SklearnEmpiricalCovariance):
    __doc__ = (
        "Maximum likelihood covariance estimator, fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's "
        "EmpiricalCovariance: dense X is reduced to its mean and centred cross-product "
        "Σ (x − x̄)(x − x̄)ᵀ in one blocked parallel pass (shifted, accumulated in float64, "
        "X is not copied), and ``covariance_`` is that divided by n_samples (with "
        "``assume_centered=True``, the uncentred Σ x xᵀ / n_samples). ``location_`` keeps "
        "X's float dtype; ``covariance_`` and ``precision_`` are float64 -- also for float32 "
        "X with ``assume_centered=True``, where scikit-learn computes them in float32. "
        "Sparse and array-API input run scikit-learn's own code. ``mahalanobis``, ``score`` "
        "and ``error_norm`` are scikit-learn's. Pickles record their versions (see the "
        "README's compatibility policy).\n"
        + (_SklearnEmpiricalCovariance.__doc__ or "").split("\n", 1)[-1]
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the maximum likelihood covariance estimator to X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
          Training data, where `n_samples` is the number of samples and
          `n_features` is the number of features.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Returns the instance itself.
        """
        resolve_device(type(self).__name__)
        reason = generic_fallback_reason(X)
        if reason is None:
            # Finiteness is checked on the moments instead of by a full pass over X.
            Xv = validate_data(self, X, ensure_all_finite=False)
            Xc = Xv.astype(core_float_dtype(Xv.dtype), copy=False)
            log_core(self, "fit", f"{Xc.shape[0]}x{Xc.shape[1]} {Xc.dtype}")
            moments = scatter_moments(Xc, n_threads(), center=not self.assume_centered)
            if moments is not None:
                n_samples, _, x_mean, _, gram, _ = moments
                if n_samples == 1:
                    warnings.warn(ONE_SAMPLE_WARNING, stacklevel=2)
                if self.assume_centered:
                    self.location_ = np.zeros(Xc.shape[1])
                else:
                    self.location_ = x_mean.astype(Xc.dtype, copy=False)
                self._set_covariance(gram / n_samples)
                return self
            raise_if_not_finite(self, Xv)
            reason = "the moments are not finite (overflow)"
        log_fallback(self, "fit", reason)
        return super().fit(X, y)

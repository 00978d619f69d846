"""What PCA and IncrementalPCA share: the projection through the core's linear kernel."""

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _core
from .._config import resolve_device
from .._dispatch import (
    generic_fallback_reason,
    log_core,
    log_fallback,
    n_threads,
    raise_if_not_finite,
)


class CoreTransformMixin:
    """``transform`` (and scikit-learn's ``_transform`` hook, which ``fit_transform``
    uses) as one parallel pass of the core over X: ``X @ components_.T`` plus the
    centring offset ``-components_ @ mean_`` (scikit-learn's ``_BasePCA._transform``
    arithmetic), whitened as scikit-learn whitens. The same core function serves the C++
    model loader, so transforms from a model file agree bit for bit.

    Dense NumPy X of the fitted arrays' dtype runs in the core, with X's finiteness
    checked on the output; anything else (sparse X, array-API inputs, another dtype,
    zero components, attributes that are not NumPy arrays) runs scikit-learn's code.
    Must precede the scikit-learn class in the bases.
    """

    def _core_transform_reason(self, X):
        """Why the core cannot project X with the fitted arrays (None when it can)."""
        components, mean = self.components_, self.mean_
        if not isinstance(components, np.ndarray) or not isinstance(mean, np.ndarray):
            return "the fitted arrays are not NumPy arrays"
        if components.shape[0] == 0:
            return "no components"
        if not X.dtype == components.dtype == mean.dtype:
            return f"X is {X.dtype}, the model {components.dtype}"
        return None

    def transform(self, X):
        """Apply dimensionality reduction to X.

        X is projected on the first principal components previously extracted from a
        training set.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            New data, where `n_samples` is the number of samples
            and `n_features` is the number of features.

        Returns
        -------
        X_new : array-like of shape (n_samples, n_components)
            Projection of X in the first principal components.
        """
        check_is_fitted(self)
        resolve_device(type(self).__name__)
        reason = generic_fallback_reason(X)
        if reason is None:
            # Finiteness is checked on the output (raise_if_not_finite).
            Xv = validate_data(
                self, X, dtype=[np.float64, np.float32], reset=False, ensure_all_finite=False
            )
            reason = self._core_transform_reason(Xv)
            if reason is None:
                return self._transform(Xv, np)
        log_fallback(self, "transform", reason)
        return super().transform(X)

    def _transform(self, X, xp, x_is_centered=False):
        if (
            x_is_centered
            or not isinstance(X, np.ndarray)
            or self._core_transform_reason(X) is not None
        ):
            return super()._transform(X, xp, x_is_centered=x_is_centered)
        log_core(self, "transform", f"{X.shape[0]}x{X.shape[1]} {X.dtype}")
        components = np.ascontiguousarray(self.components_)
        scale = None
        if self.whiten:
            # As scikit-learn: variances clipped below at eps, so rank-deficient data
            # gives finite (if large) coordinates. The C++ model loader computes the same.
            scale = np.sqrt(self.explained_variance_)
            scale = np.maximum(scale, np.finfo(scale.dtype).eps).astype(X.dtype)
        out = np.empty((X.shape[0], components.shape[0]), dtype=X.dtype)
        _core.pca_transform(
            X, components, np.ascontiguousarray(self.mean_), scale, out, n_threads()
        )
        if not np.isfinite(out).all():
            raise_if_not_finite(self, X)
        return out

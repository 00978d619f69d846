"""What PCA and IncrementalPCA share: their projection, the model type's C++ transform."""

from __future__ import annotations

import functools

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from .._dispatch import (
    NOT_FINITE,
    Namespace,
    Unsupported,
    dispatch,
    log_core,
    log_fallback,
    raise_if_not_finite,
)
from .._persistence import _dtype_name
from ..base import CoreEstimatorMixin


class CorePCAMixin(CoreEstimatorMixin):
    """``transform`` (and scikit-learn's ``_transform`` hook, which ``fit_transform``
    uses) as the registered C++ method ``transform``: ``X @ components_.T`` plus the
    centring offset ``-components_ @ mean_`` (scikit-learn's ``_BasePCA._transform``
    arithmetic), whitened as scikit-learn whitens. The C++ model loader and
    skaccel-predict run the same function, so transforms from a model file agree bit for
    bit.

    Dense X of the fitted arrays' dtype runs in the core, with X's finiteness checked on
    the output; anything else (sparse X, another dtype, zero components) runs
    scikit-learn's code. Must precede the scikit-learn class in the bases; the classes
    define ``transform`` themselves (calling :meth:`_dispatch_transform`) so that
    scikit-learn's ``set_output`` wraps it.
    """

    _hyperparameters = {"fit": "normal_equations"}

    def _core_transform_input(self, X):
        """X as the core projects it with the fitted arrays, or Unsupported."""
        model = _dtype_name(self.components_.dtype)
        if self.components_.shape[0] == 0:
            return Unsupported("no components")
        converted = self._inference_input(X, model)
        if converted is None or _dtype_name(self.mean_.dtype) != model:
            return Unsupported(f"X is {X.dtype}, the model {model}")
        return converted

    def _transform_input(self, namespace, X):
        X = validate_data(
            self,
            namespace.host(X),
            dtype=[np.float64, np.float32],
            reset=False,
            ensure_all_finite=False,  # checked on the output
        )
        return self._core_transform_input(X)

    def _transform_core(self, X, namespace):
        out = self._core_method("transform", X)
        if isinstance(out, Unsupported):
            return out
        if not np.isfinite(out).all():
            return NOT_FINITE
        return self._output_array(out, namespace)

    def _dispatch_transform(self, X):
        check_is_fitted(self)
        return dispatch(
            self,
            "transform",
            X,
            prepare=functools.partial(self._transform_input, X=X),
            compute=self._transform_core,
            fallback=functools.partial(super().transform, X),
        )

    def _transform(self, X, xp, x_is_centered=False):
        namespace = Namespace(X)
        host = namespace.host(X)
        if not x_is_centered and isinstance(host, np.ndarray):
            host = self._core_transform_input(host)
        if x_is_centered or not isinstance(host, np.ndarray):
            return super()._transform(X, xp, x_is_centered=x_is_centered)
        out = self._core_method("transform", host)
        if isinstance(out, Unsupported):
            log_fallback(self, "transform", out.reason)
            return super()._transform(X, xp, x_is_centered=x_is_centered)
        log_core(self, "transform", f"{host.shape[0]}x{host.shape[1]} {host.dtype}")
        if not np.isfinite(out).all():
            raise_if_not_finite(self, host)
        return self._output_array(out, namespace)

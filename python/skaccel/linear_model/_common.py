"""What the linear models share: fit input preparation, their fitted fields, predict."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from .. import _core
from .._dispatch import (
    NOT_FINITE,
    Namespace,
    Unsupported,
    dispatch,
    n_threads,
    raise_if_not_finite,
)
from .._moments import check_unscaled, empty_moments
from .._persistence import _dtype_name
from ..base import CoreEstimatorMixin


@dataclass
class FitInput:
    """Validated fit inputs, as the core reads them (NumPy views)."""

    X: np.ndarray
    Y: np.ndarray  # (n, t)
    single_target: bool  # y was 1-D
    sample_weight: np.ndarray | None
    input_dtype: np.dtype | None = None  # X's dtype when the core computes in another


def _dtype(a) -> str:
    return _dtype_name(getattr(a, "dtype", None))


def linear_inference_input(estimator, namespace: Namespace, X):
    """X validated for X · coef_ᵀ + intercept_ in the core (the linear models' and the
    linear classifiers' inference), in the dtype the core computes the model in; or
    Unsupported where scikit-learn's code must compute."""
    if sp.issparse(estimator.coef_):
        return Unsupported("coef_ is sparse (sparsify())")
    X = validate_data(estimator, namespace.host(X), reset=False, ensure_all_finite=False)
    model = _dtype(estimator.coef_)
    intercept = estimator.intercept_
    if not isinstance(intercept, float) and _dtype(intercept) != model:
        return Unsupported("intercept_ and coef_ dtypes differ")
    converted = CoreEstimatorMixin._inference_input(X, model)
    if converted is None:
        return Unsupported(f"X is {X.dtype}, the model {model}")
    return converted


class CoreLinearModelMixin(CoreEstimatorMixin):
    """The fit input preparation, fitted fields and predict of the linear models.

    Must precede the scikit-learn class in the bases.
    """

    _hyperparameters = {"fit": "normal_equations"}
    # validate_data dtype: LinearRegression keeps scikit-learn's "numeric" messages.
    _fit_dtype = [np.float64, np.float32]
    _sample_weight_non_negative = False

    def _prepare_fit(self, namespace: Namespace, X, y, sample_weight, *, reset=True, min_samples=1):
        """Validated X, Y (2-D) and weights in X's float dtype (NumPy views of array-API
        inputs). Finiteness of X is checked on the kernel's output instead of by a pass
        over X here (raise_if_not_finite); y is small and checked as usual."""
        if min_samples == 0 and len(namespace.host(y)) == 0:
            # A process without rows (distributed fits): scikit-learn's y check insists
            # on one sample, so X alone is validated.
            X = validate_data(
                self,
                namespace.host(X),
                reset=reset,
                dtype=self._fit_dtype,
                ensure_all_finite=False,
                ensure_min_samples=0,
            )
            y = np.asarray(namespace.host(y), dtype=X.dtype)
            if X.shape[0] != 0:
                raise ValueError(f"X has {X.shape[0]} samples, but y has 0")
        else:
            X, y = validate_data(
                self,
                namespace.host(X),
                namespace.host(y),
                reset=reset,
                dtype=self._fit_dtype,
                multi_output=True,
                y_numeric=True,
                ensure_all_finite=False,
                ensure_min_samples=min_samples,
            )
        input_dtype = None
        if X.dtype == np.float16:
            # The core computes half precision in float32 (scikit-learn's lstsq too);
            # the fitted attributes are cast back (_linear_fields).
            input_dtype, X = X.dtype, X.astype(np.float32)
        elif X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)  # as scikit-learn's _preprocess_data does
        y = np.asarray(y, dtype=X.dtype)
        if sample_weight is not None and X.shape[0] == 0:
            # No rows (a process of a distributed fit): scikit-learn's check wants one.
            sample_weight = np.asarray(namespace.host(sample_weight), dtype=X.dtype).reshape(-1)
            if sample_weight.shape[0] != 0:
                raise ValueError(f"sample_weight has {sample_weight.shape[0]} values, X 0 rows")
        elif sample_weight is not None:
            sample_weight = _check_sample_weight(
                namespace.host(sample_weight),
                X,
                dtype=X.dtype,
                ensure_non_negative=self._sample_weight_non_negative,
            )
        Y = y.reshape(-1, 1) if y.ndim == 1 else y.reshape(y.shape[0], -1)
        return FitInput(X, Y, y.ndim == 1, sample_weight, input_dtype)

    def _fit_input(self, namespace: Namespace, X, y, sample_weight):
        prepared = self._prepare_fit(namespace, X, y, sample_weight)
        if prepared.X.shape[1] >= prepared.X.shape[0]:
            # The p×p normal equations are singular there (for alpha = 0); scikit-learn's
            # solvers (lstsq, Ridge's n×n dual) keep full accuracy.
            return Unsupported("n_features >= n_samples")
        return prepared

    def _dispatch_fit(self, X, y, sample_weight):
        """fit: the core's ``_fit_core(prepared, namespace)``, or scikit-learn's fit."""
        self._reset_fitted_state()
        return dispatch(
            self,
            "fit",
            X,
            prepare=functools.partial(self._fit_input, X=X, y=y, sample_weight=sample_weight),
            compute=self._fit_core,
            fallback=functools.partial(super().fit, X, y, sample_weight=sample_weight),
        )

    # --- the distributed fit's protocol (skaccel._distributed) ---------------------------

    def _shard_statistics(self, X, y, sample_weight=None):
        """This process's rows reduced to their moments (zero rows: the empty moments)."""
        for condition in type(self)._core_conditions.get("fit", ()):
            reason = condition.check(self)
            if reason is not None:
                raise ValueError(f"{type(self).__name__}: {reason} has no distributed fit")
        namespace = Namespace(X)
        p = self._prepare_fit(namespace, X, y, sample_weight, min_samples=0)
        centered = bool(self.fit_intercept)
        if p.X.shape[0] == 0:
            statistics = empty_moments(p.X.shape[1], p.Y.shape[1])
        else:
            statistics = _core.normal_equations(
                p.X, p.Y, p.sample_weight, centered, n_threads(self.n_jobs)
            )
            if statistics is None:
                raise_if_not_finite(self, p.X)
                raise ValueError(
                    f"{type(self).__name__}: the cross-products are not finite (values too "
                    "large for the float64 accumulators)"
                )
            check_unscaled(self, statistics)
        context = {
            "dtype": p.X.dtype.name,
            "input_dtype": None if p.input_dtype is None else p.input_dtype.name,
            "single_target": p.single_target,
            "n_features_in_": self.n_features_in_,
            "feature_names_in_": getattr(self, "feature_names_in_", None),
        }
        return statistics, context

    def _merge_statistics(self, a, b):
        return _core.merge_normal_equations(a, b, bool(self.fit_intercept))

    def _linear_fields(
        self, fields, namespace: Namespace, *, ravel_coef, single_target, input_dtype=None
    ):
        """coef_ and intercept_ from the core's (t, p) and (t,) arrays, shaped as
        scikit-learn shapes them, in the input's namespace. For float16 X, in the dtype
        scikit-learn gives: float16 (float32 without intercept, as its lstsq returns)."""
        coef = fields["coef_"]
        coef = coef.reshape(-1) if ravel_coef else coef
        intercept = fields["intercept_"]
        if input_dtype == np.float16:
            dtype = np.float16 if self.fit_intercept else np.float32
            coef, intercept = coef.astype(dtype), intercept.astype(dtype)
        if not self.fit_intercept:
            intercept = 0.0
        elif single_target:
            intercept = intercept[0] if namespace.is_numpy else intercept.reshape(())
        return {"coef_": namespace.wrap(coef), "intercept_": namespace.wrap(intercept)}

    def _predict_input(self, namespace: Namespace, X):
        return linear_inference_input(self, namespace, X)

    def _predict_core(self, X, namespace: Namespace):
        y = self._core_method("predict", X)
        if isinstance(y, Unsupported):
            return y
        if not np.isfinite(y).all():
            return NOT_FINITE
        return namespace.wrap(y)

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
        return dispatch(
            self,
            "predict",
            X,
            prepare=functools.partial(self._predict_input, X=X),
            compute=self._predict_core,
            fallback=functools.partial(super().predict, X),
        )

"""Maximum likelihood covariance estimator on the C++ core."""

import functools

import numpy as np
from sklearn.base import _fit_context
from sklearn.covariance import EmpiricalCovariance as _SklearnEmpiricalCovariance
from sklearn.utils.validation import validate_data

from .. import _core
from .._dispatch import NOT_FINITE, Namespace, dispatch, n_threads
from .._moments import core_float_dtype, moments, shard_moments, unscaled
from .._warnings import warn_user
from ..base import CoreEstimatorMixin

ONE_SAMPLE_WARNING = "Only one sample available. You may want to reshape your data array"


class EmpiricalCovariance(CoreEstimatorMixin, _SklearnEmpiricalCovariance):
    __doc__ = (
        "Maximum likelihood covariance estimator, fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's "
        "EmpiricalCovariance: dense X is reduced to its mean and centred cross-product "
        "Σ (x − x̄)(x − x̄)ᵀ in one blocked parallel pass (shifted, accumulated in float64, "
        "X is not copied), and ``covariance_`` is that divided by n_samples (with "
        "``assume_centered=True``, the uncentred Σ x xᵀ / n_samples). ``location_`` keeps "
        "X's float dtype; ``covariance_`` and ``precision_`` are float64 -- also for float32 "
        "X with ``assume_centered=True``, where scikit-learn computes them in float32. "
        "Sparse input runs scikit-learn's own code; array-API input on the CPU runs on the "
        "core, and the fitted attributes keep its namespace and device. ``mahalanobis``, ``score`` "
        "and ``error_norm`` are scikit-learn's. Pickles record their versions (see the "
        "README's compatibility policy).\n"
        + (_SklearnEmpiricalCovariance.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "EmpiricalCovariance"
    _hyperparameters = {"fit": "normal_equations"}
    _sklearn_patch = "sklearn.covariance.EmpiricalCovariance"
    _sklearn_tests = ("sklearn.covariance.tests.test_covariance",)

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
        self._reset_fitted_state()
        return dispatch(
            self,
            "fit",
            X,
            prepare=functools.partial(self._fit_input, X=X),
            compute=self._fit_core,
            fallback=functools.partial(super().fit, X, y),
        )

    def _fit_input(self, namespace, X):
        # Finiteness is checked on the moments instead of by a full pass over X.
        X = validate_data(self, namespace.host(X), ensure_all_finite=False)
        return X, X.astype(core_float_dtype(X.dtype), copy=False)

    def _fit_core(self, prepared, namespace):
        # location_ has the dtype of NumPy's X.mean(axis=0), as scikit-learn's: X's float
        # dtype (float16 too), float64 for integers; the core computes float32 or float64.
        input_dtype, X = prepared[0].dtype, prepared[1]
        if input_dtype.kind != "f":
            input_dtype = np.dtype(np.float64)
        m = moments(X, n_threads(self.n_jobs), center=not self.assume_centered)
        if m is None:
            return NOT_FINITE
        return self._covariance_from_moments(m, input_dtype, namespace)

    def _covariance_from_moments(self, m, input_dtype, namespace):
        n_samples = m["n_samples_seen_"]
        if n_samples == 1:
            warn_user(ONE_SAMPLE_WARNING)
        mean, scatter, scale = unscaled(m)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            covariance = scatter / n_samples / scale / scale
        if np.isinf(covariance).any():
            return NOT_FINITE  # the covariance itself overflows: scikit-learn's code says so
        if self.assume_centered:
            self.location_ = np.zeros(mean.shape[0])
        else:
            self.location_ = mean.astype(input_dtype, copy=False)
        self._set_covariance(covariance)
        self._apply_fields(namespace.wrap_fields(self._fitted_fields()))
        return self

    # --- the distributed fit's protocol (skaccel._distributed) ---------------------------

    def _shard_statistics(self, X, y=None):
        """This process's rows reduced to their moments (centred unless assume_centered)."""
        namespace = Namespace(X)
        X = validate_data(self, namespace.host(X), ensure_all_finite=False, ensure_min_samples=0)
        input_dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
        X = X.astype(core_float_dtype(X.dtype), copy=False)
        return shard_moments(
            self, X, n_threads(self.n_jobs), center=not self.assume_centered, dtype=input_dtype
        )

    def _merge_statistics(self, a, b):
        return _core.merge_normal_equations(a, b, not self.assume_centered)

    def _fit_from_statistics(self, statistics, context, namespace):
        if statistics["n_samples_seen_"] == 0:
            raise ValueError("EmpiricalCovariance: no process holds any rows")
        if self._covariance_from_moments(statistics, np.dtype(context["dtype"]), namespace) is (
            NOT_FINITE
        ):
            raise ValueError("EmpiricalCovariance: the covariance overflows")
        return self

"""ElasticNet and Lasso: coordinate descent on the C++ core."""

import functools
import numbers

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet as _SklearnElasticNet
from sklearn.linear_model import Lasso as _SklearnLasso
from sklearn.utils import check_random_state

from .. import _core
from .._dispatch import NOT_FINITE, Namespace, Unsupported, dispatch, n_threads
from .._warnings import warn_user
from ._common import CoreLinearModelMixin

# scikit-learn's cd_fast draws its seed as rng.randint(0, RAND_R_MAX).
_RAND_R_MAX = 2**31 - 1

# The Gram path (one blocked pass for XᵀWX, then O(p · active) per epoch) against the
# residual path (O(n · active) per epoch over X's columns): the Gram matrix costs as much as
# about p/60 epochs of the residual path on this 2-core machine (100,000×500: 0.33 s, one
# residual epoch 0.04 s; benchmarks/bench_coordinate_descent.py), and scikit-learn's fits
# take a few to hundreds of epochs. So the Gram path for tall X (n_samples ≥ 4 n_features)
# of up to 256 features (at most ~4 epochs' cost), the residual path otherwise, unless
# precompute=True asks for the Gram matrix.
_GRAM_MIN_SAMPLES_PER_FEATURE = 4
_GRAM_MAX_FEATURES = 256

_MESSAGE_CONVERGENCE = (
    "Objective did not converge. You might want to increase the number of iterations, "
    "check the scale of the features or consider increasing regularisation."
)
_MESSAGE_RIDGE = (
    "Linear regression models with a zero l1 penalization strength are more efficiently "
    "fitted using one of the solvers implemented in sklearn.linear_model.Ridge/RidgeCV "
    "instead."
)


def _doc(name, sklearn_class):
    return (
        f"{name} fitted by skaccel's C++ core.\n\n"
        f"Same parameters, fitted attributes and behaviour as scikit-learn's {name}: the "
        "coordinate descent of scikit-learn (the same cyclic or random coordinate order "
        "from the same random stream, gap safe screening and duality-gap stopping rule, so "
        "n_iter_ and dual_gap_ mean the same) runs in the core, in double precision. With "
        "n_samples ≥ 4 n_features and at most 256 features (or precompute=True) it runs on "
        "the weighted, centred Gram matrix, "
        "computed in one blocked parallel pass over X (also for precompute=False: the "
        "iterates are the same in exact arithmetic); otherwise on the residuals, reading "
        "X's columns in place (C-ordered X is copied to Fortran order first, as "
        "scikit-learn does). Sparse X, a precomputed Gram matrix, check_input=False, "
        "and negative sample weights run scikit-learn's own code. Array-API inputs on the "
        "CPU run on the core, and the fitted arrays keep their namespace and device "
        "(scikit-learn's ElasticNet has no array-API support).\n"
        + (sklearn_class.__doc__ or "").split("\n", 1)[-1]
    )


class _CoreElasticNetMixin(CoreLinearModelMixin):
    """ElasticNet's fit on the core; Lasso shares it (l1_ratio = 1)."""

    # n_iter_ of several targets is a list of ints, as scikit-learn sets it; model files
    # store it as an int64 vector (skaccel._model_file).
    _int_list_fields = ("n_iter_",)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit model with coordinate descent.

        Parameters
        ----------
        X : {ndarray, sparse matrix, sparse array} of shape (n_samples, n_features)
            Data.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Target. Will be cast to X's dtype if necessary.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Sample weights. Internally, the `sample_weight` vector will be
            rescaled to sum to `n_samples`.
        check_input : bool, default=True
            Allow to bypass several input checking (then scikit-learn's code runs).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return dispatch(
            self,
            "fit",
            X,
            prepare=functools.partial(
                self._fit_input, X=X, y=y, sample_weight=sample_weight, check_input=check_input
            ),
            compute=self._fit_core,
            fallback=functools.partial(
                super().fit, X, y, sample_weight=sample_weight, check_input=check_input
            ),
        )

    def _fit_input(self, namespace: Namespace, X, y, sample_weight, check_input=True):
        if not check_input:
            return Unsupported("check_input=False")
        if not isinstance(self.precompute, bool | np.bool_):
            return Unsupported("a precomputed Gram matrix")
        warm = None
        if self.warm_start and getattr(self, "coef_", None) is not None:
            warm = np.asarray(self.coef_)
        self._reset_fitted_state()  # after reading the warm start
        if isinstance(sample_weight, numbers.Number):
            sample_weight = None  # as scikit-learn: a scalar weight changes nothing
        prepared = self._prepare_fit(namespace, X, y, sample_weight)
        n_samples, n_features = prepared.X.shape
        n_targets = prepared.Y.shape[1]
        if prepared.sample_weight is not None:
            sw = prepared.sample_weight
            if np.any(sw < 0) or not np.sum(sw) > 0:
                return Unsupported("negative sample weights or a zero weight sum")
            # scikit-learn rescales the weights to sum to n_samples (ElasticNet.fit).
            prepared.sample_weight = sw * (n_samples / np.sum(sw))
        if warm is not None:
            warm = warm[np.newaxis, :] if warm.ndim == 1 else warm
            if warm.shape != (n_targets, n_features):
                return Unsupported(f"a warm start coef_ of shape {warm.shape}")
        prepared.coef0 = (
            np.zeros((n_targets, n_features))
            if warm is None
            else np.ascontiguousarray(warm.astype(prepared.X.dtype), dtype=np.float64)
        )
        prepared.gram = bool(self.precompute) or (
            n_samples >= _GRAM_MIN_SAMPLES_PER_FEATURE * n_features
            and n_features <= _GRAM_MAX_FEATURES
        )
        if not prepared.gram and not prepared.X.flags.f_contiguous:
            # The residual path reads X column by column.
            prepared.X = np.asfortranarray(prepared.X)
        prepared.detail = (
            f"{prepared.X.dtype} ({n_samples}, {n_features}), "
            f"{'Gram' if prepared.gram else 'residual'} path"
        )
        return prepared

    def _fit_core(self, p, namespace):
        if self.alpha == 0:
            warn_user(
                "With alpha=0, this algorithm does not converge well. You are advised to "
                "use the LinearRegression estimator"
            )
        n_samples = p.X.shape[0]
        n_targets = p.Y.shape[1]
        dtype = p.X.dtype
        # One path per target, each drawing its seed from a fresh check_random_state (as
        # enet_path does; a RandomState instance or the global one advances per target).
        seeds = [
            int(check_random_state(self.random_state).randint(0, _RAND_R_MAX))
            for _ in range(n_targets)
        ]
        # cd_fast's objective is n_samples × scikit-learn's, and its penalties are in X's
        # dtype.
        l1 = float(dtype.type(self.alpha * self.l1_ratio * n_samples))
        l2 = float(dtype.type(self.alpha * (1.0 - self.l1_ratio) * n_samples))
        result = _core.fit_elastic_net(
            p.X,
            p.Y,
            p.sample_weight,
            bool(self.fit_intercept),
            p.gram,
            p.coef0,
            seeds,
            l1,
            l2,
            int(self.max_iter),
            float(self.tol),
            bool(self.positive),
            self.selection == "random",
            n_threads(self.n_jobs),
        )
        if result is None:
            return NOT_FINITE
        for gap, tol, converged in zip(
            result["gap"], result["tol"], result["converged"], strict=True
        ):
            if not converged:
                message = f"{_MESSAGE_CONVERGENCE} Duality gap: {gap:.6e}, tolerance: {tol:.3e}"
                if l1 < np.finfo(np.float64).eps:
                    message += "\n" + _MESSAGE_RIDGE
                warn_user(message, ConvergenceWarning)
        coef = result["coef_"]
        dual_gaps = (np.asarray(result["gap"]) / n_samples).astype(dtype)
        n_iter = [int(k) for k in result["n_iter"]]
        if n_targets == 1:
            coef, dual_gap, n_iter = coef[0], dual_gaps[0], n_iter[0]
        else:
            dual_gap = dual_gaps
        if self.fit_intercept:
            # scikit-learn's _set_intercept, from the offsets in X's dtype.
            x_offset = result["x_mean"].astype(dtype)
            y_offset = result["y_mean"].astype(dtype)
            if p.single_target:
                y_offset = y_offset[0]
            intercept = y_offset - (x_offset @ coef if coef.ndim == 1 else x_offset @ coef.T)
        else:
            intercept = 0.0
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter values. The "
                "input data may contain large values and need to be preprocessed."
            )
        if not namespace.is_numpy:
            # Array-API input: the fitted arrays in its namespace and on its device (0-d
            # arrays for NumPy's scalars).
            coef, dual_gap = namespace.wrap(np.asarray(coef)), namespace.wrap(np.asarray(dual_gap))
            if self.fit_intercept:
                intercept = namespace.wrap(np.asarray(intercept))
        self._apply_fields(
            {"coef_": coef, "intercept_": intercept, "n_iter_": n_iter, "dual_gap_": dual_gap}
        )
        return self


class ElasticNet(_CoreElasticNetMixin, _SklearnElasticNet):
    __doc__ = _doc("ElasticNet", _SklearnElasticNet)

    _model_type = "ElasticNet"
    _sklearn_patch = "sklearn.linear_model.ElasticNet"
    _sklearn_tests = ("sklearn.linear_model.tests.test_coordinate_descent",)


class Lasso(_CoreElasticNetMixin, _SklearnLasso):
    __doc__ = _doc("Lasso", _SklearnLasso)

    _model_type = "Lasso"
    _sklearn_patch = "sklearn.linear_model.Lasso"
    _sklearn_tests = ("sklearn.linear_model.tests.test_coordinate_descent",)

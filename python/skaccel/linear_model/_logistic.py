"""Logistic regression on the C++ core.

The fit is scikit-learn's: the same objective (``LinearModelLoss``: the weighted mean of the
half binomial or multinomial loss plus ``1 / (2 C Σs) ‖w‖²``), the same solvers driven with
the same options (scipy's L-BFGS-B, scikit-learn's ``_newton_cg`` and
``NewtonCholeskySolver``), so that ``tol``, ``max_iter`` and ``n_iter_`` mean what they
mean there. What changes is who computes the passes over X: :class:`_CoreLinearModelLoss`
hands the loss, gradient, Hessian-vector products and the binary Hessian to the core's
fused, multi-threaded kernels (skaccel/logistic.hpp), which read X where it lies (no copy
to C order) in its own dtype.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
from sklearn.base import _fit_context
from sklearn.linear_model import LogisticRegression as _SklearnLogisticRegression
from sklearn.linear_model._linear_loss import LinearModelLoss
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.optimize import _check_optimize_result, _newton_cg
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import _core
from .._dispatch import NOT_FINITE, Condition, Namespace, Unsupported, dispatch, n_threads
from .._distributed import shard_context, shard_sample_weight
from .._threadpool import scipy_blas_single_threaded
from .._warnings import warn_user
from ..base import CoreEstimatorMixin
from ._common import linear_inference_input

try:  # scikit-learn >= 1.8: the API this class follows (penalty deprecated, no multi_class)
    from sklearn.linear_model._glm.glm import NewtonCholeskySolver
    from sklearn.linear_model._logistic import _LOGISTIC_SOLVER_CONVERGENCE_MSG

    _SKLEARN_1_8 = "l1_ratio" in _SklearnLogisticRegression().get_params() and not hasattr(
        _SklearnLogisticRegression(), "multi_class"
    )
except ImportError:  # pragma: no cover - older scikit-learn: its own code runs
    _SKLEARN_1_8 = False

_CORE_SOLVERS = ("lbfgs", "newton-cg", "newton-cholesky")


def _effective_penalty(est):
    """The penalty scikit-learn 1.8+ derives from ``penalty``, ``l1_ratio`` and ``C``."""
    if est.penalty != "deprecated":
        return est.penalty
    if est.l1_ratio == 0 or est.l1_ratio is None:
        penalty = "l2"
    elif est.l1_ratio == 1:
        penalty = "l1"
    else:
        penalty = "elasticnet"
    return None if est.C == np.inf else penalty


def _weight_sum(n_samples, sample_weight):
    """Σ s as the objective's normaliser: n without weights, else the sum in float64 (as
    a Python float, so that float32 problems' losses are not rounded to float32 by it)."""
    return n_samples if sample_weight is None else float(np.sum(sample_weight, dtype=np.float64))


class _NotFiniteLoss(Exception):
    """The loss at the starting point is not finite: NaN or inf in X (or an overflow)."""


class _CoreLinearModelLoss(LinearModelLoss):
    """scikit-learn's LinearModelLoss whose passes over X run in the core.

    Each method normalises the core's sums and adds the L2 penalty exactly as the parent
    does; ``loss`` given ``raw_prediction`` (the Newton-Cholesky line search computes it)
    is the parent's. The first evaluation
    (at the starting point) raises :class:`_NotFiniteLoss` when not finite, and is kept:
    L-BFGS-B asks for it again first.
    """

    def __init__(self, n_classes, fit_intercept, threads):
        base = HalfBinomialLoss() if n_classes == 2 else HalfMultinomialLoss(n_classes=n_classes)
        super().__init__(base_loss=base, fit_intercept=fit_intercept)
        self.n_classes = n_classes
        self.threads = threads
        self._first = None

    # --- shapes: coef (dof,) binary, (n_classes * dof,) F-ravelled or (n_classes, dof) ---

    def _as_rows(self, coef):
        """coef as the core's C-ordered (K, dof) float64 array."""
        if self.n_classes == 2:
            return np.ascontiguousarray(coef, dtype=np.float64).reshape(1, -1)
        rows = coef.reshape((self.n_classes, -1), order="F") if coef.ndim == 1 else coef
        return np.ascontiguousarray(rows, dtype=np.float64)

    def _like_coef(self, rows, coef):
        """The core's (K, dof) result in coef's shape and layout (and dtype, as the parent)."""
        if self.n_classes == 2:
            return rows.reshape(-1).astype(coef.dtype, copy=False)
        out = np.asfortranarray(rows, dtype=coef.dtype)
        return out.ravel(order="F") if coef.ndim == 1 else out

    @staticmethod
    def _sw_sum(X, sample_weight):
        return _weight_sum(X.shape[0], sample_weight)

    def _penalise(self, grad_rows, coef, l2_reg_strength):
        n_features = grad_rows.shape[1] - int(self.fit_intercept)
        weights, _ = self.weight_intercept(coef)
        weights = np.asarray(weights).reshape(grad_rows.shape[0], -1)
        grad_rows[:, :n_features] += l2_reg_strength * weights
        return grad_rows

    def _evaluate(self, rows, X, y, sample_weight, want_gradient, pointwise):
        """(Σ s·loss, Σ gradient (K, dof)) at the (K, dof) coefficients ``rows``."""
        return _core.logistic_loss_gradient(
            X, y, sample_weight, self.n_classes, self.fit_intercept, rows, want_gradient,
            pointwise, self.threads,
        )  # fmt: skip

    def _pass(self, coef, X, y, sample_weight, want_gradient, pointwise=None):
        rows = self._as_rows(coef)
        first = self._first
        if first is None:
            want_gradient = True  # as cheap (one fused pass), and L-BFGS-B asks for it next
        if first is not None and pointwise is None and np.array_equal(first[0], rows):
            return first[1], first[2].copy()
        total, grad = self._evaluate(rows, X, y, sample_weight, want_gradient, pointwise)
        if first is None:
            if not (np.isfinite(total) and np.isfinite(grad).all()):
                raise _NotFiniteLoss
            self._first = (rows, total, grad.copy())
        return total, grad

    # --- LinearModelLoss's methods --------------------------------------------------------

    def loss(
        self, coef, X, y, sample_weight=None, l2_reg_strength=0.0, n_threads=1, raw_prediction=None
    ):
        if raw_prediction is not None:
            return super().loss(
                coef, X, y, sample_weight, l2_reg_strength, n_threads, raw_prediction
            )
        total, _ = self._pass(coef, X, y, sample_weight, False)
        loss = float(total / self._sw_sum(X, sample_weight))
        if l2_reg_strength > 0:
            weights, _ = self.weight_intercept(coef)
            loss += self.l2_penalty(weights, l2_reg_strength)
        return loss

    def loss_gradient(
        self, coef, X, y, sample_weight=None, l2_reg_strength=0.0, n_threads=1, raw_prediction=None
    ):
        # raw_prediction (the Newton-Cholesky line search's X·coef, updated as a linear
        # combination) is not needed: one fused pass from coef costs less than the parent's
        # pointwise pass plus Xᵀ·g, and gives the same values up to rounding.
        total, grad = self._pass(coef, X, y, sample_weight, True)
        sw_sum = self._sw_sum(X, sample_weight)
        weights, _ = self.weight_intercept(coef)
        loss = float(total / sw_sum) + self.l2_penalty(weights, l2_reg_strength)
        grad = self._penalise(grad / sw_sum, coef, l2_reg_strength)
        return loss, self._like_coef(grad, coef)

    def gradient(
        self, coef, X, y, sample_weight=None, l2_reg_strength=0.0, n_threads=1, raw_prediction=None
    ):
        _, grad = self._pass(coef, X, y, sample_weight, True)  # raw_prediction: as above
        grad = self._penalise(grad / self._sw_sum(X, sample_weight), coef, l2_reg_strength)
        return self._like_coef(grad, coef)

    def gradient_hessian_product(
        self, coef, X, y, sample_weight=None, l2_reg_strength=0.0, n_threads=1
    ):
        n_samples, n_features = X.shape
        K = 1 if self.n_classes == 2 else self.n_classes
        pointwise = np.empty(n_samples * K, dtype=np.float64)
        _, grad = self._pass(coef, X, y, sample_weight, True, pointwise)
        sw_sum = self._sw_sum(X, sample_weight)
        grad = self._like_coef(self._penalise(grad / sw_sum, coef, l2_reg_strength), coef)

        def hessp(s):
            v = self._as_rows(s)
            out = _core.logistic_hessian_product(
                X, y, sample_weight, self.n_classes, self.fit_intercept, pointwise, v,
                self.threads,
            )  # fmt: skip
            out /= sw_sum
            out[:, :n_features] += l2_reg_strength * v[:, :n_features]
            return self._like_coef(out, s)

        return grad, hessp

    def gradient_hessian(
        self,
        coef,
        X,
        y,
        sample_weight=None,
        l2_reg_strength=0.0,
        n_threads=1,
        gradient_out=None,
        hessian_out=None,
        raw_prediction=None,
    ):
        n_features = X.shape[1]
        sw_sum = self._sw_sum(X, sample_weight)
        if self.n_classes == 2:
            grad, hess, nonpositive, total = _core.logistic_gradient_hessian(
                X, y, sample_weight, self.fit_intercept, self._as_rows(coef), self.threads
            )
            # scikit-learn: np.average(hess_pointwise <= 0, weights=sample_weight) > 0.25
            hessian_warning = bool(total > 0 and nonpositive / total > 0.25)
            weights, _ = self.weight_intercept(coef)
            grad = grad / sw_sum
            grad[:n_features] += l2_reg_strength * weights
            penalised = n_features  # the weights' diagonal entries (the intercept's last)
        else:
            grad, hess, _ = _core.logistic_multinomial_hessian(
                X, y, sample_weight, self.n_classes, self.fit_intercept, self._as_rows(coef),
                self.threads,
            )  # fmt: skip
            hessian_warning = False  # the multinomial pointwise Hessian is never negative
            grad = self._like_coef(self._penalise(grad / sw_sum, coef, l2_reg_strength), coef)
            penalised = self.n_classes * n_features  # parameter (k, j) at j·K + k
        hess /= sw_sum
        hess[np.arange(penalised), np.arange(penalised)] += l2_reg_strength
        if gradient_out is None:
            gradient_out = np.empty_like(coef, dtype=weights.dtype)
        if hessian_out is None:
            hessian_out = np.empty((coef.size, coef.size), dtype=weights.dtype)
        gradient_out[...] = grad
        hessian_out[...] = hess
        return gradient_out, hessian_out, hessian_warning


class _DistributedLoss(_CoreLinearModelLoss):
    """The loss over the shards of a distributed fit (skaccel._distributed): every pass
    is a sum over the shards through the reducer, normalised by the weight of all rows.
    The optimizer's own arguments X, y and sample_weight are unused (None)."""

    def __init__(self, reducer, n_classes, fit_intercept, threads, sw_sum):
        super().__init__(n_classes, fit_intercept, threads)
        self.reducer, self.total_weight = reducer, sw_sum

    def _sw_sum(self, X, sample_weight):
        return self.total_weight

    def _evaluate(self, rows, X, y, sample_weight, want_gradient, pointwise):
        fn = functools.partial(
            _shard_loss_gradient, self.n_classes, self.fit_intercept, self.threads, rows
        )
        values = self.reducer.sum(fn, 1 + rows.size)
        return values[0], values[1:].reshape(rows.shape)


@dataclass
class _Shard:
    """One process's (or block's) validated rows in a distributed fit."""

    X: np.ndarray
    y: np.ndarray  # the labels
    sample_weight: np.ndarray | None
    target: np.ndarray | None = None  # 0/1 or class indices, in X's dtype (after _encode)


def _shard_classes(shard):
    return np.unique(shard.y) if shard.y.shape[0] else None


def _shard_class_weights(classes, shard):
    """Σ of the rows' weights per class (classes: all ranks' labels)."""
    codes = np.searchsorted(classes, shard.y)
    return np.bincount(codes, weights=shard.sample_weight, minlength=len(classes))


def _encode(classes, class_weight, shard):
    """The shard with its targets encoded and its class weights applied."""
    X, y, weights = shard.X, shard.y, shard.sample_weight
    if class_weight is not None:
        if weights is None:
            weights = np.ones(X.shape[0], dtype=X.dtype)
        weights = weights * class_weight[np.searchsorted(classes, y)].astype(X.dtype)
    if len(classes) == 2:
        target = np.where(y == classes[1], 1, 0).astype(X.dtype)
    else:
        target = np.searchsorted(classes, y).astype(X.dtype)
    return _Shard(X, y, weights, target)


def _shard_weight(shard):
    n = shard.X.shape[0]
    return [_weight_sum(n, shard.sample_weight)]


def _shard_loss_gradient(n_classes, fit_intercept, threads, rows, shard):
    total, grad = _core.logistic_loss_gradient(
        shard.X, shard.target, shard.sample_weight, n_classes, fit_intercept, rows, True, None,
        threads,
    )  # fmt: skip
    return np.concatenate([[total], grad.reshape(-1)])


@dataclass
class _FitProblem:
    X: np.ndarray
    target: np.ndarray  # 0/1 (binary) or class indices, in X's dtype
    sample_weight: np.ndarray | None  # class weights applied
    classes: np.ndarray
    C: float
    solver: str
    w0: np.ndarray
    sw_sum: float
    classes_out: object  # classes_ as fitted: in y's array namespace (array API dispatch)

    @property
    def detail(self):
        n, p = self.X.shape
        return f"{n}x{p} {self.X.dtype}, {len(self.classes)} classes, solver={self.solver}"


class LogisticRegression(CoreEstimatorMixin, _SklearnLogisticRegression):
    __doc__ = (
        "Logistic Regression (aka logit, MaxEnt) classifier, fitted by skaccel's C++ core."
        "\n\nSame parameters, fitted attributes and behaviour as scikit-learn's "
        "LogisticRegression. The lbfgs, newton-cg and newton-cholesky solvers run as "
        "scikit-learn runs them (same objective, options and stopping rules), with every "
        "pass over X -- loss, gradient, Hessian-vector products, the binary Hessian -- in "
        "the core's fused multi-threaded kernels, which read X in place (C- or F-ordered, "
        "sliced, float32 kept). sample_weight, class_weight and warm_start are supported. "
        "liblinear, sag and saga, l1/elasticnet penalties, sparse X and callbacks run "
        "scikit-learn's own code (logged). decision_function, predict, predict_proba and "
        "predict_log_proba run in the core (and in skaccel-predict from a model file); "
        "``n_jobs`` sets the core's threads.\n"
        + (_SklearnLogisticRegression.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "LogisticRegression"
    _sklearn_patch = "sklearn.linear_model.LogisticRegression"
    _sklearn_tests = ("sklearn.linear_model.tests.test_logistic",)
    _core_conditions = {
        "fit": (
            Condition("scikit-learn before 1.8", lambda est: not _SKLEARN_1_8),
            Condition("solver={solver!r}", lambda est: est.solver not in _CORE_SOLVERS),
            Condition("dual=True", lambda est: bool(est.dual)),
            Condition(
                "an l1 or elasticnet penalty",
                lambda est: _effective_penalty(est) in ("l1", "elasticnet"),
            ),
            Condition("callbacks", lambda est: bool(getattr(est, "_skl_callbacks", None))),
        )
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model according to the given training data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training vector, where `n_samples` is the number of samples and
            `n_features` is the number of features.
        y : array-like of shape (n_samples,)
            Target vector relative to X.
        sample_weight : array-like of shape (n_samples,) default=None
            Array of weights that are assigned to individual samples.
            If not provided, then each sample is given unit weight.

        Returns
        -------
        self
            Fitted estimator.
        """
        return dispatch(
            self,
            "fit",
            X,
            prepare=functools.partial(self._fit_input, X=X, y=y, sample_weight=sample_weight),
            compute=self._fit_core,
            fallback=functools.partial(self._sklearn_fit, X, y, sample_weight),
        )

    def _sklearn_fit(self, X, y, sample_weight):
        """scikit-learn's fit, without its FutureWarning that n_jobs has no effect: here
        n_jobs is the core's thread count (as in scikit-learn-intelex)."""
        n_jobs = self.n_jobs
        self.n_jobs = None
        try:
            return super().fit(X, y, sample_weight=sample_weight)
        finally:
            self.n_jobs = n_jobs

    # --- fit ------------------------------------------------------------------------------

    def _resolve_penalty(self):
        """scikit-learn 1.9's penalty resolution, with its warnings; returns C."""
        penalty = _effective_penalty(self)
        if self.penalty == "deprecated":
            if self.l1_ratio is None:
                warn_user(
                    "'l1_ratio=None' was deprecated in version 1.8 and will trigger an error "
                    "in 1.10. Use 0<=l1_ratio<=1 instead.",
                    FutureWarning,
                )
        else:
            warn_user(
                "'penalty' was deprecated in version 1.8 and will be removed in 1.10. To "
                "avoid this warning, leave 'penalty' set to its default value and use "
                "'l1_ratio' or 'C' instead. Use l1_ratio=0 instead of penalty='l2', "
                "l1_ratio=1 instead of penalty='l1', l1_ratio set to a float between 0 and 1 "
                "instead of penalty='elasticnet', and C=np.inf instead of penalty=None.",
                FutureWarning,
            )
        if penalty != "elasticnet" and self.l1_ratio is not None and 0 < self.l1_ratio < 1:
            warn_user(
                "l1_ratio parameter is only used when penalty is 'elasticnet'. Got "
                f"(penalty={penalty})"
            )
        if (self.penalty == "l2" and self.l1_ratio != 0) or (
            self.penalty == "l1" and self.l1_ratio != 1
        ):
            warn_user(
                f"Inconsistent values: penalty={self.penalty} with l1_ratio={self.l1_ratio}. "
                "penalty is deprecated. Please use l1_ratio only."
            )
        if self.penalty is None:
            if self.C != 1.0:
                warn_user("Setting penalty=None will ignore the C and l1_ratio parameters")
            return np.inf
        return self.C

    def _fit_input(self, namespace: Namespace, X, y, sample_weight):
        C = self._resolve_penalty()  # n_jobs sets the core's threads: no FutureWarning
        warm = self._warm_start_coef()
        self._reset_fitted_state()  # after reading the warm start, before validate_data sets
        y_in = y
        X, y = validate_data(
            self,
            namespace.host(X),
            Namespace(y).host(y),
            dtype=[np.float64, np.float32],
            ensure_all_finite=False,  # the first loss evaluation shows NaN/inf
        )
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {classes[0]!r}"
            )
        n_classes, n_features = classes.shape[0], X.shape[1]
        dof = n_features + int(self.fit_intercept)
        if sample_weight is not None or self.class_weight is not None:
            sample_weight = _check_sample_weight(
                namespace.host(sample_weight), X, dtype=X.dtype, copy=True
            )
        encoder = LabelEncoder().fit(classes)
        if self.class_weight is not None:
            class_weight = compute_class_weight(
                self.class_weight, classes=classes, y=y, sample_weight=sample_weight
            )
            sample_weight *= class_weight[encoder.transform(y)].astype(X.dtype)
        if n_classes == 2:
            target = np.where(y == classes[1], 1, 0).astype(X.dtype)
            w0 = np.zeros(dof, dtype=X.dtype)
        else:
            target = encoder.transform(y).astype(X.dtype)
            w0 = np.zeros((n_classes, dof), order="F", dtype=X.dtype)
        if warm is not None:
            self._check_warm_start_shape(warm, w0, n_classes, dof)
            if n_classes == 2:
                w0[:] = warm.reshape(-1)
            else:
                w0[:, :] = warm
        if n_classes > 2:
            w0 = w0.ravel(order="F")
        sw_sum = _weight_sum(X.shape[0], sample_weight)
        classes_out = Namespace(y_in).wrap(classes) if classes.dtype.kind in "biuf" else classes
        return _FitProblem(
            X, target, sample_weight, classes, C, self.solver, w0, sw_sum, classes_out
        )

    def _warm_start_coef(self):
        if not self.warm_start or getattr(self, "coef_", None) is None:
            return None
        coef = np.asarray(Namespace(self.coef_).host(self.coef_))
        if self.fit_intercept:
            intercept = np.asarray(Namespace(self.intercept_).host(self.intercept_))
            coef = np.concatenate([coef, np.reshape(intercept, (-1, 1))], axis=1)
        return coef

    @staticmethod
    def _check_warm_start_shape(coef, w0, n_classes, dof):
        if n_classes == 2:
            if (coef.ndim == 1 and coef.shape[0] == dof) or (
                coef.ndim == 2 and coef.shape[0] == 1 and coef.shape[1] == dof
            ):
                return
            raise ValueError(
                f"Initialization coef is of shape {coef.shape}, expected shape {w0.shape} or "
                f"(1, {w0.shape[0]})"
            )
        if not (coef.ndim == 2 and coef.shape[0] == n_classes and coef.shape[1] == dof):
            raise ValueError(
                f"Initialization coef is of shape {coef.shape}, expected shape {w0.shape}"
            )

    def _fit_core(self, problem: _FitProblem, namespace: Namespace):
        X, n_classes = problem.X, len(problem.classes)
        loss = _CoreLinearModelLoss(n_classes, bool(self.fit_intercept), n_threads(self.n_jobs))
        l2_reg_strength = 1.0 / (problem.C * problem.sw_sum)
        args = (X, problem.target, problem.sample_weight, l2_reg_strength, 1)
        try:
            loss.loss(problem.w0, *args)  # the starting point's loss: NaN/inf in X show here
            with scipy_blas_single_threaded():
                w, n_iter = self._solve(loss, problem, args)
        except _NotFiniteLoss:
            return NOT_FINITE
        self._set_solution(w, n_iter, n_classes, X.shape[1], X.dtype, namespace)
        self.classes_ = problem.classes_out
        return self

    def _set_solution(self, w, n_iter, n_classes, n_features, dtype, namespace):
        """coef_, intercept_ and n_iter_ from the solver's flat parameters, as
        scikit-learn shapes them (in dtype and the input's namespace)."""
        dof = n_features + int(self.fit_intercept)
        if n_classes == 2:
            w = np.asarray(w).reshape(1, dof)
        else:
            w = np.asarray(w).reshape((n_classes, -1), order="F")
        coef = np.ascontiguousarray(w[:, :n_features], dtype=dtype)
        if self.fit_intercept:
            intercept = np.ascontiguousarray(w[:, -1], dtype=dtype)
        else:
            intercept = np.zeros(coef.shape[0], dtype=dtype)
        self._apply_fields(
            {
                "coef_": namespace.wrap(coef),
                "intercept_": namespace.wrap(intercept),
                "n_iter_": namespace.wrap(np.asarray([n_iter], dtype=np.int32)),
            }
        )

    # --- the distributed fit (skaccel._distributed, reducer protocol) ----------------------

    def _distributed_shard(self, X, y, sample_weight=None):
        """This process's rows, validated (zero rows allowed); lbfgs only."""
        for condition in type(self)._core_conditions.get("fit", ()):
            reason = condition.check(self)
            if reason is not None:
                raise ValueError(f"{type(self).__name__}: {reason} has no distributed fit")
        if self.solver != "lbfgs":
            raise ValueError(
                f"{type(self).__name__}: solver={self.solver!r} has no distributed fit "
                "(use 'lbfgs')"
            )
        self._resolve_penalty()
        namespace = Namespace(X)
        if len(namespace.host(y)) == 0:
            X = validate_data(
                self, namespace.host(X), dtype=[np.float64, np.float32], ensure_min_samples=0
            )
            y = np.asarray(namespace.host(y))
        else:
            X, y = validate_data(
                self, namespace.host(X), namespace.host(y), dtype=[np.float64, np.float32]
            )
            check_classification_targets(y)
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples, but y has {y.shape[0]}")
        sample_weight = shard_sample_weight(sample_weight, X, namespace, copy=True)
        context = shard_context(self, X)
        return _Shard(X, y, sample_weight), context

    def _fit_distributed(self, reducer, context, namespace):
        """scikit-learn's lbfgs fit, every loss and gradient summed over the shards: the
        classes are the union of all shards' labels, "balanced" class weights come from
        the weighted counts of all rows, the penalty from the weight of all rows."""
        C = np.inf if self.penalty is None else self.C
        labels = [c for c in reducer.gather(_shard_classes) if c is not None]
        classes = np.unique(np.concatenate(labels)) if labels else np.empty(0)
        if classes.shape[0] < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {classes[0] if len(classes) else None!r}"
            )
        n_classes, n_features = classes.shape[0], context["n_features_in_"]
        dtype = np.dtype(context["dtype"])
        class_weight = None
        if self.class_weight == "balanced":
            counts = reducer.sum(functools.partial(_shard_class_weights, classes), n_classes)
            class_weight = counts.sum() / (n_classes * counts)
        elif self.class_weight is not None:
            class_weight = compute_class_weight(self.class_weight, classes=classes, y=classes)
        reducer.update(functools.partial(_encode, classes, class_weight))
        sw_sum = float(reducer.sum(_shard_weight, 1)[0])
        dof = n_features + int(self.fit_intercept)
        w0 = np.zeros(dof if n_classes == 2 else (n_classes, dof), dtype=dtype, order="F")
        warm = self._warm_start_coef()
        if warm is not None:
            self._check_warm_start_shape(warm, w0, n_classes, dof)
            w0[...] = warm.reshape(w0.shape)
        w0 = w0.ravel(order="F")
        loss = _DistributedLoss(
            reducer, n_classes, bool(self.fit_intercept), n_threads(self.n_jobs), sw_sum
        )
        problem = _FitProblem(None, None, None, classes, C, "lbfgs", w0, sw_sum, classes)
        args = (None, None, None, 1.0 / (C * sw_sum), 1)
        try:
            loss.loss(w0, *args)
        except _NotFiniteLoss:
            raise ValueError(
                f"{type(self).__name__}: the loss is not finite at the starting point (the "
                "values of X are too large)"
            ) from None
        with scipy_blas_single_threaded():
            w, n_iter = self._solve(loss, problem, args)
        self._reset_fitted_state()
        self._set_solution(w, n_iter, n_classes, n_features, dtype, namespace)
        self.classes_ = classes
        self.n_features_in_ = n_features
        if context.get("feature_names_in_") is not None:
            self.feature_names_in_ = context["feature_names_in_"]
        return self

    def _solve(self, loss, problem, args):
        """(solution, iterations) of scikit-learn's solver ``problem.solver``, as
        ``_logistic_regression_path`` runs it."""
        if problem.solver == "lbfgs":
            iprint = [-1, 50, 1, 100, 101][np.searchsorted(np.array([0, 1, 2, 3]), self.verbose)]
            result = optimize.minimize(
                loss.loss_gradient,
                problem.w0,
                method="L-BFGS-B",
                jac=True,
                args=args,
                options={
                    "maxiter": self.max_iter,
                    "maxls": 50,
                    "gtol": self.tol,
                    "ftol": 64 * np.finfo(float).eps,
                    **_get_additional_lbfgs_options_dict("iprint", iprint),
                },
            )
            n_iter = _check_optimize_result(
                "lbfgs",
                result,
                self.max_iter,
                extra_warning_msg=_LOGISTIC_SOLVER_CONVERGENCE_MSG,
            )
            return result.x, n_iter
        if problem.solver == "newton-cg":
            return _newton_cg(
                grad_hess=loss.gradient_hessian_product,
                func=loss.loss,
                grad=loss.gradient,
                x0=problem.w0,
                args=args,
                maxiter=self.max_iter,
                tol=self.tol,
                verbose=self.verbose,
            )
        solver = NewtonCholeskySolver(
            coef=problem.w0,
            linear_loss=loss,
            l2_reg_strength=args[3],
            tol=self.tol,
            max_iter=self.max_iter,
            n_threads=1,
            verbose=self.verbose,
        )
        w = solver.solve(X=problem.X, y=problem.target, sample_weight=problem.sample_weight)
        return w, solver.iteration

    # --- inference --------------------------------------------------------------------------

    def _dispatch_inference(self, method, X, finish, fallback):
        """``method`` on the core: the registered method ``core_method`` of the validated
        X, checked finite (NaN/inf in X raise scikit-learn's error), then ``finish``."""
        check_is_fitted(self)
        core_method = "decision_function" if method == "predict" else method

        def compute(X_valid, namespace):
            out = self._core_method(core_method, X_valid)
            if isinstance(out, Unsupported):
                return out
            if not np.isfinite(out).all():
                return NOT_FINITE
            return finish(out, namespace)

        return dispatch(
            self,
            method,
            X,
            prepare=functools.partial(linear_inference_input, self, X=X),
            compute=compute,
            fallback=fallback,
        )

    def decision_function(self, X):
        """Predict confidence scores for samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data matrix for which we want to get the confidence scores.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Confidence scores per `(n_samples, n_classes)` combination. In the binary
            case, confidence score for `self.classes_[1]` where >0 means this class would
            be predicted.
        """
        return self._dispatch_inference(
            "decision_function",
            X,
            lambda scores, namespace: namespace.wrap(scores),
            functools.partial(super().decision_function, X),
        )

    def predict(self, X):
        """Predict class labels for samples in X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data matrix for which we want to get the predictions.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Vector containing the class labels for each sample.
        """
        return self._dispatch_inference(
            "predict", X, self._labels_of, functools.partial(super().predict, X)
        )

    def _labels_of(self, scores, namespace):
        # LinearClassifierMixin.predict: score > 0 (binary), else the first maximum.
        indices = (scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)
        # The labels in X's namespace and device, as scikit-learn's outputs are (classes_
        # may be of y's namespace); str labels are NumPy's.
        classes = np.asarray(Namespace(self.classes_).host(self.classes_))
        labels = classes[indices]
        return namespace.wrap(labels) if labels.dtype.kind in "biuf" else labels

    def predict_proba(self, X):
        """Probability estimates.

        The returned estimates for all classes are ordered by the label of classes. For a
        multiclass / multinomial problem the softmax function is used to find the
        predicted probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Vector to be scored, where `n_samples` is the number of samples and
            `n_features` is the number of features.

        Returns
        -------
        T : array-like of shape (n_samples, n_classes)
            Returns the probability of the sample for each class in the model, where
            classes are ordered as they are in ``self.classes_``.
        """
        return self._dispatch_inference(
            "predict_proba",
            X,
            lambda proba, namespace: namespace.wrap(proba),
            functools.partial(super().predict_proba, X),
        )


__all__ = ["LogisticRegression"]

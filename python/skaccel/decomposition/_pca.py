"""Principal component analysis on the C++ core."""

import functools
import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA as _SklearnPCA
from sklearn.decomposition._pca import _infer_dimension
from sklearn.utils._array_api import get_namespace
from sklearn.utils.extmath import svd_flip
from sklearn.utils.validation import validate_data

from .. import _core
from .._dispatch import (
    NOT_FINITE,
    Unsupported,
    dispatch,
    n_threads,
    raise_if_not_finite,
)
from .._moments import moments, unscaled, validated_shard_moments
from ._base import CorePCAMixin


def resolve_svd_solver(svd_solver, n_components, shape):
    """The solver and n_components scikit-learn's ``PCA._fit`` picks for dense X.

    Returns ``(solver, n_components)``: ``n_components`` None becomes ``min(shape)``
    (``min(shape) - 1`` for arpack) and ``"auto"`` is resolved by scikit-learn's rule.
    """
    n_samples, n_features = shape
    if n_components is None:
        n_components = min(shape) - 1 if svd_solver == "arpack" else min(shape)
    if svd_solver == "auto":
        # Tall and skinny: the covariance matrix; small or 'mle': the full SVD.
        if n_features <= 1_000 and n_samples >= 10 * n_features:
            svd_solver = "covariance_eigh"
        elif max(shape) <= 500 or n_components == "mle":
            svd_solver = "full"
        elif 1 <= n_components < 0.8 * min(shape):
            svd_solver = "randomized"
        else:  # also n_components in (0, 1)
            svd_solver = "full"
    return svd_solver, n_components


def spectrum_from_scatter(scatter, n_samples, n_components=None):
    """Eigen-spectrum of the covariance ``scatter / (n_samples - 1)``, as scikit-learn's
    covariance_eigh solver post-processes it.

    ``scatter`` is the float64 p×p matrix Σ (x − x̄)(x − x̄)ᵀ. Returns
    ``(explained_variance, singular_values, Vt)`` in float64, in descending order, with
    the eigenvalues clipped at 0 and ``singular_values = sqrt(ev * (n_samples - 1))``.
    The scatter matrix itself is decomposed (its eigenvectors are those of the
    covariance), so a single sample gives NaN variances, as scikit-learn's full SVD.

    With an int ``n_components`` well below p only the leading eigenpairs are computed
    (LAPACK dsyevr); the trailing variances, which PCA uses only through their sum
    (explained_variance_ratio_) and mean (noise_variance_), are then all set to their
    mean, from the trace, and ``Vt`` has ``n_components`` rows.
    """
    p = scatter.shape[0]
    if isinstance(n_components, numbers.Integral) and 0 < n_components <= p // 4:
        eigenvalues, eigenvectors = _core.symmetric_eigen_top(scatter, int(n_components))
        rest = (np.trace(scatter) - eigenvalues.sum()) / (p - n_components)
        eigenvalues = np.concatenate([np.full(p - n_components, max(rest, 0.0)), eigenvalues])
    else:
        eigenvalues, eigenvectors = _core.symmetric_eigen(scatter)
    explained_variance = eigenvalues[::-1] / (n_samples - 1)
    explained_variance[explained_variance < 0.0] = 0.0
    singular_values = np.sqrt(explained_variance * (n_samples - 1))
    return explained_variance, singular_values, eigenvectors[:, ::-1].T


def flipped_components(Vt, n_components, dtype):
    """The first ``n_components`` rows of Vt, signed by scikit-learn's convention
    (``svd_flip(u_based_decision=False)``: each row's largest |entry| is positive), as a
    new C-contiguous array of ``dtype``."""
    _, components = svd_flip(None, np.array(Vt[:n_components]), u_based_decision=False)
    return np.ascontiguousarray(components, dtype=dtype)


def _n_components_error(shape, solver, n_components):
    """scikit-learn's message for an n_components the shape does not allow, or None."""
    n_samples, n_features = shape
    if n_components == "mle":
        if n_samples < n_features:
            return "n_components='mle' is only supported if n_samples >= n_features"
        return None
    if 0 <= n_components <= min(n_samples, n_features):
        return None
    return (
        f"n_components={n_components} must be between 0 and "
        f"min(n_samples, n_features)={min(n_samples, n_features)} with "
        f"svd_solver={solver!r}"
    )


@dataclass
class _FitInput:
    X: np.ndarray
    solver: str
    n_components: object

    @property
    def detail(self):
        return f"{self.solver}, {self.X.shape[0]}x{self.X.shape[1]} {self.X.dtype}"


class PCA(CorePCAMixin, _SklearnPCA):
    __doc__ = (
        "Principal component analysis (PCA), fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's PCA. With "
        "dense X, the solvers 'covariance_eigh' (X reduced to its centred scatter "
        "matrix in one blocked parallel pass, without copying X, accumulated in float64, "
        "then a symmetric eigendecomposition in float64) and 'full' (LAPACK SVD of the "
        "centred X in float64) run in the core; the fitted arrays keep X's dtype. 'auto' "
        "is resolved exactly as scikit-learn resolves it. ``transform`` (and "
        "``fit_transform``) project X in one parallel pass of the core when X has the "
        "model's dtype. Array-API inputs on the CPU run on the core too, and the fitted "
        "attributes keep their namespace and device. 'arpack', 'randomized' and sparse X "
        "run scikit-learn's own code (logged at INFO by the 'skaccel' logger). X is never "
        "modified, whatever ``copy``. Pickles record their versions (see the README's "
        "compatibility policy).\n" + (_SklearnPCA.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "PCA"
    _sklearn_patch = "sklearn.decomposition.PCA"
    _sklearn_tests = ("sklearn.decomposition.tests.test_pca",)

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
        return self._dispatch_transform(X)

    def _fit(self, X):
        """Fit on X and return ``(U, S, Vt, X, x_is_centered, xp)`` like scikit-learn's
        ``PCA._fit`` (U is None on the core's paths: ``fit_transform`` then projects X)."""
        self._reset_fitted_state()
        return dispatch(
            self,
            "fit",
            X,
            prepare=functools.partial(self._fit_input, X=X),
            compute=functools.partial(self._fit_core, X=X),
            fallback=functools.partial(self._fit_sklearn, X),
        )

    def _fit_input(self, namespace, X):
        # Finiteness of X is checked on the core's output instead of by a full pass over
        # X here (raise_if_not_finite gives scikit-learn's error).
        Xv = validate_data(
            self,
            namespace.host(X),
            dtype=[np.float64, np.float32],
            ensure_2d=True,
            ensure_all_finite=False,
        )
        solver, n_components = resolve_svd_solver(self.svd_solver, self.n_components, Xv.shape)
        if solver not in ("covariance_eigh", "full"):
            if solver == self.svd_solver:
                return Unsupported(f"svd_solver={solver!r}")
            return Unsupported(f"svd_solver='auto' resolved to {solver!r}")
        self._fit_svd_solver = solver
        self._check_n_components(Xv, solver, n_components)
        return _FitInput(Xv, solver, n_components)

    def _fit_sklearn(self, X):
        result = super()._fit(X)
        if isinstance(self.components_, np.ndarray):
            # arpack's components are a reversed view: stored contiguous, transforms
            # stay bit-identical across pickling.
            self.components_ = np.ascontiguousarray(self.components_)
        return result

    def _check_n_components(self, X, solver, n_components):
        message = _n_components_error(X.shape, solver, n_components)
        if message is not None:
            raise_if_not_finite(self, X)  # scikit-learn checks X first
            raise ValueError(message)

    # --- the distributed fit's protocol (skaccel._distributed) ---------------------------

    def _shard_statistics(self, X, y=None):
        """This process's rows reduced to their centred moments. The distributed fit is
        the 'covariance_eigh' solver's ('auto' and 'full' too: the same components up to
        rounding); 'arpack' and 'randomized' have none."""
        if self.svd_solver in ("arpack", "randomized"):
            raise ValueError(
                f"PCA: svd_solver={self.svd_solver!r} has no distributed fit; use 'auto', "
                "'full' or 'covariance_eigh'"
            )
        return validated_shard_moments(self, X)

    def _merge_statistics(self, a, b):
        return _core.merge_normal_equations(a, b, True)

    def _fit_from_statistics(self, statistics, context, namespace):
        n_samples = int(statistics["n_samples_seen_"])
        shape = (n_samples, int(context["n_features_in_"]))
        _, n_components = resolve_svd_solver(self.svd_solver, self.n_components, shape)
        message = _n_components_error(shape, "covariance_eigh", n_components)
        if message is None and n_samples < 2:
            message = f"PCA needs at least 2 samples in all, got {n_samples}"
        if message is not None:
            raise ValueError(message)
        self._fit_svd_solver = "covariance_eigh"
        spectrum = self._spectrum_from_moments(
            statistics, shape, np.dtype(context["dtype"]), n_components, namespace
        )
        if spectrum is NOT_FINITE:
            raise ValueError("PCA: the explained variances overflow")
        return self

    def _spectrum_from_moments(self, m, shape, dtype, n_components, namespace):
        """The fitted attributes from the centred moments (covariance_eigh). Returns
        (singular_values, Vt) in float64, or NOT_FINITE when the variances overflow."""
        mean, scatter, scale = unscaled(m)
        explained_variance, singular_values, Vt = spectrum_from_scatter(
            scatter, shape[0], n_components
        )
        # Scaled data (tiny or huge X): the axes are those of the scaled scatter.
        with np.errstate(over="ignore"):
            explained_variance = explained_variance / scale / scale
            singular_values = singular_values / scale
        if np.isinf(explained_variance).any():
            return NOT_FINITE  # the variances themselves overflow
        self.mean_ = mean.astype(dtype)
        self._set_spectrum(explained_variance, singular_values, Vt, shape, n_components)
        self._apply_fields(namespace.wrap_fields(self._fitted_fields()))
        return singular_values, Vt

    def _fit_core(self, prepared, namespace, X):
        """One core computation of the spectrum; sets the fitted attributes. Returns
        ``_fit``'s tuple (in X's namespace), or NOT_FINITE."""
        Xv, solver, n_components = prepared.X, prepared.solver, prepared.n_components
        n_samples = Xv.shape[0]
        if solver == "covariance_eigh":
            m = moments(Xv, n_threads(self.n_jobs))
            if m is None:
                return NOT_FINITE
            spectrum = self._spectrum_from_moments(m, Xv.shape, Xv.dtype, n_components, namespace)
            if spectrum is NOT_FINITE:
                return NOT_FINITE
            singular_values, Vt = spectrum
        else:
            mean = np.mean(Xv, axis=0, dtype=np.float64)
            if not np.isfinite(mean).all():
                return NOT_FINITE
            singular_values, Vt = _core.centered_right_singular(Xv, mean, n_threads(self.n_jobs))
            explained_variance = singular_values**2 / (n_samples - 1)
            self.mean_ = mean.astype(Xv.dtype)
            self._set_spectrum(explained_variance, singular_values, Vt, Xv.shape, n_components)
            self._apply_fields(namespace.wrap_fields(self._fitted_fields()))
        if namespace.is_numpy:
            xp, _ = get_namespace(Xv)
            return None, singular_values.astype(Xv.dtype), Vt.astype(Xv.dtype), Xv, False, xp
        return (
            None,
            namespace.wrap(singular_values.astype(Xv.dtype)),
            namespace.wrap(Vt.astype(Xv.dtype)),
            X,
            False,
            namespace.xp,
        )

    def _set_spectrum(self, explained_variance, singular_values, Vt, shape, n_components):
        """scikit-learn's post-processing of ``PCA._fit_full``, in the dtype of ``mean_``:
        number of components ('mle', a variance share in (0, 1) or an int), explained
        variance ratios, noise variance, and the truncated attributes."""
        n_samples, n_features = shape
        dtype = self.mean_.dtype
        explained_variance = explained_variance.astype(dtype)
        explained_variance_ratio = explained_variance / np.sum(explained_variance)
        if n_components == "mle":
            n_components = int(_infer_dimension(explained_variance, n_samples))
        elif 0 < n_components < 1.0:
            # side="right": the kept components explain strictly more than the share.
            ratio_cumsum = np.cumsum(explained_variance_ratio)
            # A Python int (scikit-learn keeps the np.int64): model files hold integers.
            n_components = int(np.searchsorted(ratio_cumsum, np.asarray(n_components), "right")) + 1
        if n_components < min(n_features, n_samples):
            self.noise_variance_ = np.mean(explained_variance[n_components:])
        else:
            self.noise_variance_ = 0.0
        self.n_samples_ = n_samples
        self.n_components_ = n_components
        self.components_ = flipped_components(Vt, n_components, dtype)
        self.explained_variance_ = explained_variance[:n_components].copy()
        self.explained_variance_ratio_ = explained_variance_ratio[:n_components].copy()
        self.singular_values_ = singular_values[:n_components].astype(dtype)

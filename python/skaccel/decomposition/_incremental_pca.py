"""Incremental PCA, exact: running moments merged in the C++ core."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context
from sklearn.decomposition import IncrementalPCA as _SklearnIncrementalPCA
from sklearn.utils import gen_batches
from sklearn.utils.validation import validate_data

from .. import _core
from .._config import resolve_device
from .._dispatch import Namespace, log_core, n_threads, raise_if_not_finite
from .._moments import merge_moments, validated_shard_moments
from ._base import CorePCAMixin
from ._pca import flipped_components, spectrum_from_scatter


class IncrementalPCA(CorePCAMixin, _SklearnIncrementalPCA):
    __doc__ = (
        "Incremental principal component analysis, exact, fitted by skaccel's C++ core."
        "\n\n"
        "Same parameters and fitted attributes as scikit-learn's IncrementalPCA, but not "
        "its approximation: ``partial_fit`` merges the batch's centred moments (count, "
        "mean, scatter matrix Σ (x − x̄)(x − x̄)ᵀ, accumulated in float64) into the running ones and "
        "re-derives the components from the eigendecomposition of the covariance. The "
        "model after any sequence of batches therefore equals "
        "``PCA(svd_solver='covariance_eigh')`` fitted on their concatenation (up to "
        "rounding; ``noise_variance_`` and ``explained_variance_ratio_`` included), "
        "whatever the batch sizes; it differs from scikit-learn's IncrementalPCA only by "
        "that estimator's approximation (largest in ``noise_variance_``, which "
        "scikit-learn estimates from the last update's truncated SVD alone). ``fit`` "
        "feeds batches of ``batch_size_`` rows (scikit-learn's rule: 5 * n_features by "
        "default) through the same merge, so "
        "its result does not depend on the batch size either. Memory is O(n_features²) "
        "whatever the number of samples.\n\n"
        "Differences in form: the fitted arrays are always float64 (scikit-learn mixes "
        "float32 and float64 for float32 input), ``n_samples_seen_`` is an int (a float "
        "in scikit-learn), and X is never modified or copied. The running moments are "
        "kept in the private attributes ``_weight_sum``, ``_x_mean`` and ``_gram``, so "
        "a model pickled (or saved) mid-stream resumes exactly: continuing it gives the "
        "same model, bit for bit on the same machine, as the uninterrupted stream. "
        "Pickles record their versions (see the README's compatibility policy).\n"
        + (_SklearnIncrementalPCA.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "IncrementalPCA"
    _hyperparameters = {"fit": "normal_equations", "partial_fit": "normal_equations"}
    _sklearn_patch = "sklearn.decomposition.IncrementalPCA"
    _sklearn_tests = ("sklearn.decomposition.tests.test_incremental_pca",)

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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model with X, using minibatches of size batch_size.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
        self._reset_fitted_state()
        namespace = Namespace(X)
        X = validate_data(
            self,
            namespace.host(X),
            accept_sparse=["csr", "csc", "lil"],
            dtype=[np.float64, np.float32],
            # Dense X: checked on the core's output (raise_if_not_finite).
            ensure_all_finite=sp.issparse(X),
        )
        n_samples, n_features = X.shape
        self.batch_size_ = 5 * n_features if self.batch_size is None else self.batch_size
        log_core(self, "fit", f"{n_samples}x{n_features} {X.dtype}, batches of {self.batch_size_}")
        batches = list(
            gen_batches(n_samples, self.batch_size_, min_batch_size=self.n_components or 0)
        )
        try:
            for i, batch in enumerate(batches):
                X_batch = X[batch]
                if sp.issparse(X_batch):
                    X_batch = X_batch.toarray()
                # Components are derived from the last merge only: the same numbers as
                # deriving them after every batch.
                self._partial_fit(X_batch, first_pass=False, derive=i == len(batches) - 1)
        except BaseException:
            # A bad batch (NaN found by the core) must not leave a partial stream that
            # a later partial_fit would continue.
            self._reset_fitted_state()
            raise
        self._apply_fields(namespace.wrap_fields(self._public_fields()))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, check_input=True):
        """Incremental fit with X. All of X is processed as a single batch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, where `n_samples` is the number of samples and
            `n_features` is the number of features.

        y : Ignored
            Not used, present for API consistency by convention.

        check_input : bool, default=True
            Run check_array on X.

        Returns
        -------
        self : object
            Returns the instance itself.
        """
        resolve_device(type(self).__name__)
        namespace = Namespace(X)
        X = namespace.host(X)
        first_pass = not hasattr(self, "components_")
        if check_input:
            if sp.issparse(X):
                raise TypeError(
                    "IncrementalPCA.partial_fit does not support "
                    "sparse input. Either convert data to dense "
                    "or use IncrementalPCA.fit to do so in batches."
                )
            X = validate_data(
                self,
                X,
                dtype=[np.float64, np.float32],
                reset=first_pass,
                ensure_all_finite=False,  # checked on the core's output
            )
        log_core(self, "partial_fit", f"{X.shape[0]}x{X.shape[1]} {X.dtype}")
        self._partial_fit(X, first_pass=first_pass, derive=True)
        self._apply_fields(namespace.wrap_fields(self._public_fields()))
        return self

    def _partial_fit(self, X, first_pass, derive):
        """Merge X's moments; with ``derive``, recompute the components from them.

        ``first_pass`` is scikit-learn's notion (no components_ attribute yet): only then
        must the batch hold at least n_components rows.
        """
        n_samples, n_features = X.shape
        stream_started = "n_samples_seen_" in self.__dict__
        message = None
        if self.n_components is None:
            n_components = self.n_components_ if stream_started else min(n_samples, n_features)
        elif not self.n_components <= n_features:
            message = (
                f"n_components={self.n_components!r} invalid for n_features={n_features}, "
                "need more rows than columns for IncrementalPCA processing"
            )
        elif self.n_components > n_samples and first_pass:
            message = (
                f"n_components={self.n_components} must be less or equal to "
                f"the batch number of samples {n_samples} for the first "
                "partial_fit call."
            )
        else:
            n_components = self.n_components
        if message is None and stream_started and self.n_components_ != n_components:
            message = (
                f"Number of input features has changed from {self.n_components_:d} to "
                f"{n_components:d} between calls to partial_fit! Try setting n_components "
                "to a fixed value."
            )
        if message is not None:
            raise_if_not_finite(self, X)  # scikit-learn checks X first
            raise ValueError(message)
        merge_moments(self, X, n_threads(self.n_jobs))
        self.n_components_ = n_components
        if derive:
            self._derive_components()

    # --- the distributed fit's protocol (skaccel._distributed) ---------------------------

    def _shard_statistics(self, X, y=None):
        """This process's rows reduced to their centred moments (the running state)."""
        return validated_shard_moments(self, X)

    def _merge_statistics(self, a, b):
        return _core.merge_normal_equations(a, b, True)

    def _fit_from_statistics(self, statistics, context, namespace):
        """The running state is the moments of all rows; the components follow."""
        n_samples, n_features = int(statistics["n_samples_seen_"]), context["n_features_in_"]
        if self.n_components is None:
            n_components = min(n_samples, n_features)
        elif self.n_components > n_features:
            raise ValueError(
                f"n_components={self.n_components!r} invalid for n_features={n_features}, "
                "need more rows than columns for IncrementalPCA processing"
            )
        elif self.n_components > n_samples:
            raise ValueError(
                f"n_components={self.n_components} must be less or equal to the number of "
                f"samples {n_samples} of all processes"
            )
        else:
            n_components = self.n_components
        self._apply_fields(statistics)
        self.n_components_ = n_components
        self.batch_size_ = 5 * n_features if self.batch_size is None else self.batch_size
        self._derive_components()
        self._apply_fields(namespace.wrap_fields(self._public_fields()))
        return self

    def _public_fields(self):
        """The fitted fields that follow the input's namespace (the running moments stay
        NumPy float64: the core merges them)."""
        return {k: v for k, v in self._fitted_fields().items() if not k.startswith("_")}

    def _derive_components(self):
        """The fitted attributes from the running moments, as PCA(covariance_eigh) would
        compute them on all the data seen."""
        n_samples, n_components = self.n_samples_seen_, self.n_components_
        explained_variance, singular_values, Vt = spectrum_from_scatter(self._gram, n_samples)
        n_features = explained_variance.shape[0]
        self.components_ = flipped_components(Vt, n_components, np.float64)
        self.singular_values_ = singular_values[:n_components].copy()
        self.explained_variance_ = explained_variance[:n_components].copy()
        self.explained_variance_ratio_ = explained_variance[:n_components] / np.sum(
            explained_variance
        )
        self.mean_ = self._x_mean.copy()
        self.var_ = np.diag(self._gram) / n_samples
        if n_components < min(n_features, n_samples):
            self.noise_variance_ = np.mean(explained_variance[n_components:])
        else:
            self.noise_variance_ = 0.0

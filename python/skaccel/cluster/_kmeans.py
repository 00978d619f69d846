"""KMeans: Lloyd's algorithm on the C++ core."""

from __future__ import annotations

import functools
import warnings
from types import SimpleNamespace

import numpy as np
from sklearn.base import _fit_context
from sklearn.cluster import KMeans as _SklearnKMeans
from sklearn.cluster._kmeans import _kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import _is_arraylike_not_scalar
from sklearn.utils.extmath import row_norms
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

from .. import _core
from .._dispatch import (
    NOT_FINITE,
    Namespace,
    Unsupported,
    dispatch,
    log_core,
    log_fallback,
    logger,
    n_threads,
    raise_if_not_finite,
)
from .._distributed import shard_context, shard_sample_weight
from .._persistence import _dtype_name
from ..base import CoreEstimatorMixin
from . import _kmeans_distributed as _distributed


def _is_same_clustering(labels1, labels2, n_clusters):
    """scikit-learn's check that two labelings are one clustering up to a permutation
    (sklearn.cluster._k_means_common._is_same_clustering, in NumPy)."""
    mapping = np.full(n_clusters, -1, dtype=np.int64)
    first = np.unique(labels1, return_index=True)[1]
    mapping[labels1[first]] = labels2[first]
    return bool(np.array_equal(mapping[labels1], labels2))


class KMeans(CoreEstimatorMixin, _SklearnKMeans):
    __doc__ = (
        "KMeans fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's KMeans: "
        "scikit-learn's Lloyd iterations (the nearest center as the first minimum of "
        "‖c‖² − 2 x·c, empty clusters relocated to the farthest rows, strict convergence "
        "on repeated labels or the center shift within tol) run in the core, on X centred "
        "by its mean without a copy of X, in blocks of 256 rows by one gemm each, "
        "with the per-cluster sums accumulated in double. The same init array gives "
        "scikit-learn's labels, and centers and inertia within roundoff. "
        "init='k-means++' and 'random' draw their seeds with scikit-learn's own code and "
        "random stream ('k-means++' measures distances on uncentred X, so the seeds equal "
        "scikit-learn's except at ties within roundoff). algorithm='elkan' is served by "
        "Lloyd's algorithm (the same iterates; logged), as scikit-learn-intelex does. "
        "Sparse X, a callable init, verbose output, and X of another dtype than the "
        "model's at predict run scikit-learn's own code. predict, transform and score "
        "run in the core, as the C++ model loader and skaccel-predict run them.\n"
        + (_SklearnKMeans.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "KMeans"
    _sklearn_patch = "sklearn.cluster.KMeans"
    _sklearn_tests = ("sklearn.cluster.tests.test_k_means",)

    # scikit-learn's fit stores the thread count and the number of output features; they
    # are not state: both follow from n_jobs and cluster_centers_.
    @property
    def _n_threads(self):
        return n_threads(self.n_jobs)

    @_n_threads.setter
    def _n_threads(self, value):
        pass

    @property
    def _n_features_out(self):
        return self.cluster_centers_.shape[0]

    @_n_features_out.setter
    def _n_features_out(self, value):
        pass

    # --- fit ------------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Compute k-means clustering.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training instances to cluster. Dense X is read in place, in any memory
            layout (scikit-learn's code, which runs for sparse X, copies it).
        y : Ignored
            Not used, present here for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            The weights for each observation in X. If None, all observations are
            assigned equal weight. `sample_weight` is not used during initialization if
            `init` is a callable or a user provided array.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        fitted = dispatch(
            self,
            "fit",
            X,
            prepare=functools.partial(self._fit_input, X=X, sample_weight=sample_weight),
            compute=self._fit_core,
            fallback=functools.partial(super().fit, X, sample_weight=sample_weight),
        )
        # scikit-learn's _tolerance gives the int 0 for tol=0: the declared field is a float.
        self._tol = float(self._tol)
        return fitted

    def _fit_input(self, namespace: Namespace, X, sample_weight):
        if callable(self.init):
            return Unsupported("a callable init (it sees scikit-learn's centred copy of X)")
        if self.verbose:
            return Unsupported("verbose output")
        self._reset_fitted_state()
        X = validate_data(
            self,
            namespace.host(X),
            dtype=[np.float64, np.float32],
            accept_large_sparse=False,
        )
        self._check_params_vs_input(X)
        sample_weight = namespace.host(sample_weight)
        weights = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        init = self.init
        if _is_arraylike_not_scalar(init):
            init = check_array(namespace.host(init), dtype=X.dtype, copy=True, order="C")
            self._validate_center_shape(X, init)
        if self._algorithm == "elkan":
            logger.info("KMeans.fit: algorithm='elkan' is served by Lloyd's algorithm")
        return SimpleNamespace(
            X=X,
            sample_weight=weights,
            unit_weights=sample_weight is None,
            init=init,
            detail=f"{X.shape[0]}x{X.shape[1]} {X.dtype}, {self.n_clusters} clusters, "
            f"{self._n_init} init(s)",
        )

    def _initial_centers(self, X, X_mean, init, random_state, sample_weight, x_squared_norms):
        """One run's initial centers, in X − X_mean coordinates (scikit-learn's
        _init_centroids on its centred copy of X)."""
        if isinstance(init, np.ndarray):
            return init - X_mean
        if init == "k-means++":
            _, indices = _kmeans_plusplus(
                X,
                self.n_clusters,
                x_squared_norms=x_squared_norms(),
                random_state=random_state,
                sample_weight=sample_weight,
            )
        else:  # "random"
            indices = random_state.choice(
                X.shape[0],
                size=self.n_clusters,
                replace=False,
                p=sample_weight / sample_weight.sum(),
            )
        return np.ascontiguousarray(X[indices] - X_mean)

    def _fit_core(self, p, namespace):
        X, weights = p.X, p.sample_weight
        random_state = check_random_state(self.random_state)
        # scikit-learn centres X by its mean for accurate distances; the core subtracts
        # the mean as it reads X.
        X_mean = X.mean(axis=0)
        x_squared_norms = functools.cache(lambda: row_norms(X, squared=True))
        core_weights = None if p.unit_weights else weights
        threads = n_threads(self.n_jobs)
        best = None
        for _ in range(self._n_init):
            centers = self._initial_centers(
                X, X_mean, p.init, random_state, weights, x_squared_norms
            )
            run = _core.kmeans_lloyd(
                X, X_mean, core_weights, centers, int(self.max_iter), float(self._tol), threads
            )
            if best is None or (
                run["inertia"] < best["inertia"]
                and not _is_same_clustering(run["labels_"], best["labels_"], self.n_clusters)
            ):
                best = run
        return self._set_fit_result(
            best["cluster_centers_"], best["labels_"], best["inertia"], best["n_iter"], X_mean,
            namespace,
        )  # fmt: skip

    def _set_fit_result(self, centers, labels, inertia, n_iter, X_mean, namespace):
        """The fitted attributes from the best run (centers in X − X_mean coordinates)."""
        centers += X_mean
        if not np.isfinite(centers).all():
            return NOT_FINITE
        distinct_clusters = len(np.unique(labels))
        if distinct_clusters < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({distinct_clusters}) found smaller than "
                f"n_clusters ({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning,
                stacklevel=4,
            )
        self._apply_fields(
            {
                "cluster_centers_": namespace.wrap(centers),
                "labels_": namespace.wrap(labels),
                "inertia_": float(inertia),
                "n_iter_": int(n_iter),
            }
        )
        return self

    # --- the distributed fit (skaccel._distributed, reducer protocol) ----------------------

    def _distributed_shard(self, X, y=None, sample_weight=None):
        """This process's rows, validated (zero rows allowed)."""
        if callable(self.init):
            raise ValueError(f"{type(self).__name__}: a callable init has no distributed fit")
        namespace = Namespace(X)
        X = validate_data(
            self,
            namespace.host(X),
            dtype=[np.float64, np.float32],
            ensure_min_samples=0,
        )
        sample_weight = shard_sample_weight(sample_weight, X, namespace)
        context = shard_context(self, X)
        return _distributed.Shard(X, sample_weight), context

    def _fit_distributed(self, reducer, context, namespace):
        """scikit-learn's fit over the shards: X's mean, the tolerance's variance, the
        seeds and every Lloyd iteration's sums come from all rows (see
        skaccel.cluster._kmeans_distributed); labels_ holds every row's label, in shard
        order."""
        dtype, n_features = np.dtype(context["dtype"]), context["n_features_in_"]
        threads = n_threads(self.n_jobs)
        self._reset_fitted_state()
        self.n_features_in_ = n_features
        if context.get("feature_names_in_") is not None:
            self.feature_names_in_ = context["feature_names_in_"]
        moments = reducer.sum(_distributed.column_sums, n_features + 2)
        n_samples, total_weight = int(moments[0]), float(moments[1])
        X_mean = (moments[2:] / max(n_samples, 1)).astype(dtype)
        self._check_params_vs_rows(reducer, n_samples, X_mean)
        init = self.init
        if _is_arraylike_not_scalar(init):
            init = check_array(namespace.host(init), dtype=dtype, copy=True, order="C")
            self._validate_center_shape(np.empty((0, n_features)), init)
        if self._algorithm == "elkan":
            logger.info("KMeans.fit: algorithm='elkan' is served by Lloyd's algorithm")
        random_state = check_random_state(self.random_state)
        n_positive = None
        best = None
        for _ in range(self._n_init):
            if isinstance(init, np.ndarray):
                seeds = init
            elif init == "k-means++":
                seeds = _distributed.kmeans_plusplus(
                    reducer, self.n_clusters, random_state, total_weight, dtype, n_features
                )
            else:  # "random"
                if n_positive is None:
                    n_positive = int(reducer.sum(_distributed.positive_weights, 1)[0])
                seeds = _distributed.random_centers(
                    reducer, self.n_clusters, random_state, total_weight, n_positive, dtype,
                    n_features,
                )  # fmt: skip
            run = _distributed.lloyd(
                reducer,
                np.ascontiguousarray(seeds - X_mean),
                X_mean,
                int(self.max_iter),
                float(self._tol),
                threads,
            )
            if best is None or (
                run[1] < best[1] and not _distributed.same_clustering(reducer, self.n_clusters)
            ):
                reducer.update(_distributed.keep_labels)
                best = run
        labels = np.concatenate(reducer.gather(_distributed.best_labels))
        centers, inertia, n_iter = best
        if self._set_fit_result(centers, labels, inertia, n_iter, X_mean, namespace) is NOT_FINITE:
            raise ValueError(
                f"{type(self).__name__}: the cluster centers are not finite (the values of X "
                "are too large)"
            )
        self._tol = float(self._tol)
        return self

    def _check_params_vs_rows(self, reducer, n_samples, X_mean):
        """scikit-learn's _check_params_vs_input for rows spread over shards: the checks on
        n_samples, n_init and algorithm, and the tolerance from the variance of all rows."""
        tol = self.tol
        try:
            # n_samples rows of no column: the checks see the row count; the tolerance
            # (np.var of X) is computed below from the merged spreads.
            self.tol = 0
            self._check_params_vs_input(np.empty((n_samples, 0)))
        finally:
            self.tol = tol
        if tol == 0:
            self._tol = 0
        else:
            spread = reducer.sum(
                functools.partial(_distributed.spread, X_mean.astype(np.float64)),
                X_mean.shape[0],
            )
            self._tol = float(np.mean(spread / n_samples)) * tol

    # --- inference ------------------------------------------------------------------------

    def _test_input(self, namespace: Namespace, X, ensure_all_finite=True):
        X = validate_data(
            self,
            namespace.host(X),
            reset=False,
            dtype=[np.float64, np.float32],
            accept_large_sparse=False,
            ensure_all_finite=ensure_all_finite,
        )
        model = _dtype_name(np.asarray(namespace.host(self.cluster_centers_)).dtype)
        if X.dtype.name != model:
            return Unsupported(f"X is {X.dtype}, the model {model}")
        return X

    def predict(self, X):
        """Predict the closest cluster each sample in X belongs to.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            New data to predict.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of the cluster each sample belongs to.
        """
        check_is_fitted(self)

        def compute(X, namespace):
            labels = self._core_method("predict", X)
            if isinstance(labels, Unsupported):
                return labels
            return namespace.wrap(labels)

        return dispatch(
            self,
            "predict",
            X,
            prepare=functools.partial(self._test_input, X=X),
            compute=compute,
            fallback=functools.partial(super().predict, X),
        )

    def _transform_core(self, X, namespace):
        out = self._core_method("transform", X)
        if isinstance(out, Unsupported):
            return out
        if not np.isfinite(out).all():
            return NOT_FINITE
        return self._output_array(out, namespace)

    def transform(self, X):
        """Transform X to a cluster-distance space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            New data to transform.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_clusters)
            X transformed in the new space.
        """
        check_is_fitted(self)
        return dispatch(
            self,
            "transform",
            X,
            prepare=functools.partial(self._test_input, X=X, ensure_all_finite=False),
            compute=self._transform_core,
            fallback=functools.partial(super().transform, X),
        )

    def _transform(self, X):
        # fit_transform's distances to the fitted centers, by the core as transform.
        namespace = Namespace(X)
        host = namespace.host(X)
        if isinstance(host, np.ndarray) and host.ndim == 2:
            prepared = self._test_input(namespace, host, ensure_all_finite=False)
            if not isinstance(prepared, Unsupported):
                out = self._transform_core(prepared, namespace)
                if out is NOT_FINITE:
                    raise_if_not_finite(self, prepared)
                elif not isinstance(out, Unsupported):
                    log_core(self, "transform", f"{host.shape[0]}x{host.shape[1]} {host.dtype}")
                    return out
                else:
                    log_fallback(self, "transform", out.reason)
        return super()._transform(X)

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the value of X on the K-means objective.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            New data.
        y : Ignored
            Not used, present here for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            The weights for each observation in X. If None, all observations are
            assigned equal weight.

        Returns
        -------
        score : float
            Opposite of the value of X on the K-means objective.
        """
        check_is_fitted(self)

        def prepare(namespace):
            X_checked = self._test_input(namespace, X)
            if isinstance(X_checked, Unsupported):
                return X_checked
            weights = namespace.host(sample_weight)
            if weights is not None:
                weights = _check_sample_weight(weights, X_checked, dtype=X_checked.dtype)
            centers = np.ascontiguousarray(namespace.host(self.cluster_centers_))
            return X_checked, weights, centers

        def compute(p, namespace):
            X_checked, weights, centers = p
            return -_core.kmeans_inertia(X_checked, weights, centers, n_threads(self.n_jobs))

        return dispatch(
            self,
            "score",
            X,
            prepare=prepare,
            compute=compute,
            fallback=functools.partial(super().score, X, sample_weight=sample_weight),
        )

"""DBSCAN: Euclidean ε-neighbourhoods and the clusters of core rows on the C++ core."""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
from sklearn.base import _fit_context
from sklearn.cluster import DBSCAN as _SklearnDBSCAN
from sklearn.utils.validation import _check_sample_weight, validate_data

from .. import _core
from .._dispatch import Namespace, Unsupported, dispatch, n_threads
from .._persistence import _dtype_name
from ..base import CoreEstimatorMixin
from ..neighbors._base import _is_euclidean

# scikit-learn's NearestNeighbors default, which DBSCAN's neighbours model keeps: its
# algorithm="auto" compares it with the number of rows.
_NEIGHBORS_DEFAULT_N_NEIGHBORS = 5


class DBSCAN(CoreEstimatorMixin, _SklearnDBSCAN):
    __doc__ = (
        "DBSCAN fitted by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and behaviour as scikit-learn's DBSCAN. "
        "For the Euclidean metric (metric='euclidean', or 'minkowski' with p=2) on dense "
        "float32 or float64 X, the core finds every row's ε-neighbourhood and labels the "
        "clusters as scikit-learn's dbscan_inner does: components of core rows numbered in "
        "the order of their first core row, a border row in the lowest cluster among its "
        "core neighbours. The neighbourhoods are scikit-learn's own: for the tree "
        "algorithms ('kd_tree', 'ball_tree', and 'auto' where it picks a tree) the rows "
        "whose squared differences, summed in double, are at most eps², by a kd-tree where a "
        "sample of the rows shows that it pays (else tiles of products with every pair near "
        "eps decided by the trees' sum); for 'brute', the brute force's ‖x‖² − 2x·y + "
        "‖y‖² by dgemm. So "
        "labels_, core_sample_indices_ and components_ equal scikit-learn's; with "
        "sample_weight the neighbourhood weights are summed in double (scikit-learn sums "
        "them in X's dtype, in its tree's order: a total equal to min_samples within "
        "roundoff can decide differently). Integer and boolean X are searched as float64 "
        "(exact while 4 p max|x|² ≤ 2^53; larger integers run scikit-learn's code), "
        "components_ keeping X's dtype. Other metrics, metric_params, sparse or "
        "precomputed X run scikit-learn's code (logged). The "
        "model holds no inference method: a saved DBSCAN keeps its labels and core rows.\n"
        + (_SklearnDBSCAN.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "DBSCAN"
    _sklearn_patch = "sklearn.cluster.DBSCAN"
    _sklearn_tests = ("sklearn.cluster.tests.test_dbscan",)

    # As scikit-learn's: the nested NearestNeighbors of its fallback validates its own
    # parameters (a callable metric is not validated here).
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None):
        """Perform DBSCAN clustering from features, or distance matrix.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or \
            (n_samples, n_samples)
            Training instances to cluster, or distances between instances if
            ``metric='precomputed'``. If a sparse matrix is provided, it will
            be converted into a sparse ``csr_matrix`` (scikit-learn's code runs for it).
            Dense X is read in place by the core, in any memory layout.

        y : Ignored
            Not used, present here for API consistency by convention.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample, such that a sample with a weight of at least
            ``min_samples`` is by itself a core sample; a sample with a
            negative weight may inhibit its eps-neighbor from being core.
            Note that weights are absolute, and default to 1.

        Returns
        -------
        self : object
            Returns a fitted instance of self.
        """
        return dispatch(
            self,
            "fit",
            X,
            prepare=functools.partial(self._fit_input, X=X, sample_weight=sample_weight),
            compute=self._fit_core,
            fallback=functools.partial(super().fit, X, sample_weight=sample_weight),
        )

    def _arithmetic(self, n_samples, n_features):
        """The distances of the search scikit-learn's neighbours model would run: a
        tree's ('tree') or the brute force's ('brute')."""
        if self.algorithm == "brute":
            return "brute"
        if self.algorithm == "auto" and (
            n_features > 15 or _NEIGHBORS_DEFAULT_N_NEIGHBORS >= n_samples // 2
        ):
            return "brute"
        return "tree"

    def _fit_input(self, namespace: Namespace, X, sample_weight):
        if not _is_euclidean(self):
            reason = f"metric {self.metric!r}"
            if self.metric == "minkowski":
                reason += f" with p={self.p!r}"
            if self.metric_params:
                reason += f", metric_params {self.metric_params!r}"
            return Unsupported(reason)
        X = validate_data(self, namespace.host(X), accept_sparse="csr")
        arithmetic = self._arithmetic(*X.shape)
        rows = X
        if X.dtype.kind in "biu":
            # scikit-learn's trees search a float64 copy; its brute force computes the
            # squared distances of the float64 values by the product form. Both are exact,
            # and so equal, while 4 p max|x|² ≤ 2^53; beyond, its code runs.
            largest = float(np.abs(X).max(initial=0)) if X.dtype.kind != "b" else 1.0
            if 4.0 * X.shape[1] * largest * largest > 2.0**53:
                return Unsupported(f"{X.dtype} X beyond exact float64 squared distances")
            rows = X.astype(np.float64)
            arithmetic = "tree"
        elif X.dtype.name not in ("float32", "float64"):
            return Unsupported(f"X is {X.dtype}")
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(namespace.host(sample_weight), X)
            weights = np.ascontiguousarray(weights, dtype=np.float64)
        return SimpleNamespace(
            X=X,
            rows=rows,
            sample_weight=weights,
            arithmetic=arithmetic,
            detail=f"{X.shape[0]}x{X.shape[1]} {X.dtype}, eps={self.eps!r}, "
            f"min_samples={self.min_samples}, {arithmetic} neighbourhoods",
        )

    def _fit_core(self, p, namespace):
        labels, is_core = _core.dbscan(
            p.rows,
            float(self.eps),
            float(self.min_samples),
            p.sample_weight,
            p.arithmetic,
            int(self.leaf_size),
            n_threads(self.n_jobs),
        )
        core_rows = np.flatnonzero(is_core)
        if len(core_rows):
            components = p.X[core_rows]  # a new array, as scikit-learn's copy
        else:
            components = np.empty((0, p.X.shape[1]))
        self._apply_fields(
            {
                "labels_": namespace.wrap(labels),
                "core_sample_indices_": namespace.wrap(core_rows),
                "components_": namespace.wrap(components),
            }
        )
        return self

    def _model_file_refusal(self):
        components = self.__dict__.get("components_")
        if components is None:
            return None
        dtype = _dtype_name(components.dtype)
        if dtype not in ("float32", "float64", "int32", "int64"):
            return (
                f"components_ of dtype {dtype} (model files hold float32, float64, int32 "
                "and int64 rows; pickle it)"
            )
        return None

"""What the k-nearest-neighbours estimators share: the fit that keeps the training rows
once, the lazily built tree, and ``kneighbors`` by the core's brute-force search."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import numbers
import weakref

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _core
from .._dispatch import (
    Namespace,
    Unsupported,
    dispatch,
    input_fallback_reason,
    log_core,
    log_fallback,
    n_threads,
)
from ..base import CoreEstimatorMixin

_MISSING = object()

# Where the tree is kept once built (not pickled, not in model files: rebuilt on demand).
_TREE_KEY = "_skaccel_tree"
# The core's kd-tree of each model's fitted rows, kept between the model's searches with
# what it was built on (None before one is built: the model has searched once, and a
# second search of few queries builds it). Outside the models: never pickled or copied.
_CORE_TREES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# Set while scikit-learn's kneighbors_graph runs: it builds a SciPy matrix from
# kneighbors' arrays with NumPy, so they stay NumPy's whatever X's namespace.
_HOST_RESULTS = contextvars.ContextVar("skaccel_neighbors_host_results", default=False)

# The searches the core computes. Every one of them is exact, so scikit-learn's trees
# give the same neighbours (up to the order of equal distances).
_SERVED_METHODS = ("brute", "kd_tree", "ball_tree")


# The metrics the core searches by (scikit-learn's names of the Minkowski family, as fit
# leaves them in effective_metric_; 'minkowski' of another p keeps it in
# effective_metric_params_). Not 'l2', which scikit-learn's brute force sums as the trees
# do (not by its Euclidean products), nor the trees' 'infinity' and 'p', which its brute
# force refuses: scikit-learn's code computes them.
_CORE_METRICS = frozenset(("euclidean", "manhattan", "cityblock", "l1", "chebyshev", "minkowski"))


def _minkowski_reason(p, w, others):
    """Why a minkowski of order p, weights w and other parameters `others` is not the
    core's (None when it is: p > 0, no weights, nothing else)."""
    if w is not None or others:
        return f"metric 'minkowski' with weights or parameters {dict(others, w=w)!r}"
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not p > 0:
        return f"metric 'minkowski' with p={p!r}"
    return None


def _core_metric_reason(estimator):
    """Why fit's resolved metric is not one the core searches by (None when it is): one
    of _CORE_METRICS without metric_params, or 'minkowski' whose p (the parameter, or
    metric_params' "p") is positive, without weights; 0 < p < 1 by brute force only
    (scikit-learn's trees refuse it)."""
    metric, params = estimator.metric, dict(estimator.metric_params or {})
    if not isinstance(metric, str) or metric not in _CORE_METRICS:
        return f"metric {metric!r}"
    if metric != "minkowski":
        return f"metric {metric!r} with metric_params {params!r}" if params else None
    p = params.pop("p", estimator.p)
    reason = _minkowski_reason(p, params.pop("w", None), params)
    if reason is not None:
        return reason
    if p < 1 and estimator.algorithm not in ("auto", "brute"):
        return f"p={p!r} with algorithm={estimator.algorithm!r}"  # scikit-learn's error
    return None


def _is_euclidean(estimator) -> bool:
    """Whether fit resolves the estimator's metric to scikit-learn's 'euclidean' (the
    radius searches' metric): 'euclidean', or 'minkowski' with p = 2 and no weights."""
    metric, params = estimator.metric, dict(estimator.metric_params or {})
    if metric == "euclidean":
        return not params
    if metric != "minkowski":
        return False
    p = params.pop("p", estimator.p)
    w = params.pop("w", None)
    return p == 2 and w is None and not params


def _fit_fallback_reason(estimator, X):
    """Why fit runs scikit-learn's code whole (its tree built), or None."""
    reason = _core_metric_reason(estimator)
    if reason is not None:
        return reason
    if estimator.algorithm not in ("auto",) + _SERVED_METHODS:
        return f"algorithm={estimator.algorithm!r}"
    if sp.issparse(X):
        return "sparse X"
    if hasattr(X, "_fit_method") or type(X).__name__ in ("KDTree", "BallTree"):
        return "X is a fitted tree or neighbours estimator"
    return None


class KNeighborsCoreMixin(CoreEstimatorMixin):
    """The fit and the kneighbors of skaccel's k-nearest-neighbours estimators.

    scikit-learn's own ``_fit`` validates X (and y) and resolves the metric and the
    algorithm; for the Euclidean metric it does so without building a tree, since the
    core answers every query by brute force (the tree, which scikit-learn's code reads
    where it computes, is built on first use). The model holds X once (``_fit_X``)."""

    # --- the fitted state ---------------------------------------------------------------

    @property
    def _tree(self):
        tree = self.__dict__.get(_TREE_KEY, _MISSING)
        if tree is _MISSING:
            tree = self._build_tree()
            self.__dict__[_TREE_KEY] = tree
        return tree

    @_tree.setter
    def _tree(self, value):
        self.__dict__[_TREE_KEY] = value

    def _build_tree(self):
        """scikit-learn's tree of the fitted method, from the fitted rows (None for brute
        force)."""
        from sklearn.neighbors import BallTree, KDTree

        if "_fit_X" not in self.__dict__ or self._fit_method not in ("kd_tree", "ball_tree"):
            return None
        tree_class = KDTree if self._fit_method == "kd_tree" else BallTree
        return tree_class(
            self._fit_X,
            self.leaf_size,
            metric=self.effective_metric_,
            **self.effective_metric_params_,
        )

    # The metric's keyword arguments, which scikit-learn's fit derives. A model file has
    # no place for a dict: it holds the common case, none ({}), by leaving the attribute
    # out; the others stay an attribute of the pickle, and model files refuse them.
    @property
    def effective_metric_params_(self):
        params = self.__dict__.get("effective_metric_params_", _MISSING)
        if params is _MISSING:
            if "effective_metric_" not in self.__dict__:
                raise AttributeError("effective_metric_params_")
            return {}
        return params

    @effective_metric_params_.setter
    def effective_metric_params_(self, value):
        self.__dict__["effective_metric_params_"] = value

    def _keep_namespace_of_targets(self, y_namespace):
        """Public fitted arrays made from y back in y's namespace (classifiers' classes_)."""

    def _tidy_fitted_state(self):
        """After scikit-learn's _fit: drop what the declared fields give back."""
        if self.__dict__.get("effective_metric_params_", None) == {}:
            del self.__dict__["effective_metric_params_"]

    def _model_file_refusal(self):
        if "effective_metric_params_" in self.__dict__:
            return (
                f"the metric's parameters {self.__dict__['effective_metric_params_']!r} "
                "are not held by model files (pickle it)"
            )
        return None

    def __getstate__(self):
        state = super().__getstate__()
        state.pop(_TREE_KEY, None)
        return state

    # --- fit ------------------------------------------------------------------------------

    def _fit(self, X, y=None):
        self.__dict__.pop(_TREE_KEY, None)
        _CORE_TREES.pop(self, None)
        self.__dict__.pop("effective_metric_params_", None)
        namespace = Namespace(X)
        reason = _fit_fallback_reason(self, X) or input_fallback_reason(X, namespace)
        if reason is not None:
            log_fallback(self, "fit", reason)
            super()._fit(X, y)
            self._tidy_fitted_state()
            return self
        algorithm = self.algorithm
        self.algorithm = "brute"  # resolves everything else; no tree is built
        y_namespace = Namespace(y)
        try:
            super()._fit(namespace.host(X), y_namespace.host(y))
        finally:
            self.algorithm = algorithm
        self._keep_namespace_of_targets(y_namespace)
        if self._fit_X.dtype.kind != "f":
            # The core searches float rows; scikit-learn's distances convert integers to
            # float64 at every query.
            self._fit_X = self._fit_X.astype(np.float64)
        # The rows stay in the input's namespace and device (read in place by the core).
        self._fit_X = namespace.wrap(self._fit_X)
        self._fit_method = self._resolved_algorithm()
        self.__dict__.pop(_TREE_KEY, None)
        self._tidy_fitted_state()
        search = (
            "brute-force search"
            if self._fit_method == "brute"
            else f"kd-tree (algorithm {self._fit_method!r}; built by the first search it pays for)"
        )
        log_core(
            self,
            "fit",
            f"{self._fit_X.shape[0]}x{self._fit_X.shape[1]} {self._fit_X.dtype} kept for the "
            f"core's {search}",
        )
        return self

    def _resolved_algorithm(self):
        """scikit-learn's choice of algorithm for the core's metrics (recorded as
        _fit_method; the core's search, kd-tree or brute force, is chosen at each query)."""
        if self.algorithm != "auto":
            return self.algorithm
        n_samples, n_features = self._fit_X.shape
        if n_features > 15 or (self.n_neighbors is not None and self.n_neighbors >= n_samples // 2):
            return "brute"
        if self._minkowski_p() < 1:
            return "brute"  # scikit-learn's trees need a metric (0 < p < 1 is not one)
        return "kd_tree"

    def _minkowski_p(self):
        """The order of the fitted Minkowski metric (2 for euclidean, 1 manhattan, inf
        chebyshev)."""
        metric = self.effective_metric_
        if metric == "minkowski":
            return float(self.effective_metric_params_["p"])
        if metric in ("manhattan", "cityblock", "l1"):
            return 1.0
        if metric == "chebyshev":
            return float("inf")
        return 2.0

    # --- the search -----------------------------------------------------------------------

    def _fit_rows(self):
        """_fit_X as NumPy (a view of another namespace's CPU array), or what it is."""
        fit_X = self.__dict__.get("_fit_X")
        return Namespace(fit_X).host(fit_X)

    def _core_serves(self):
        """Why the core does not search this model (None when it does)."""
        fit_X = self._fit_rows()
        if not isinstance(fit_X, np.ndarray):
            return "the fitted rows are not a dense array"
        if fit_X.dtype.name not in ("float32", "float64"):
            return f"the fitted rows are {fit_X.dtype}"
        metric = getattr(self, "effective_metric_", None)
        if not isinstance(metric, str) or metric not in _CORE_METRICS:
            return f"metric {getattr(self, 'effective_metric_', self.metric)!r}"
        params = dict(self.effective_metric_params_)
        if metric == "minkowski":
            reason = _minkowski_reason(params.pop("p", None), params.pop("w", None), params)
            if reason is not None:
                return reason
        elif params:
            return f"metric {metric!r} with {params!r}"
        if self._fit_method not in _SERVED_METHODS:
            return f"algorithm {self._fit_method!r}"
        return None

    def _query_input(self, namespace: Namespace, X, same_dtype=False):
        """X validated as scikit-learn's kneighbors validates it, in the model's dtype
        (float64 models convert numeric X, as scikit-learn's distances do; float32
        models take float32 X; with `same_dtype`, X of the model's dtype only), or
        Unsupported."""
        reason = self._core_serves()
        if reason is not None:
            return Unsupported(reason)
        X = validate_data(self, namespace.host(X), reset=False)
        model_dtype = self._fit_rows().dtype.name
        converted = self._inference_input(X, model_dtype)
        if converted is None or (same_dtype and X.dtype.name != model_dtype):
            return Unsupported(f"X is {X.dtype}, the model {model_dtype}")
        return converted

    def _core_tree(self, n_queries):
        """The core's kd-tree of the fitted rows, kept between searches, when a search of
        n_queries in the trees' arithmetic takes it (else None: the core's brute force).
        A tree pays for its build over 1,000 queries (kdtree_pays); a model searched
        again builds it whatever the number, and keeps it. It is rebuilt when the fitted
        rows are not the array it was built on."""
        if self._fit_method == "brute":
            return None
        rows = self._fit_rows()
        key = (
            rows.__array_interface__["data"][0],
            rows.shape,
            rows.strides,
            rows.dtype.str,
            int(self.leaf_size),
        )
        searched = self in _CORE_TREES
        kept = _CORE_TREES.get(self)
        if kept is not None and kept[0] != key:
            kept = None
        if not _core.kdtree_pays(n_queries, rows.shape[1], rows.shape[0], searched):
            _CORE_TREES.setdefault(self, None)
            return None
        if kept is None:
            kept = (key, _core.kdtree_index(rows, int(self.leaf_size)))
            _CORE_TREES[self] = kept
        return kept[1]

    def _kept_tree_scope(self, n_queries):
        """A context in which the model type's searches (predict, predict_proba, the C++
        functions skaccel-predict runs) take the model's kept kd-tree, where one pays."""
        tree = self._core_tree(n_queries)
        rows = self._fit_rows()
        if tree is None or not rows.flags.c_contiguous:
            return contextlib.nullcontext()
        return _core.kept_tree(tree, rows)

    def _search(self, X, k):
        distances = np.empty((X.shape[0], k), dtype=np.float64)
        indices = np.empty((X.shape[0], k), dtype=np.int64)
        metric, p = self.effective_metric_, self._minkowski_p()
        # scikit-learn's trees take minkowski's root by NumPy's power (rdist_to_dist): the
        # core gives them the reduced distances (the brute force's root is its own, C's pow).
        numpy_root = metric == "minkowski" and self._fit_method != "brute"
        tree = self._core_tree(X.shape[0])
        if tree is not None:
            _core.kneighbors_tree(
                tree,
                X,
                self._fit_rows(),
                k,
                numpy_root,
                distances,
                indices,
                n_threads(self.n_jobs),
                metric=metric,
                p=p,
            )
        else:
            _core.kneighbors(
                X,
                self._fit_rows(),
                k,
                numpy_root,
                "brute" if self._fit_method == "brute" else "kd_tree",  # ball_tree: the kd-tree
                int(self.leaf_size),
                distances,
                indices,
                n_threads(self.n_jobs),
                metric=metric,
                p=p,
            )
        if numpy_root:
            distances **= 1.0 / p
        return distances, indices

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Find the K-neighbors of a point.

        Returns indices of and distances to the neighbors of each point. The core
        searches by brute force (for every ``algorithm``) with scikit-learn's Euclidean
        distances: the same neighbours, the nearer first, the lower training row first
        among equal distances.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), default=None
            The query point or points. If not provided, neighbors of each indexed point
            are returned; in this case, the query point is not considered its own
            neighbor.
        n_neighbors : int, default=None
            Number of neighbors required for each sample. The default is the value
            passed to the constructor.
        return_distance : bool, default=True
            Whether or not to return the distances.

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries, n_neighbors)
            Array representing the lengths to points, only present if
            return_distance=True.
        neigh_ind : ndarray of shape (n_queries, n_neighbors)
            Indices of the nearest points in the population matrix.
        """
        check_is_fitted(self)
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        query_is_train = X is None

        def prepare(namespace):
            if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k <= 0:
                return Unsupported(f"n_neighbors={k!r}")  # scikit-learn's error
            if query_is_train:
                reason = self._core_serves()
                return Unsupported(reason) if reason else self._fit_rows()
            return self._query_input(namespace, X)

        def compute(X_checked, namespace):
            wanted = int(k) + (1 if query_is_train else 0)
            if wanted > self.n_samples_fit_:
                return Unsupported("more neighbours than training rows")  # its error
            distances, indices = self._search(X_checked, wanted)
            if query_is_train:
                distances, indices = _without_self(distances, indices)
            if not _HOST_RESULTS.get():
                distances, indices = namespace.wrap(distances), namespace.wrap(indices)
            return (distances, indices) if return_distance else indices

        return dispatch(
            self,
            "kneighbors",
            self._fit_X if query_is_train else X,
            prepare=prepare,
            compute=compute,
            fallback=functools.partial(
                super().kneighbors, X, n_neighbors=n_neighbors, return_distance=return_distance
            ),
        )

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        token = _HOST_RESULTS.set(True)
        try:
            return super().kneighbors_graph(X, n_neighbors=n_neighbors, mode=mode)
        finally:
            _HOST_RESULTS.reset(token)

    kneighbors_graph.__doc__ = (
        "Compute the (weighted) graph of k-Neighbors for points in X (scikit-learn's, "
        "from the core's kneighbors; a SciPy CSR matrix whatever X's namespace)."
    )


def _without_self(distances, indices):
    """Each training row's neighbours without itself: its own index is dropped from its
    k + 1 nearest (or, when k + 1 duplicates share distance 0 and it is not among them,
    the first), as scikit-learn's kneighbors(X=None) does."""
    n, k1 = indices.shape
    keep = indices != np.arange(n)[:, None]
    not_found = keep.all(axis=1)
    keep[not_found, 0] = False
    return (
        distances[keep].reshape(n, k1 - 1),
        indices[keep].reshape(n, k1 - 1),
    )


class RadiusNeighborsCoreMixin:
    """NearestNeighbors' radius_neighbors by the core's radius search (the arithmetic of
    the search scikit-learn's fitted algorithm runs), for a KNeighborsCoreMixin model."""

    def _radius_arithmetic(self):
        """'brute' (scikit-learn's RadiusNeighbors reduction) or 'tree' (its KDTree and
        BallTree: squared differences summed in double)."""
        return "brute" if self._fit_method == "brute" else "tree"

    def radius_neighbors(self, X=None, radius=None, return_distance=True, sort_results=False):
        """Find the neighbors within a given radius of a point or points.

        Return the indices and distances of each point from the dataset lying in a ball
        with size ``radius`` around the points of the query array. Points lying on the
        boundary are included in the results.

        For the Euclidean metric on dense float rows the core searches, in the
        arithmetic of the search scikit-learn's fitted algorithm runs: for
        ``algorithm='brute'`` its pairwise-distance reduction (the rows with
        max(‖x‖² − 2x·y + ‖y‖², 0) ≤ radius² by dgemm on float64 rows, radius² and the
        distances rounded through float32 for float32 rows, as scikit-learn's float32
        reduction does; X of the model's dtype); for the trees (``kd_tree``,
        ``ball_tree``, ``auto``'s choice) the rows whose squared differences summed in
        double are at most radius², by the core's kd-tree or by gemm tiles with every
        pair near the radius decided by that sum. The neighbours and distances are then
        scikit-learn's: the brute force's in the same order (increasing row), the trees'
        in the core tree's order (scikit-learn's tree orders them by its own layout).
        With ``sort_results`` each row is sorted by distance, equal distances by row
        (scikit-learn leaves their order unspecified). The result is NumPy object
        arrays whatever X's namespace. Other metrics, sparse X, an array of radii and
        the other cases scikit-learn's code covers run it (logged).

        Parameters
        ----------
        X : {array-like, sparse matrix} of (n_samples, n_features), default=None
            The query point or points.
            If not provided, neighbors of each indexed point are returned.
            In this case, the query point is not considered its own neighbor.

        radius : float, default=None
            Radius of neighborhoods. The default is the value passed to the
            constructor.

        return_distance : bool, default=True
            Whether or not to return the distances.

        sort_results : bool, default=False
            If True, the distances and indices will be sorted by increasing
            distances before being returned. If False, the results may not
            be sorted. If `return_distance=False`, setting `sort_results=True`
            will result in an error.

        Returns
        -------
        neigh_dist : ndarray of shape (n_samples,) of arrays
            Array representing the distances to each point, only present if
            `return_distance=True`. The distance values are computed according
            to the ``metric`` constructor parameter.

        neigh_ind : ndarray of shape (n_samples,) of arrays
            An array of arrays of indices of the approximate nearest points
            from the population matrix that lie within a ball of size
            ``radius`` around the query points.
        """
        check_is_fitted(self)
        query_is_train = X is None
        r = self.radius if radius is None else radius

        def prepare(namespace):
            if sort_results and not return_distance:
                return Unsupported("sort_results without distances")  # scikit-learn's error
            if (
                not isinstance(r, numbers.Real)
                or isinstance(r, bool)
                or not 0.0 <= float(r) < float("inf")
            ):
                return Unsupported(f"radius={r!r}")
            metric = getattr(self, "effective_metric_", None)
            if metric != "euclidean":
                return Unsupported(f"metric {metric!r}")
            brute = self._radius_arithmetic() == "brute"
            if brute and not get_config().get("enable_cython_pairwise_dist", True):
                return Unsupported("enable_cython_pairwise_dist=False")
            if query_is_train:
                reason = self._core_serves()
                return Unsupported(reason) if reason else self._fit_rows()
            # scikit-learn's pairwise-distance reduction needs X of the model's dtype; its
            # other brute-force path computes differently.
            return self._query_input(namespace, X, same_dtype=brute)

        def compute(X_checked, namespace):
            fit_rows = self._fit_rows()
            arithmetic = self._radius_arithmetic()
            # The kept tree, where the model has one or its kneighbors would build one;
            # else the search builds its own (or takes tiles, as a sample shows cheaper).
            tree = self._core_tree(X_checked.shape[0]) if arithmetic == "tree" else None
            indptr, indices, squared = _core.radius_neighbors(
                X_checked,
                fit_rows,
                float(r),
                arithmetic,
                int(self.leaf_size),
                bool(return_distance),
                n_threads(self.n_jobs),
                tree,
            )
            counts = np.diff(indptr)
            # Each neighbour's query row, where needed (dropping self, sorting).
            rows = (
                np.repeat(np.arange(len(counts)), counts)
                if query_is_train or sort_results
                else None
            )
            if query_is_train:
                # A training row is not its own neighbour (its other copies are).
                keep = indices != rows
                indices, rows = indices[keep], rows[keep]
                squared = squared[keep] if squared is not None else None
                counts = np.bincount(rows, minlength=len(counts))
            if not return_distance:
                return _object_rows(indices, counts)
            if sort_results:
                order = np.lexsort((indices, squared, rows))
                indices, squared = indices[order], squared[order]
            if arithmetic == "brute" and fit_rows.dtype == np.float32:
                # scikit-learn's float32 reduction returns its distances through float32.
                distances = np.sqrt(squared.astype(np.float32)).astype(np.float64)
            else:
                distances = np.sqrt(squared)
            return _object_rows(distances, counts), _object_rows(indices, counts)

        return dispatch(
            self,
            "radius_neighbors",
            self._fit_X if query_is_train else X,
            prepare=prepare,
            compute=compute,
            fallback=functools.partial(
                super().radius_neighbors,
                X,
                radius=radius,
                return_distance=return_distance,
                sort_results=sort_results,
            ),
        )


def _object_rows(values, counts):
    """A NumPy object array of one array per query: values split by the counts."""
    out = np.empty(len(counts), dtype=object)
    for i, part in enumerate(np.split(values, np.cumsum(counts)[:-1])):
        out[i] = part
    return out

"""NearestNeighbors: the training rows, searched by the C++ core."""

from __future__ import annotations

from sklearn.neighbors import NearestNeighbors as _SklearnNearestNeighbors

from ._base import KNeighborsCoreMixin, RadiusNeighborsCoreMixin


class NearestNeighbors(RadiusNeighborsCoreMixin, KNeighborsCoreMixin, _SklearnNearestNeighbors):
    __doc__ = (
        "NearestNeighbors searched by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and results as scikit-learn's: for the "
        "Euclidean metric (metric='minkowski' with p=2, or 'euclidean') kneighbors and "
        "kneighbors_graph run the core's brute-force search (blocked products by gemm "
        "feeding per-query heaps, in double, ranked as scikit-learn ranks them) for every "
        "algorithm; 'kd_tree' and 'ball_tree' are recorded as _fit_method (their "
        "searches, the core's kd-tree or brute force, keep the trees' distances) and "
        "scikit-learn's tree is built only when its code needs it. radius_neighbors (and "
        "radius_neighbors_graph) run the core's radius search in the arithmetic of the "
        "fitted algorithm's search. The model holds its training rows once. Other "
        "metrics, sparse X and precomputed distances run scikit-learn's code (logged).\n"
        + (_SklearnNearestNeighbors.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "NearestNeighbors"
    _sklearn_patch = "sklearn.neighbors.NearestNeighbors"
    _sklearn_tests = ("sklearn.neighbors.tests.test_neighbors",)

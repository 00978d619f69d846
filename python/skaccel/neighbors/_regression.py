"""KNeighborsRegressor: the mean target of the nearest training rows, by the C++ core."""

from __future__ import annotations

import functools

from sklearn.neighbors import KNeighborsRegressor as _SklearnKNeighborsRegressor
from sklearn.utils.validation import check_is_fitted

from .._dispatch import Condition, Unsupported, dispatch
from ._base import KNeighborsCoreMixin


class KNeighborsRegressor(KNeighborsCoreMixin, _SklearnKNeighborsRegressor):
    __doc__ = (
        "KNeighborsRegressor computed by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and results as scikit-learn's: for the "
        "Euclidean metric, predict searches the neighbours by the core's brute force (for "
        "every algorithm, see skaccel.neighbors.NearestNeighbors) and averages their "
        "targets in the core, uniformly or by 1/distance, summed in NumPy's order, as the "
        "C++ model loader and skaccel-predict do. Targets other than float32, float64 and int64, "
        "callable weights, X=None and the metrics the core lacks run scikit-learn's code "
        "(whose kneighbors is still the core's where it can be).\n"
        + (_SklearnKNeighborsRegressor.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "KNeighborsRegressor"
    _sklearn_patch = "sklearn.neighbors.KNeighborsRegressor"
    _sklearn_tests = ("sklearn.neighbors.tests.test_neighbors",)
    _core_conditions = {
        "predict": (
            Condition(
                "weights={weights!r}", lambda est: est.weights not in ("uniform", "distance")
            ),
        )
    }

    def _predict_input(self, namespace, X):
        if X is None:
            return Unsupported("X=None (each training row without itself)")
        y_dtype = getattr(self._y, "dtype", None)
        if getattr(y_dtype, "name", None) not in ("float32", "float64", "int64"):
            return Unsupported(f"targets of dtype {y_dtype}")
        return self._query_input(namespace, X)

    def _predict_core(self, X_checked, namespace):
        with self._kept_tree_scope(X_checked.shape[0]):
            out = self._core_method("predict", X_checked)
        return out if isinstance(out, Unsupported) else namespace.wrap(out)

    def predict(self, X):
        """Predict the target for the provided data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                or (n_queries, n_indexed) if metric == 'precomputed', or None
            Test samples. If `None`, predictions for all indexed points are
            returned; in this case, points are not considered their own
            neighbors.

        Returns
        -------
        y : ndarray of shape (n_queries,) or (n_queries, n_outputs), dtype=double
            Target values.
        """
        check_is_fitted(self, "_fit_method")
        return dispatch(
            self,
            "predict",
            X,
            prepare=functools.partial(self._predict_input, X=X),
            compute=self._predict_core,
            fallback=functools.partial(super().predict, X),
        )

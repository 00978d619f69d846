"""KNeighborsClassifier: the votes of the nearest training rows, by the C++ core."""

from __future__ import annotations

import functools

import numpy as np
from sklearn.neighbors import KNeighborsClassifier as _SklearnKNeighborsClassifier
from sklearn.utils.validation import check_is_fitted

from .._dispatch import Condition, Namespace, Unsupported, dispatch
from ._base import KNeighborsCoreMixin

_CALLABLE_WEIGHTS = Condition(
    "weights={weights!r}", lambda est: est.weights not in ("uniform", "distance")
)


class KNeighborsClassifier(KNeighborsCoreMixin, _SklearnKNeighborsClassifier):
    __doc__ = (
        "KNeighborsClassifier computed by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and results as scikit-learn's: for the "
        "Euclidean metric and one output, predict and predict_proba search the "
        "neighbours by the core's brute force (for every algorithm, see "
        "skaccel.neighbors.NearestNeighbors) and count their votes in the core, uniform "
        "or by 1/distance as scikit-learn weighs them (the smallest class among equal "
        "votes), as the C++ model loader and skaccel-predict do. Callable weights, "
        "several outputs, X=None and the metrics the core lacks run scikit-learn's code "
        "(whose kneighbors is still the core's where it can be).\n"
        + (_SklearnKNeighborsClassifier.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "KNeighborsClassifier"
    _sklearn_patch = "sklearn.neighbors.KNeighborsClassifier"
    _sklearn_tests = ("sklearn.neighbors.tests.test_neighbors",)
    _core_conditions = {"predict": (_CALLABLE_WEIGHTS,), "predict_proba": (_CALLABLE_WEIGHTS,)}

    # scikit-learn keeps a list of class arrays for several outputs, which no declared
    # field holds: it is pickled as an attribute of its own, and model files refuse it.
    @property
    def classes_(self):
        for key in ("classes_", "_classes_per_output"):
            if key in self.__dict__:
                return self.__dict__[key]
        raise AttributeError("classes_")

    @classes_.setter
    def classes_(self, value):
        if isinstance(value, list):
            self.__dict__.pop("classes_", None)
            self.__dict__["_classes_per_output"] = value
        else:
            self.__dict__.pop("_classes_per_output", None)
            self.__dict__["classes_"] = value

    # A model file holds _y, whose columns are the outputs when there are several: the
    # flag follows from it there (fit sets it before _y takes its final shape).
    @property
    def outputs_2d_(self):
        if "outputs_2d_" in self.__dict__:
            return self.__dict__["outputs_2d_"]
        if "_y" not in self.__dict__:
            raise AttributeError("outputs_2d_")
        return self._y.ndim == 2

    @outputs_2d_.setter
    def outputs_2d_(self, value):
        self.__dict__["outputs_2d_"] = value

    def _keep_namespace_of_targets(self, y_namespace):
        classes = self.__dict__.get("classes_")
        if isinstance(classes, np.ndarray) and classes.dtype.kind in "biuf":
            self.classes_ = y_namespace.wrap(classes)  # str labels stay NumPy's

    def _tidy_fitted_state(self):
        super()._tidy_fitted_state()
        if self.__dict__.get("outputs_2d_", None) == (self._y.ndim == 2):
            del self.__dict__["outputs_2d_"]

    def _model_file_refusal(self):
        if "_classes_per_output" in self.__dict__:
            return "a classifier of several outputs keeps a list of classes_ (pickle it)"
        return super()._model_file_refusal()

    def _vote_input(self, namespace, X):
        if X is None:
            return Unsupported("X=None (each training row without itself)")
        if "_classes_per_output" in self.__dict__:
            return Unsupported("several outputs")
        return self._query_input(namespace, X)

    def predict(self, X):
        """Predict the class labels for the provided data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                or (n_queries, n_indexed) if metric == 'precomputed', or None
            Test samples. If `None`, predictions for all indexed points are
            returned; in this case, points are not considered their own
            neighbors.

        Returns
        -------
        y : ndarray of shape (n_queries,) or (n_queries, n_outputs)
            Class labels for each data sample.
        """
        check_is_fitted(self, "_fit_method")

        def compute(X_checked, namespace):
            with self._kept_tree_scope(X_checked.shape[0]):
                out = self._core_method("predict", X_checked)
            if isinstance(out, Unsupported):
                return out
            classes = Namespace(self.classes_)
            # classes_.take(votes): numbers in classes_' (y's) namespace and device, str
            # labels NumPy's, as scikit-learn's predict gives them.
            labels = np.asarray(classes.host(self.classes_))[out]
            return classes.wrap(labels) if labels.dtype.kind in "biuf" else labels

        return dispatch(
            self,
            "predict",
            X,
            prepare=functools.partial(self._vote_input, X=X),
            compute=compute,
            fallback=functools.partial(super().predict, X),
        )

    def predict_proba(self, X):
        """Return probability estimates for the test data X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), \
                or (n_queries, n_indexed) if metric == 'precomputed', or None
            Test samples. If `None`, predictions for all indexed points are
            returned; in this case, points are not considered their own
            neighbors.

        Returns
        -------
        p : ndarray of shape (n_queries, n_classes), or a list of n_outputs \
                of such arrays if n_outputs > 1.
            The class probabilities of the input samples. Classes are ordered
            by lexicographic order.
        """
        check_is_fitted(self, "_fit_method")

        def compute(X_checked, namespace):
            with self._kept_tree_scope(X_checked.shape[0]):
                out = self._core_method("predict_proba", X_checked)
            return out if isinstance(out, Unsupported) else namespace.wrap(out)

        return dispatch(
            self,
            "predict_proba",
            X,
            prepare=functools.partial(self._vote_input, X=X),
            compute=compute,
            fallback=functools.partial(super().predict_proba, X),
        )

"""LocalOutlierFactor: the core's neighbour searches and its outlier arithmetic."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import _fit_context
from sklearn.neighbors import LocalOutlierFactor as _SklearnLocalOutlierFactor
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .. import _core
from .._dispatch import Namespace, n_threads
from ._base import _HOST_RESULTS, KNeighborsCoreMixin

# The fitted arrays kept in the input's namespace and device (as _fit_X is).
_FITTED_ARRAYS = ("_distances_fit_X_", "_lrd", "negative_outlier_factor_")


def _host_neighbours(estimator, X, n_neighbors):
    """kneighbors' (distances, indices) as NumPy arrays, whatever X's namespace."""
    token = _HOST_RESULTS.set(True)
    try:
        return estimator.kneighbors(X, n_neighbors=n_neighbors)
    finally:
        _HOST_RESULTS.reset(token)


def _host(a):
    return Namespace(a).host(a)


class LocalOutlierFactor(KNeighborsCoreMixin, _SklearnLocalOutlierFactor):
    __doc__ = (
        "LocalOutlierFactor computed by skaccel's C++ core.\n\n"
        "Same parameters, fitted attributes and results as scikit-learn's: the neighbours "
        "of the training rows (fit) and of new rows (score_samples, decision_function and "
        "predict with novelty=True) are the core's kneighbors (as NearestNeighbors': for "
        "the Euclidean metric, scikit-learn's distances and its order of equal ones), and "
        "the reachability densities and outlier factors are computed by the core in "
        "scikit-learn's dtypes and NumPy's order of sums, so negative_outlier_factor_, "
        "offset_ and the scores equal scikit-learn's bit for bit. Other metrics, sparse X "
        "and precomputed distances search by scikit-learn's code (logged). A model file "
        "holds the training rows once; skaccel-predict serves score_samples, "
        "decision_function and predict of a novelty model.\n"
        + (_SklearnLocalOutlierFactor.__doc__ or "").split("\n", 1)[-1]
    )

    _model_type = "LocalOutlierFactor"
    _sklearn_patch = "sklearn.neighbors.LocalOutlierFactor"
    _sklearn_tests = ("sklearn.neighbors.tests.test_lof",)

    @_fit_context(
        # As scikit-learn's: LocalOutlierFactor.metric is not validated yet.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y=None):
        """Fit the local outlier factor detector from the training dataset.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
                (n_samples, n_samples) if metric='precomputed'
            Training data.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : LocalOutlierFactor
            The fitted local outlier factor detector.
        """
        namespace = Namespace(X)
        self._fit(X)
        n_samples = self.n_samples_fit_
        if self.n_neighbors > n_samples:
            warnings.warn(
                f"n_neighbors ({self.n_neighbors}) is greater than the "
                f"total number of samples ({n_samples}). n_neighbors "
                "will be set to (n_samples - 1) for estimation.",
                stacklevel=2,
            )
        self.n_neighbors_ = max(1, min(self.n_neighbors, n_samples - 1))
        distances, indices = _host_neighbours(self, None, self.n_neighbors_)
        # scikit-learn keeps the distances of float32 rows in float32.
        float32 = _host(self._fit_X).dtype == np.float32
        if float32:
            distances = distances.astype(np.float32, copy=False)
        lrd = self._densities(distances, indices, distances, float32)
        scores = np.empty_like(lrd)
        _core.local_outlier_scores(indices, lrd, lrd, scores, n_threads(self.n_jobs))
        self._distances_fit_X_ = distances
        self._lrd = lrd
        self.negative_outlier_factor_ = scores
        if self.contamination == "auto":
            # Inliers score around -1 (the higher, the less abnormal).
            self.offset_ = -1.5
        else:
            self.offset_ = np.percentile(scores, 100.0 * self.contamination)
        # Too many duplicates leave densities of 1e10 (novelty models warn at no fit).
        if np.min(scores) < -1e7 and not self.novelty:
            warnings.warn(
                "Duplicate values are leading to incorrect results. "
                "Increase the number of neighbors for more accurate results.",
                stacklevel=2,
            )
        for name in _FITTED_ARRAYS:
            setattr(self, name, namespace.wrap(getattr(self, name)))
        return self

    def _densities(self, distances, indices, distances_fit, round_to_float32):
        """scikit-learn's _local_reachability_density, by the core (float32 when the
        distances are rounded to float32 and the model is float32, else float64)."""
        distances_fit = _host(distances_fit)
        float32 = round_to_float32 and distances_fit.dtype == np.float32
        out = np.empty(indices.shape[0], dtype=np.float32 if float32 else np.float64)
        _core.local_reachability_density(
            np.asarray(distances, dtype=np.float64),
            indices,
            distances_fit,
            round_to_float32,
            out,
            n_threads(self.n_jobs),
        )
        return out

    def _local_reachability_density(self, distances_X, neighbors_indices):
        # scikit-learn's private helper, kept for code that calls it: the core's densities.
        distances_X = _host(distances_X)
        return self._densities(
            distances_X,
            _host(neighbors_indices),
            self._distances_fit_X_,
            distances_X.dtype == np.float32,
        )

    @available_if(_SklearnLocalOutlierFactor._check_novelty_score_samples)
    def score_samples(self, X):
        """Opposite of the Local Outlier Factor of X.

        It is the opposite as bigger is better, i.e. large values correspond
        to inliers.

        **Only available for novelty detection (when novelty is set to True).**
        The argument X is supposed to contain *new data*: if X contains a
        point from training, it considers the later in its own neighborhood.
        Also, the samples in X are not considered in the neighborhood of any
        point. Because of this, the scores obtained via ``score_samples`` may
        differ from the standard LOF scores.
        The standard LOF scores for the training data is available via the
        ``negative_outlier_factor_`` attribute.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The query sample or samples to compute the Local Outlier Factor
            w.r.t. the training samples.

        Returns
        -------
        opposite_lof_scores : ndarray of shape (n_samples,)
            The opposite of the Local Outlier Factor of each input samples.
            The lower, the more abnormal.
        """
        check_is_fitted(self)
        namespace = Namespace(X)
        return namespace.wrap(self._host_scores(X, namespace))

    def _host_scores(self, X, namespace):
        """score_samples as a NumPy array."""
        X_checked = check_array(namespace.host(X), accept_sparse="csr")
        # As scikit-learn's: the validated array is searched (arrays of another
        # namespace as they are, so that the search keeps their namespace check).
        query = X_checked if namespace.is_numpy else X
        distances, indices = _host_neighbours(self, query, self.n_neighbors_)
        float32 = X_checked.dtype == np.float32
        lrd = self._densities(distances, indices, self._distances_fit_X_, float32)
        lrd_fit = _host(self._lrd)
        scores = np.empty_like(lrd)
        _core.local_outlier_scores(indices, lrd_fit, lrd, scores, n_threads(self.n_jobs))
        return scores

    @available_if(_SklearnLocalOutlierFactor._check_novelty_decision_function)
    def decision_function(self, X):
        """Shifted opposite of the Local Outlier Factor of X.

        Bigger is better, i.e. large values correspond to inliers.

        **Only available for novelty detection (when novelty is set to True).**
        The shift offset allows a zero threshold for being an outlier.
        The argument X is supposed to contain *new data*: if X contains a
        point from training, it considers the later in its own neighborhood.
        Also, the samples in X are not considered in the neighborhood of any
        point.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The query sample or samples to compute the Local Outlier Factor
            w.r.t. the training samples.

        Returns
        -------
        shifted_opposite_lof_scores : ndarray of shape (n_samples,)
            The shifted opposite of the Local Outlier Factor of each input
            samples. The lower, the more abnormal. Negative scores represent
            outliers, positive scores represent inliers.
        """
        check_is_fitted(self)
        namespace = Namespace(X)
        return namespace.wrap(self._host_decision(X, namespace))

    def _host_decision(self, X, namespace):
        scores = self._host_scores(X, namespace)
        return scores - self.offset_

    @available_if(_SklearnLocalOutlierFactor._check_novelty_predict)
    def predict(self, X=None):
        """Predict the labels (1 inlier, -1 outlier) of X according to LOF.

        **Only available for novelty detection (when novelty is set to True).**
        This method allows to generalize prediction to *new observations* (not
        in the training set). Note that the result of ``clf.fit(X)`` then
        ``clf.predict(X)`` with ``novelty=True`` may differ from the result
        obtained by ``clf.fit_predict(X)`` with ``novelty=False``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The query sample or samples to compute the Local Outlier Factor
            w.r.t. the training samples.

        Returns
        -------
        is_inlier : ndarray of shape (n_samples,)
            Returns -1 for anomalies/outliers and +1 for inliers.
        """
        return self._predict(X)

    def _predict(self, X=None):
        check_is_fitted(self)
        if X is not None:
            namespace = Namespace(X)
            decision = self._host_decision(X, namespace)
            is_inlier = np.ones(decision.shape[0], dtype=int)
            is_inlier[decision < 0] = -1
            return namespace.wrap(is_inlier)
        # The training rows (fit_predict): their negative_outlier_factor_ below offset_.
        scores = self.negative_outlier_factor_
        namespace = Namespace(scores)
        is_inlier = np.ones(self.n_samples_fit_, dtype=int)
        is_inlier[namespace.host(scores) < self.offset_] = -1
        return namespace.wrap(is_inlier)

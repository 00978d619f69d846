"""Nearest-neighbour estimators computed by the skaccel C++ core."""

from ._classification import KNeighborsClassifier
from ._lof import LocalOutlierFactor
from ._regression import KNeighborsRegressor
from ._unsupervised import NearestNeighbors

__all__ = ["KNeighborsClassifier", "KNeighborsRegressor", "LocalOutlierFactor", "NearestNeighbors"]

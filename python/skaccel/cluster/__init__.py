"""Clustering computed by the skaccel C++ core."""

from ._dbscan import DBSCAN
from ._kmeans import KMeans

__all__ = ["DBSCAN", "KMeans"]

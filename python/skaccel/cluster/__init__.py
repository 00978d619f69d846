"""Clustering computed by the skaccel C++ core."""

from ._kmeans import KMeans

__all__ = ["KMeans"]

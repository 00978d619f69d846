"""Matrix decompositions computed by the skaccel C++ core."""

from ._incremental_pca import IncrementalPCA
from ._pca import PCA

__all__ = ["PCA", "IncrementalPCA"]

"""Metrics computed by the skaccel C++ core."""

from ._pairwise import pairwise_distances
from ._ranking import roc_auc_score

__all__ = ["pairwise_distances", "roc_auc_score"]

"""Metrics computed by the skaccel C++ core."""

from ._pairwise import (
    pairwise_distances,
    pairwise_distances_argmin,
    pairwise_distances_argmin_min,
)
from ._ranking import roc_auc_score

__all__ = [
    "pairwise_distances",
    "pairwise_distances_argmin",
    "pairwise_distances_argmin_min",
    "roc_auc_score",
]

"""Metrics computed by the skaccel C++ core."""

from ._ranking import roc_auc_score

__all__ = ["roc_auc_score"]

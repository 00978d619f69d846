"""Per-feature statistics (extension estimators) computed by the skaccel C++ core."""

from ._basic_statistics import RESULT_OPTIONS, BasicStatistics
from ._incremental_basic_statistics import IncrementalBasicStatistics

__all__ = ["RESULT_OPTIONS", "BasicStatistics", "IncrementalBasicStatistics"]

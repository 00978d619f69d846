"""Covariance estimators computed by the skaccel C++ core."""

from ._empirical_covariance import EmpiricalCovariance
from ._incremental_covariance import IncrementalEmpiricalCovariance

__all__ = ["EmpiricalCovariance", "IncrementalEmpiricalCovariance"]

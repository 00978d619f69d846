"""Linear models computed by the skaccel C++ core."""

from ._base import LinearRegression
from ._coordinate_descent import ElasticNet, Lasso
from ._incremental import IncrementalLinearRegression, IncrementalRidge
from ._logistic import LogisticRegression
from ._ridge import Ridge

__all__ = [
    "ElasticNet",
    "IncrementalLinearRegression",
    "IncrementalRidge",
    "Lasso",
    "LinearRegression",
    "LogisticRegression",
    "Ridge",
]

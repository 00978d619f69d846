"""Linear models computed by the skaccel C++ core."""

from ._base import LinearRegression
from ._ridge import Ridge

__all__ = ["LinearRegression", "Ridge"]

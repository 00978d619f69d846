"""Model selection helpers computed by the skaccel C++ core."""

from ._split import train_test_split

__all__ = ["train_test_split"]

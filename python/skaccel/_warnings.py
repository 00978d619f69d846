"""Warnings attributed to the user's line, however deep in skaccel or scikit-learn they
are raised (a fixed ``stacklevel`` is right for one call path only: ``fit`` directly,
through ``fit_transform``, a Pipeline or the array-API dispatch differ in depth)."""

from __future__ import annotations

import os
import sys
import warnings

import sklearn

_LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__name__.rpartition(".")[0]], sklearn)
)


def warn_user(message, category=UserWarning):
    """``warnings.warn`` at the innermost frame outside skaccel and scikit-learn."""
    frame = sys._getframe(1)
    stacklevel = 2  # 1 would be this function
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_LIBRARY_DIRS):
        frame = frame.f_back
        stacklevel += 1
    warnings.warn(message, category, stacklevel=stacklevel)

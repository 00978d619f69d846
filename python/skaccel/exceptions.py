"""Exceptions and warnings raised by skaccel."""

from sklearn.exceptions import InconsistentVersionWarning

__all__ = [
    "CorruptModelError",
    "DeviceUnavailableError",
    "IncompatibleModelError",
    "SkaccelVersionWarning",
]


class IncompatibleModelError(ValueError):
    """A saved model uses a model-format version this build cannot read.

    Raised for another format MAJOR version or a newer MINOR one. Nothing of the
    model is loaded.
    """

    def __init__(self, message, *, saved_format, supported_format):
        super().__init__(message)
        self.saved_format = saved_format
        self.supported_format = supported_format


class CorruptModelError(ValueError):
    """A saved model's state is truncated, damaged or not a skaccel model state."""


class DeviceUnavailableError(RuntimeError):
    """``target_offload`` asks for a device this build or machine does not have."""


class SkaccelVersionWarning(InconsistentVersionWarning):
    """A model was saved by other versions of skaccel, scikit-learn or Python.

    Subclasses :class:`sklearn.exceptions.InconsistentVersionWarning`, so the
    filter recipes of scikit-learn's documentation catch it. ``component`` names
    what differs; ``original_version`` and ``current_version`` are its versions.
    The inherited ``original_sklearn_version`` / ``current_sklearn_version`` hold
    the scikit-learn versions of the writer and of this process.
    """

    def __init__(
        self,
        *,
        estimator_name,
        component,
        original_version,
        current_version,
        original_sklearn_version,
        current_sklearn_version,
    ):
        super().__init__(
            estimator_name=estimator_name,
            current_sklearn_version=current_sklearn_version,
            original_sklearn_version=original_sklearn_version,
        )
        self.component = component
        self.original_version = original_version
        self.current_version = current_version

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} saved with "
            f"{self.component} {self.original_version} when using {self.component} "
            f"{self.current_version}. This might lead to breaking code or invalid "
            "results. Use at your own risk. See skaccel's compatibility policy "
            "(README, 'Compatibility policy')."
        )

"""Global configuration: scikit-learn's options plus skaccel's device options.

Configuration belongs to the process (thread-local, like scikit-learn's) and is never
saved with a model.
"""

import re
import threading
from contextlib import contextmanager

import sklearn

from .exceptions import DeviceUnavailableError

_defaults = {"target_offload": "auto", "allow_fallback_to_host": False}
_local = threading.local()


def _own_config():
    if not hasattr(_local, "config"):
        _local.config = dict(_defaults)
    return _local.config


_DEVICE = re.compile(r"(cpu|gpu)(:[0-9]+)?")


def _validate(target_offload, allow_fallback_to_host):
    if target_offload is not None and not (
        target_offload == "auto"
        or (isinstance(target_offload, str) and _DEVICE.fullmatch(target_offload))
    ):
        raise ValueError(
            "target_offload must be 'auto', 'cpu' or 'gpu', optionally with a device "
            f"number ('gpu:0', as scikit-learn-intelex takes it), got {target_offload!r}"
        )
    if allow_fallback_to_host is not None and not isinstance(allow_fallback_to_host, bool):
        raise ValueError(
            f"allow_fallback_to_host must be a bool, got {type(allow_fallback_to_host).__name__}"
        )


def get_config():
    """Return the current configuration: scikit-learn's keys plus skaccel's.

    Returns
    -------
    config : dict
        ``sklearn.get_config()`` merged with ``target_offload`` and
        ``allow_fallback_to_host``.
    """
    config = sklearn.get_config()
    config.update(_own_config())
    return config


def set_config(target_offload=None, allow_fallback_to_host=None, **sklearn_options):
    """Set global configuration.

    Parameters
    ----------
    target_offload : {"auto", "cpu", "gpu"} or "cpu:N" / "gpu:N", default=None
        Where estimators compute. "auto" follows the input data (host for NumPy);
        "gpu" (or "gpu:N") requires a GPU build and device, else fit/predict raise
        :class:`~skaccel.exceptions.DeviceUnavailableError` unless
        ``allow_fallback_to_host`` is True. None leaves the value unchanged.
    allow_fallback_to_host : bool, default=None
        Compute on the host when the requested device is unavailable.
    **sklearn_options
        Passed to :func:`sklearn.set_config` unchanged (``assume_finite``,
        ``array_api_dispatch``, ``transform_output``, ...).
    """
    _validate(target_offload, allow_fallback_to_host)
    if sklearn_options:
        sklearn.set_config(**sklearn_options)
    own = _own_config()
    if target_offload is not None:
        own["target_offload"] = target_offload
    if allow_fallback_to_host is not None:
        own["allow_fallback_to_host"] = allow_fallback_to_host


@contextmanager
def config_context(**options):
    """Context manager for temporary configuration; see :func:`set_config`."""
    old_sklearn = sklearn.get_config()
    old_own = dict(_own_config())
    set_config(**options)
    try:
        yield
    finally:
        _own_config().update(old_own)
        sklearn.set_config(**old_sklearn)


def gpu_available():
    """Whether this build has a GPU backend and a device is present (False here)."""
    return False


def resolve_device(estimator_name):
    """The device an estimator computes on under the current configuration."""
    own = _own_config()
    if own["target_offload"].startswith("gpu") and not gpu_available():
        if own["allow_fallback_to_host"]:
            return "cpu"
        raise DeviceUnavailableError(
            f"{estimator_name}: target_offload='gpu' but this skaccel build has no GPU "
            "backend or no GPU is present; set allow_fallback_to_host=True to compute "
            "on the host instead"
        )
    return "cpu"

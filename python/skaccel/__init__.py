"""skaccel: scikit-learn estimators computed by a C++ core, with durable persistence.

Estimators live in modules mirroring scikit-learn's (``skaccel.linear_model``); each
subclasses its scikit-learn counterpart. Pickles record the versions they were made with
and loading checks them (README, "Compatibility policy").
"""

from . import _core
from ._config import config_context, get_config, set_config
from ._model_file import load, save
from ._patching import (
    get_patch_names,
    is_patched_instance,
    patch_sklearn,
    sklearn_is_patched,
    unpatch_sklearn,
)
from ._persistence import FORMAT_VERSION, version_record
from ._threadpool import register as _register_threadpool

__version__: str = _core.__version__

_register_threadpool()

__all__ = [
    "FORMAT_VERSION",
    "__version__",
    "config_context",
    "get_config",
    "get_patch_names",
    "is_patched_instance",
    "load",
    "patch_sklearn",
    "save",
    "set_config",
    "sklearn_is_patched",
    "unpatch_sklearn",
    "version_record",
]

"""Replace scikit-learn's estimators by skaccel's in scikit-learn's public namespaces.

Only public namespaces (``sklearn.linear_model``) are patched, never the defining
modules (``sklearn.linear_model._base``): scikit-learn's own classes stay importable
under their qualified names, so their pickles keep working while patched, and models
pickled while patched reference ``skaccel.*`` and load after unpatching.
"""

import importlib
import logging

logger = logging.getLogger("skaccel")

# (public sklearn module, attribute, skaccel module)
_PATCHES = [
    ("sklearn.linear_model", "LinearRegression", "skaccel.linear_model"),
    ("sklearn.linear_model", "Ridge", "skaccel.linear_model"),
    ("sklearn.decomposition", "PCA", "skaccel.decomposition"),
    ("sklearn.decomposition", "IncrementalPCA", "skaccel.decomposition"),
    ("sklearn.covariance", "EmpiricalCovariance", "skaccel.covariance"),
]
_originals = {}


def get_patch_names():
    """The ``module.name`` of every scikit-learn object skaccel replaces."""
    return [f"{module}.{name}" for module, name, _ in _PATCHES]


def patch_sklearn(name=None, verbose=True):
    """Make scikit-learn's public namespaces hand out skaccel's estimators.

    Parameters
    ----------
    name : str or list of str, default=None
        Patch only these estimators (e.g. "LinearRegression"); all when None.
    verbose : bool, default=True
        Log at INFO which estimators were patched.
    """
    names = _select(name)
    for module_name, attr, skaccel_module in _PATCHES:
        if attr not in names:
            continue
        module = importlib.import_module(module_name)
        replacement = getattr(importlib.import_module(skaccel_module), attr)
        key = (module_name, attr)
        if key not in _originals:
            _originals[key] = getattr(module, attr)
        setattr(module, attr, replacement)
    if verbose:
        logger.info("skaccel: patched scikit-learn's %s", ", ".join(sorted(names)))


def unpatch_sklearn(name=None):
    """Restore scikit-learn's own estimators."""
    names = _select(name)
    for (module_name, attr), original in list(_originals.items()):
        if attr in names:
            setattr(importlib.import_module(module_name), attr, original)
            del _originals[(module_name, attr)]


def sklearn_is_patched(name=None, return_map=False):
    """Whether scikit-learn hands out skaccel's estimators.

    With ``return_map=True``, a dict ``{name: bool}`` for every patchable estimator;
    otherwise True when all selected estimators are patched.
    """
    names = _select(name)
    status = {}
    for module_name, attr, skaccel_module in _PATCHES:
        if attr in names:
            current = getattr(importlib.import_module(module_name), attr)
            ours = getattr(importlib.import_module(skaccel_module), attr)
            status[attr] = current is ours
    return status if return_map else all(status.values())


def _select(name):
    known = {attr for _, attr, _ in _PATCHES}
    if name is None:
        return known
    names = {name} if isinstance(name, str) else set(name)
    unknown = names - known
    if unknown:
        raise ValueError(f"skaccel cannot patch {sorted(unknown)}; it patches {sorted(known)}")
    return names

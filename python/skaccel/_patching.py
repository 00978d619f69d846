"""Replace scikit-learn's estimators by skaccel's in scikit-learn's public namespaces.

The patch table is derived, not kept: every public skaccel object with a
``_sklearn_patch`` attribute (``"sklearn.linear_model.LinearRegression"``) replaces that
scikit-learn object. Only public namespaces (``sklearn.linear_model``) are patched, never
the defining modules (``sklearn.linear_model._base``): scikit-learn's own classes stay
importable under their qualified names, so their pickles keep working while patched, and
models pickled while patched reference ``skaccel.*`` and load after unpatching.
"""

from __future__ import annotations

import functools
import importlib
import logging

logger = logging.getLogger("skaccel")

_originals: dict[tuple[str, str], object] = {}


@functools.cache
def _patches() -> dict[str, tuple[str, str, object]]:
    """{scikit-learn name: (module, attribute, skaccel object)}, from the objects'
    ``_sklearn_patch`` declarations."""
    from ._registry import public_objects

    table = {}
    for obj in public_objects():
        target = getattr(obj, "_sklearn_patch", None)
        if not target:
            continue
        module, _, attr = target.rpartition(".")
        if target in table:
            raise RuntimeError(f"two skaccel objects patch {target}")
        table[target] = (module, attr, obj)
    return dict(sorted(table.items()))


def get_patch_names() -> list[str]:
    """The ``module.name`` of every scikit-learn object skaccel replaces."""
    return list(_patches())


def _select(name) -> set[str]:
    """The full names (``sklearn.linear_model.Ridge``) that ``name`` selects: None for
    all; a name as ``get_patch_names()`` returns it, or its last part (``"Ridge"``)."""
    table = _patches()
    if name is None:
        return set(table)
    names = [name] if isinstance(name, str) else list(name)
    by_short = {}
    for full in table:
        by_short.setdefault(full.rpartition(".")[2], []).append(full)
    selected, unknown = set(), []
    for n in names:
        if n in table:
            selected.add(n)
        elif len(by_short.get(n, ())) == 1:
            selected.add(by_short[n][0])
        else:
            unknown.append(n)
    if unknown:
        raise ValueError(
            f"skaccel cannot patch {sorted(unknown)}; it patches {sorted(table)} "
            "(full names or their last part)"
        )
    return selected


def patch_sklearn(name=None, verbose: bool = True, **_ignored) -> None:
    """Make scikit-learn's public namespaces hand out skaccel's estimators.

    Parameters
    ----------
    name : str or list of str, default=None
        Patch only these (``"Ridge"`` or ``"sklearn.linear_model.Ridge"``, as
        :func:`get_patch_names` lists them); all when None.
    verbose : bool, default=True
        Log at INFO which estimators were patched.
    """
    selected = _select(name)
    for full in selected:
        module_name, attr, replacement = _patches()[full]
        module = importlib.import_module(module_name)
        key = (module_name, attr)
        if key not in _originals:
            _originals[key] = getattr(module, attr)
        setattr(module, attr, replacement)
    if verbose:
        logger.info("skaccel: patched scikit-learn's %s", ", ".join(sorted(selected)))


def unpatch_sklearn(name=None, **_ignored) -> None:
    """Restore scikit-learn's own estimators (all, or those ``name`` selects)."""
    selected = {tuple(full.rsplit(".", 1)) for full in _select(name)}
    for key, original in list(_originals.items()):
        if key in selected:
            setattr(importlib.import_module(key[0]), key[1], original)
            del _originals[key]


def sklearn_is_patched(name=None, return_map: bool = False):
    """Whether scikit-learn hands out skaccel's estimators.

    With ``return_map=True``, a dict ``{name: bool}`` (short names, as scikit-learn-intelex
    returns them) for the selected estimators; otherwise True when all selected ones are
    patched.
    """
    status = {}
    for full in sorted(_select(name)):
        module_name, attr, ours = _patches()[full]
        status[attr] = getattr(importlib.import_module(module_name), attr) is ours
    return status if return_map else all(status.values())


def is_patched_instance(instance) -> bool:
    """Whether ``instance`` is an object of a skaccel class that replaces a scikit-learn
    one (scikit-learn-intelex's function of the same name)."""
    return any(isinstance(obj, type) and type(instance) is obj for _, _, obj in _patches().values())


def sklearn_test_modules() -> list[str]:
    """scikit-learn's test modules of the patched estimators (``_sklearn_tests``), for the
    conformance run."""
    modules = []
    for _, _, obj in _patches().values():
        for m in getattr(obj, "_sklearn_tests", ()):
            if m not in modules:
                modules.append(m)
    return modules

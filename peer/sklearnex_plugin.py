"""pytest plugin: run scikit-learn-intelex's own tests against skaccel's estimators.

Imported before any test module (``-p sklearnex_plugin``), it replaces, in
scikit-learn-intelex's public namespaces (``sklearnex.<family>`` and
``sklearnex.preview.<family>``), every estimator skaccel also has by skaccel's class. A
test module's ``from sklearnex.linear_model import LinearRegression`` then gets skaccel's.
Tests of scikit-learn-intelex's internals (its oneDAL estimators, its own module names)
and of its deliberate differences from skaccel are listed with their reason in
peer/not_applicable.txt: they run, marked xfail (not strict), and are reported apart.
"""

import collections
import fnmatch
import importlib
import sys

import pytest

import skaccel
import skaccel._patching
from skaccel._registry import MODEL_TYPES, estimator_class

_TEST_PREFIX = "sklearnex."
if [m for m in sys.modules if m.startswith(_TEST_PREFIX) and ".tests." in m]:
    raise ImportError("sklearnex_plugin must be loaded before sklearnex's test modules")

PATCHED = {}  # "sklearnex.linear_model.LinearRegression" -> skaccel's class
for name, info in MODEL_TYPES.items():
    cls = estimator_class(name)
    for module_name in (f"sklearnex.{info.family}", f"sklearnex.preview.{info.family}"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, cls.__name__):
            setattr(module, cls.__name__, cls)
            PATCHED[f"{module_name}.{cls.__name__}"] = cls

# Functions skaccel patches into scikit-learn (roc_auc_score, train_test_split) replace
# scikit-learn-intelex's of the same public namespace (sklearn.metrics -> sklearnex.metrics).
for module_name, attr, obj in skaccel._patching._patches().values():
    if isinstance(obj, type):
        continue
    try:
        module = importlib.import_module("sklearnex" + module_name[len("sklearn") :])
    except ImportError:
        continue
    if hasattr(module, attr):
        setattr(module, attr, obj)
        PATCHED[f"{module.__name__}.{attr}"] = obj

RESULTS = {}
NOT_APPLICABLE = {}  # node id prefix -> reason


def pytest_addoption(parser):
    parser.addoption("--not-applicable-file", default=None)


def pytest_configure(config):
    path = config.getoption("--not-applicable-file")
    if path:
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            nodeid, _, reason = line.partition(" # ")
            NOT_APPLICABLE[nodeid.strip()] = reason.strip()


def _reason(nodeid):
    """The reason a test is not applicable to skaccel, or None. Entries are fnmatch
    patterns of node ids from the ``sklearnex/`` folder on (``sklearnex/x/tests/t.py::f``
    names every parametrization of f)."""
    at = nodeid.find("sklearnex/")
    nodeid = nodeid[at:] if at >= 0 else nodeid
    for pattern, reason in NOT_APPLICABLE.items():
        literal = pattern.replace("[", "[[]")  # brackets are parameters, not sets
        if fnmatch.fnmatchcase(nodeid, literal) or fnmatch.fnmatchcase(nodeid, literal + "[[]*"):
            return reason
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    for item in items:
        reason = _reason(item.nodeid)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=f"not applicable: {reason}", strict=False))


def pytest_report_header(config):
    return [f"skaccel {skaccel.__version__} in place of: " + ", ".join(sorted(PATCHED))]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    stats = terminalreporter.stats
    counts = collections.Counter({k: len(v) for k, v in stats.items() if k})
    by_reason = collections.Counter()
    for rep in stats.get("xfailed", []) + stats.get("xpassed", []):
        by_reason[_reason(rep.nodeid) or "?"] += 1
    RESULTS.update(counts=counts, by_reason=by_reason)
    tw = terminalreporter
    tw.section("skaccel under scikit-learn-intelex's tests")
    for reason, n in by_reason.most_common():
        tw.write_line(f"not applicable ({n}): {reason}")

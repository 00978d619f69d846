"""pytest plugin: run scikit-learn's own tests against skaccel's patched estimators.

Load it with ``-p conformance_plugin`` (with this folder on ``sys.path``) or through
``conformance/run_sklearn_tests.py``. Importing it patches scikit-learn at once, and a
``-p`` plugin is imported before any conftest or test module, so the test modules'
``from sklearn.linear_model import LinearRegression, Ridge`` get skaccel's classes.

Besides patching, the plugin

* asserts after collection that every collected test module really holds skaccel's
  classes (a module imported before patching would silently test scikit-learn);
* checks that each ``--deselect`` entry names collected tests exactly (a node id, or a
  test function without parameters meaning all its parametrizations), because pytest
  matches ``--deselect`` as a plain string prefix: ``...::test_ridge`` would also drop
  ``...::test_ridge_cv``; stale or over-broad entries are a usage error
  (``--conformance-allow-stale`` makes them a warning);
* with ``--conformance-only-deselected``, runs only the deselected tests (to see which
  of them pass again once skaccel changes);
* counts, through the ``skaccel`` logger, the fits/predicts that ran on the C++ core and
  those that fell back to scikit-learn, and the tests that reached the core at all;
* prints per-module outcome counts, also kept in ``RESULTS`` for the runner.
"""

import collections
import importlib
import logging
import sys
import warnings

import pytest

import skaccel
from skaccel._patching import _originals, _patches, sklearn_test_modules

# scikit-learn's test modules of every patched estimator (their ``_sklearn_tests``).
_TEST_MODULES = tuple(sklearn_test_modules())
_already_imported = [m for m in _TEST_MODULES if m in sys.modules]
if _already_imported:  # they would hold scikit-learn's own classes
    raise ImportError(f"conformance_plugin must be loaded before {_already_imported} are imported")

skaccel.patch_sklearn(verbose=False)
# {(scikit-learn module, name): skaccel's class} for every estimator skaccel patches.
_PATCHED = {(module, name): ours for module, name, ours in _patches().values()}


def _assert_patched():
    assert skaccel.sklearn_is_patched(), skaccel.sklearn_is_patched(return_map=True)
    for (module, name), cls in _PATCHED.items():
        assert getattr(importlib.import_module(module), name) is cls, name


_assert_patched()

# Filled at the end of the session: {"total": Counter, "modules": {module: Counter},
# "core": Counter, "fallback_reasons": Counter, "tests_on_core": int, "exitstatus": int}
RESULTS = {}
# The test modules' names of patched functions rebound to skaccel's (see step 1 below).
REBOUND = []

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "deselected")


class _CoreCallCounter(logging.Handler):
    """Counts skaccel's 'running on the core' / 'falling back' log records."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.calls = collections.Counter()  # ("core"|"fallback", "Ridge.fit")
        self.reasons = collections.Counter()  # ("Ridge.fit", reason)
        self.n_core = 0

    def emit(self, record):
        msg = record.getMessage()
        head, sep, rest = msg.partition(": ")
        if not sep:
            return
        if rest.startswith("running on the skaccel C++ core"):
            self.calls["core", head] += 1
            self.n_core += 1
        elif rest.startswith("falling back to scikit-learn: "):
            self.calls["fallback", head] += 1
            self.reasons[head, rest[len("falling back to scikit-learn: ") :]] += 1


_counter = _CoreCallCounter()
_tests_on_core = set()


def pytest_addoption(parser):
    group = parser.getgroup("skaccel conformance")
    group.addoption(
        "--conformance-only-deselected",
        action="store_true",
        default=False,
        help="run only the tests named by --deselect (instead of all others)",
    )
    group.addoption(
        "--conformance-allow-stale",
        action="store_true",
        default=False,
        help="warn instead of failing when a --deselect entry matches no test or "
        "more tests than it names",
    )


def pytest_configure(config):
    _assert_patched()
    logger = logging.getLogger("skaccel")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.addHandler(_counter)


def pytest_unconfigure(config):
    logging.getLogger("skaccel").removeHandler(_counter)


def pytest_report_header(config):
    import sklearn

    return [
        f"skaccel {skaccel.__version__} patched into scikit-learn {sklearn.__version__}: "
        + ", ".join(
            f"{name}={'skaccel' if ok else 'sklearn'}"
            for name, ok in skaccel.sklearn_is_patched(return_map=True).items()
        )
    ]


def _check_deselect_entries(config, items):
    """Each entry must name tests exactly: an exact node id, or a parametrized
    test function (entry + '[...]'). Returns the problems found."""
    problems = []
    nodeids = [item.nodeid for item in items]
    for entry in config.getoption("deselect") or []:
        matches = [n for n in nodeids if n.startswith(entry)]
        if not matches:
            problems.append(f"--deselect {entry!r} matches no collected test (stale?)")
            continue
        unintended = [n for n in matches if n != entry and not n.startswith(entry + "[")]
        if unintended:
            problems.append(
                f"--deselect {entry!r} also deselects {len(unintended)} other test(s) "
                f"by prefix, e.g. {unintended[0]!r}"
            )
    return problems


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    # 1. the collected test modules hold skaccel's classes. A patched function that a
    #    test module imported from scikit-learn's defining module (test_pairwise imports
    #    sklearn.metrics.pairwise.pairwise_distances) is rebound to skaccel's there: the
    #    module's tests then call skaccel's function, as a patched user's code does.
    for module in {item.module for item in items if getattr(item, "module", None)}:
        for (module_name, name), cls in _PATCHED.items():
            held = module.__dict__.get(name)
            if held is not None and held is not cls:
                original = _originals.get((module_name, name))
                if not isinstance(cls, type) and held is original:
                    module.__dict__[name] = cls
                    REBOUND.append(f"{module.__name__}.{name}")
                    continue
                raise pytest.UsageError(
                    f"{module.__name__}.{name} is {held.__module__}.{held.__qualname__}, "
                    f"not skaccel's: the module was imported before patching"
                )
    # 2. the deselect entries are exact
    problems = _check_deselect_entries(config, items)
    if problems:
        if config.getoption("conformance_allow_stale"):
            for p in problems:
                warnings.warn(pytest.PytestConfigWarning(p), stacklevel=1)
        else:
            raise pytest.UsageError(
                "bad deselect entries (fix conformance/deselected.txt):\n  " + "\n  ".join(problems)
            )
    # 3. optionally keep only the deselected tests; pytest's own --deselect handling
    #    runs after this hook, so the option is consumed here
    if config.getoption("conformance_only_deselected"):
        prefixes = tuple(config.getoption("deselect") or [])
        keep = [item for item in items if item.nodeid.startswith(prefixes)]
        dropped = [item for item in items if not item.nodeid.startswith(prefixes)]
        config.option.deselect = []
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    before = _counter.n_core
    try:
        return (yield)
    finally:
        if _counter.n_core > before:
            _tests_on_core.add(item.nodeid)


def pytest_sessionfinish(session, exitstatus):
    _assert_patched()  # nothing unpatched scikit-learn during the run


def _module_of(nodeid):
    return (nodeid or "").split("::")[0] or "<session>"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    stats = terminalreporter.stats
    total = collections.Counter()
    modules = collections.defaultdict(collections.Counter)
    for outcome in OUTCOMES:
        for rep in stats.get(outcome, []):
            total[outcome] += 1
            modules[_module_of(getattr(rep, "nodeid", None))][outcome] += 1
    RESULTS.update(
        total=total,
        modules=dict(modules),
        core=collections.Counter(_counter.calls),
        fallback_reasons=collections.Counter(_counter.reasons),
        tests_on_core=len(_tests_on_core),
        exitstatus=int(exitstatus),
    )
    tw = terminalreporter
    tw.section("skaccel conformance")
    for module in sorted(modules):
        tw.write_line(f"{module}: {format_counts(modules[module])}")
    calls = ", ".join(f"{what} {kind} {n}" for (kind, what), n in sorted(_counter.calls.items()))
    tw.write_line(f"calls: {calls or 'none'}")
    tw.write_line(f"tests that reached the skaccel core: {len(_tests_on_core)}")
    if REBOUND:
        tw.write_line(f"rebound to skaccel's: {', '.join(sorted(set(REBOUND)))}")
    for (what, reason), n in _counter.reasons.most_common(20):
        tw.write_line(f"  fallback {what}: {reason} ({n})")


def format_counts(counter):
    return ", ".join(f"{counter.get(o, 0)} {o}" for o in OUTCOMES)

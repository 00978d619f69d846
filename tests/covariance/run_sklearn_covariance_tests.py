#!/usr/bin/env python
"""Run scikit-learn's ``sklearn.covariance.tests.test_covariance`` against skaccel.

    python tests/covariance/run_sklearn_covariance_tests.py [extra pytest args]

Before the test module is imported, ``sklearn.covariance.EmpiricalCovariance`` is
replaced by ``skaccel.covariance.EmpiricalCovariance`` (the test module's
``from sklearn.covariance import EmpiricalCovariance`` then gets skaccel's; scikit-learn's
other covariance estimators keep their own base class). After collection the module is
checked to hold skaccel's class. Prints pytest's result and a summary line with the
calls that ran on the core and those that fell back (through the ``skaccel`` logger).
Exit status: pytest's.

Not collected by skaccel's own test run (the file name does not start with ``test_``);
meant to be wired into the conformance harness.
"""

import collections
import logging
import sys
from pathlib import Path

MODULE = "sklearn.covariance.tests.test_covariance"


class _Counter(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.core = collections.Counter()
        self.fallbacks = collections.Counter()

    def emit(self, record):
        message = record.getMessage()
        head = message.split(":", 1)[0]
        if "falling back to scikit-learn" in message:
            self.fallbacks[f"{head}: {message.rsplit(': ', 1)[-1]}"] += 1
        elif "C++ core" in message:
            self.core[head] += 1


class _Plugin:
    def pytest_collection_modifyitems(self, items):
        from skaccel.covariance import EmpiricalCovariance

        for module in {item.module for item in items}:
            assert module.EmpiricalCovariance is EmpiricalCovariance, module.__name__


def main(argv=None):
    if MODULE in sys.modules:
        raise SystemExit(f"{MODULE} was imported before patching")
    import pytest
    import sklearn
    import sklearn.covariance

    import skaccel.covariance

    sklearn.covariance.EmpiricalCovariance = skaccel.covariance.EmpiricalCovariance

    counter = _Counter()
    logger = logging.getLogger("skaccel")
    logger.addHandler(counter)
    logger.setLevel(logging.INFO)

    rootdir = Path(sklearn.__file__).resolve().parent.parent
    ini = Path(__file__).resolve().parents[2] / "conformance" / "pytest.ini"
    args = ["-p", "no:cacheprovider", "-q", "--rootdir", str(rootdir)]
    if ini.exists():
        args += ["-c", str(ini)]
    status = int(
        pytest.main(
            [*args, *(argv if argv is not None else sys.argv[1:]), "--pyargs", MODULE],
            plugins=[_Plugin()],
        )
    )
    print(f"core calls: {dict(counter.core)}")
    print(f"fallbacks: {dict(counter.fallbacks)}")
    return status


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Run scikit-learn's own tests of the estimators skaccel patches, with skaccel patched in.

    python conformance/run_sklearn_tests.py [--only-deselected] [--allow-stale]
                                            [--module MOD ...] [extra pytest args]

Runs ``pytest --pyargs`` on scikit-learn's test modules of every patched estimator (each
skaccel class names them in ``_sklearn_tests``) in this process with ``conformance_plugin``
loaded first (it calls ``skaccel.patch_sklearn()`` before the test modules are imported)
and one ``--deselect`` per entry of ``conformance/deselected.txt``. Prints a summary
line and exits with pytest's status: non-zero when any test that is not deselected
fails or errors (or a deselect entry is stale/over-broad, see the plugin).

The rootdir is the directory holding the installed ``sklearn`` package, so node ids
read ``sklearn/linear_model/tests/test_ridge.py::...`` wherever scikit-learn is
installed; the ini file is ``conformance/pytest.ini`` (the repository's own pytest
settings are not used), and scikit-learn's ``sklearn/conftest.py`` (fixtures such as
``global_random_seed``, ``global_dtype``) is loaded as for any run of its tests.
"""

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DESELECT_FILE = HERE / "deselected.txt"


def _modules():
    from skaccel._patching import sklearn_test_modules

    return tuple(sklearn_test_modules())


def read_deselected(path=DESELECT_FILE):
    """Node ids from the deselect file: one per line, '#' starts a comment."""
    ids = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        nodeid = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not nodeid:
            continue
        if " " in nodeid or "::" not in nodeid:
            raise SystemExit(f"{path}:{lineno}: not a node id: {nodeid!r}")
        ids.append(nodeid)
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise SystemExit(f"{path}: duplicate entries {sorted(duplicates)}")
    return ids


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Other arguments (-k EXPR, -x, -v, -n ...) are passed to pytest.",
        formatter_class=argparse.RawTextHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument(
        "--only-deselected",
        action="store_true",
        help="run only the deselected tests (which of them pass now?)",
    )
    parser.add_argument(
        "--allow-stale",
        action="store_true",
        help="warn instead of failing on deselect entries that match no test",
    )
    parser.add_argument(
        "--deselect-file",
        type=Path,
        default=DESELECT_FILE,
        help=f"deselect file (default: {DESELECT_FILE.name} next to this script)",
    )
    modules_available = _modules()
    parser.add_argument(
        "--module",
        action="append",
        choices=modules_available,
        help="run only this test module (repeatable; default: all)",
    )
    args, extra = parser.parse_known_args(argv)

    sys.path.insert(0, str(HERE))
    import conformance_plugin  # noqa: F401  (patches scikit-learn on import)
    import pytest
    import sklearn

    rootdir = Path(sklearn.__file__).resolve().parent.parent
    modules = args.module or list(modules_available)
    paths = tuple(m.replace(".", "/") + ".py::" for m in modules)
    deselected = [n for n in read_deselected(args.deselect_file) if n.startswith(paths)]
    pytest_args = [
        "-p",
        "conformance_plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "-c",
        str(HERE / "pytest.ini"),
        "--rootdir",
        str(rootdir),
    ]
    for nodeid in deselected:
        pytest_args += ["--deselect", nodeid]
    if args.only_deselected:
        pytest_args.append("--conformance-only-deselected")
    if args.allow_stale:
        pytest_args.append("--conformance-allow-stale")
    pytest_args += extra
    pytest_args += ["--pyargs", *modules]

    seed = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if seed not in (None, "42") and not args.allow_stale:
        print(
            f"note: SKLEARN_TESTS_GLOBAL_RANDOM_SEED={seed}: the deselect entries name "
            "the default seed (42); pass --allow-stale",
            file=sys.stderr,
        )

    status = int(pytest.main(pytest_args))

    results = conformance_plugin.RESULTS
    total = results.get("total")
    if total is None:  # pytest stopped before the terminal summary (usage error, ...)
        print(f"skaccel conformance summary: pytest exited with status {status}, no results")
        return status or 1
    failed = total["failed"] + total["error"]
    if status == 0 and failed:  # cannot happen with pytest's own status; be safe
        status = 1
    counts = ", ".join(
        f"{total[o]} {o}"
        for o in conformance_plugin.OUTCOMES
        if total[o] or o in ("passed", "failed", "skipped", "deselected")
    )
    verdict = "OK" if status == 0 else f"FAILED (pytest exit status {status})"
    if args.only_deselected:
        verdict = (
            f"{total['passed']} deselected test(s) pass now (remove their entries), "
            f"{failed} still fail"
        )
    print(f"skaccel conformance summary: {counts} -- {verdict}")
    return status


if __name__ == "__main__":
    sys.exit(main())

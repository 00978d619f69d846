#!/usr/bin/env python
"""Run scikit-learn-intelex's own test modules of the estimators skaccel has, with skaccel's
classes in their place (peer/sklearnex_plugin.py): `make peer-tests`.

    python peer/run_sklearnex_tests.py [extra pytest args]

Prints passed / failed / not applicable (with reasons: peer/not_applicable.txt) and exits
non-zero when a test that is not marked not applicable fails.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = (
    "sklearnex/linear_model/tests/test_linear.py",
    "sklearnex/linear_model/tests/test_ridge.py",
    "sklearnex/linear_model/tests/test_logreg.py",
    "sklearnex/preview/linear_model/tests/test_lasso_elasticnet.py",
    "sklearnex/linear_model/tests/test_incremental_linear.py",
    "sklearnex/linear_model/tests/test_incremental_ridge.py",
    "sklearnex/decomposition/tests/test_pca.py",
    "sklearnex/preview/decomposition/tests/test_incremental_pca.py",
    "sklearnex/preview/covariance/tests/test_covariance.py",
    "sklearnex/covariance/tests/test_incremental_covariance.py",
    "sklearnex/basic_statistics/tests/test_basic_statistics.py",
    "sklearnex/basic_statistics/tests/test_incremental_basic_statistics.py",
    "sklearnex/cluster/tests/test_kmeans.py",
    "sklearnex/cluster/tests/test_dbscan.py",
    "sklearnex/neighbors/tests/test_neighbors.py",
    "sklearnex/metrics/tests/test_metrics.py",
    "sklearnex/model_selection/tests/test_model_selection.py",
    "sklearnex/tests/test_hyperparameters.py",
)


def main(argv):
    os.environ.setdefault("SCIPY_ARRAY_API", "1")
    sys.path.insert(0, str(HERE))
    import pytest
    import sklearnex

    root = Path(sklearnex.__file__).resolve().parent.parent
    args = [
        "-p",
        "sklearnex_plugin",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(root),
        "-c",
        str(HERE / "pytest.ini"),
        "--not-applicable-file",
        str(HERE / "not_applicable.txt"),
        *argv,
        *[str(root / m) for m in MODULES if (root / m).exists()],
    ]
    return int(pytest.main(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

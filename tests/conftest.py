import os

# scikit-learn's array API dispatch needs SciPy's, which reads this before scipy is
# imported (tests/test_array_api.py).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest


@pytest.fixture
def regression_data():
    """Well-conditioned data with non-zero means, 3 targets and positive weights."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 8)) * rng.uniform(0.5, 3, 8) + rng.uniform(-5, 5, 8)
    coef = rng.standard_normal((8, 3))
    Y = X @ coef + 2.0 + 0.1 * rng.standard_normal((500, 3))
    w = rng.uniform(0.1, 3.0, 500)
    return X, Y, w

import numpy as np
import pytest


def make_pca_data(n_samples, n_features, seed=0):
    """Rotated data with a well-separated spectrum (scales 10 to 0.1) and means far
    from zero, so every principal axis is well determined."""
    rng = np.random.default_rng(seed)
    scales = np.geomspace(10.0, 0.1, n_features)
    rotation, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    Z = rng.standard_normal((n_samples, n_features)) * scales
    return Z @ rotation.T + rng.uniform(-5.0, 5.0, n_features)


@pytest.fixture
def pca_data():
    """Tall data: 400 samples, 10 features."""
    return make_pca_data(400, 10)


@pytest.fixture
def wide_data():
    """Wide data: 30 samples, 50 features."""
    return make_pca_data(30, 50, seed=1)


@pytest.fixture
def make_data():
    """The generator itself: make_data(n_samples, n_features, seed=0)."""
    return make_pca_data

"""A model saved from Python predicts bit-identically in the C++ skaccel-predict program,
which links the core and no Python."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import skaccel
from skaccel.linear_model import LinearRegression, Ridge

ROOT = Path(__file__).resolve().parents[1]


def find_cli():
    candidates = [os.environ.get("SKACCEL_PREDICT", "")]
    candidates += [str(p) for p in sorted((ROOT / "build").glob("*/core/skaccel-predict"))]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.environ.get("SKACCEL_REQUIRE_CLI"):
        raise FileNotFoundError("skaccel-predict was not built (make test-cpp builds it)")
    return None


CLI = find_cli()
pytestmark = pytest.mark.skipif(CLI is None, reason="skaccel-predict not built (make test-cpp)")


def run(*args):
    out = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    return out.returncode, out.stdout + out.stderr


@pytest.fixture(params=["lr-1d-f64", "ridge-multi-f64", "lr-f32-nointercept", "ridge-f32"])
def saved(request, regression_data, tmp_path):
    X, Y, w = regression_data
    X = np.asfortranarray(X) if "multi" in request.param else X
    if request.param == "lr-1d-f64":
        model = LinearRegression().fit(X, Y[:, 0], sample_weight=w)
    elif request.param == "ridge-multi-f64":
        model = Ridge(alpha=[1.0, 10.0, 0.1]).fit(X, Y)
    elif request.param == "lr-f32-nointercept":
        X = X.astype(np.float32)
        model = LinearRegression(fit_intercept=False).fit(X, Y)
    else:
        X = X.astype(np.float32)
        model = Ridge().fit(X, Y[:, 1])
    path = tmp_path / "model.skm"
    skaccel.save(model, path)
    return model, X, path


@pytest.mark.parametrize("flags", [[], ["--no-mmap"], ["--threads", "1"]])
def test_npy_predictions_are_bit_identical(saved, tmp_path, flags):
    model, X, path = saved
    np.save(tmp_path / "X.npy", X)
    code, log = run(path, tmp_path / "X.npy", "-o", tmp_path / "y.npy", *flags)
    assert code == 0, log
    expected = model.predict(X)
    got = np.load(tmp_path / "y.npy")
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_csv_round_trip_is_exact(saved, tmp_path):
    model, X, path = saved
    np.savetxt(tmp_path / "X.csv", X, delimiter=",", fmt="%.17g")
    code, log = run(path, tmp_path / "X.csv", "-o", tmp_path / "y.csv")
    assert code == 0, log
    got = np.loadtxt(tmp_path / "y.csv", delimiter=",", dtype=X.dtype, ndmin=2)
    expected = model.predict(X).reshape(len(X), -1)
    np.testing.assert_array_equal(got.reshape(expected.shape), expected)


def test_clear_errors(saved, tmp_path):
    model, X, path = saved
    np.save(tmp_path / "narrow.npy", X[:, :3])
    code, log = run(path, tmp_path / "narrow.npy", "-o", tmp_path / "y.npy")
    assert code == 1 and "feature" in log
    damaged = tmp_path / "damaged.skm"
    damaged.write_bytes(path.read_bytes()[:-7])
    np.save(tmp_path / "X.npy", X)
    code, log = run(damaged, tmp_path / "X.npy", "-o", tmp_path / "y.npy")
    assert code == 1 and "model file" in log

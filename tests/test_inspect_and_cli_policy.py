"""`skaccel inspect` never vouches for a pickle that runs code and never shows a
traceback; skaccel-predict applies the same version policy as Python's loaders."""

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from test_cpp_predict import CLI

import skaccel
from skaccel import _core
from skaccel._inspect import inspect
from skaccel.linear_model import Ridge


@pytest.fixture
def model():
    X = np.random.default_rng(0).standard_normal((40, 3))
    return Ridge().fit(X, X @ [1.0, 2.0, 3.0])


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_skaccel_pickle_with_a_reducer_in_its_state_is_unsafe(model, tmp_path):
    marker = tmp_path / "pwned"
    model.__dict__["extra"] = _RunsCode(marker)  # hides in the state of a real model
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(model))
    del model.__dict__["extra"]
    report = inspect(path)
    assert not marker.exists()
    assert report["loads"] is False
    assert any("posix.system" in g or "os.system" in g for g in report["unsafe_globals"])
    assert "run code" in report["problems"][0]


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_a_plain_skaccel_pickle_loads(model, tmp_path, protocol):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(model, protocol=protocol))
    report = inspect(path)
    assert report["loads"] is True, report["problems"]
    assert "unsafe_globals" not in report


def test_a_pickle_of_another_class_is_not_vouched_for(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps({"coef_": np.zeros(3)}))
    assert inspect(path)["loads"] is False
    path.write_bytes(pickle.dumps(_RunsCode(tmp_path / "x")))
    report = inspect(path)
    assert report["loads"] is False and not (tmp_path / "x").exists()


def test_garbage_is_a_report_never_a_traceback(model, tmp_path):
    garbage_dtype = pickle.dumps(model, protocol=2).replace(b"f8", b"zz")
    assert garbage_dtype != pickle.dumps(model, protocol=2)
    (tmp_path / "dtype.pkl").write_bytes(garbage_dtype)
    (tmp_path / "junk.pkl").write_bytes(b"\x80\x05garbage")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    for name in ("dtype.pkl", "junk.pkl", "dir", "missing", "fifo"):
        out = subprocess.run(
            [sys.executable, "-m", "skaccel", "inspect", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 1, (name, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr + out.stdout, name
        assert "loads here: no" in out.stdout, name


# --- skaccel-predict's version policy ------------------------------------------------------


def write_with_record(path, model, record):
    """A valid model file of ``model`` whose version record is ``record`` (raw JSON)."""
    _core.save_model_file(
        str(path),
        "Ridge",
        json.dumps({"alpha": 1.0}),
        record,
        json.dumps({"n_features_in_": 3, "solver_": "cholesky", "n_iter_": None}),
        "null",
        [
            ("coef_", "float64", np.ascontiguousarray(model.coef_)),
            ("intercept_", "float64", np.asarray(model.intercept_)),
        ],
    )


def good_record(**changes):
    record = dict(skaccel.version_record())
    record.update(changes)
    return json.dumps(record)


needs_cli = pytest.mark.skipif(CLI is None, reason="skaccel-predict not built (make test-cpp)")


def predict(path, tmp_path, X=None):
    np.save(tmp_path / "X.npy", np.ones((2, 3)) if X is None else X)
    return subprocess.run(
        [CLI, str(path), str(tmp_path / "X.npy"), "-o", str(tmp_path / "y.npy")],
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_cli
@pytest.mark.parametrize(
    "record, python_error",
    [
        ("{}", "lacks"),
        ('{"skaccel": "0.2.0"}', "lacks"),
        ("null", "no skaccel version record"),
        ("[1, 2]", "no skaccel version record"),
        (None, "invalid model-format version"),
    ],
)
def test_records_python_refuses_the_cli_refuses(model, tmp_path, record, python_error):
    if record is None:
        record = good_record(format_version="1.-1")
    path = tmp_path / "m.skm"
    write_with_record(path, model, record)
    with pytest.raises(skaccel.exceptions.CorruptModelError, match=python_error):
        skaccel.load(path)
    run = predict(path, tmp_path)
    assert run.returncode == 1, run.stderr
    assert "version record" in run.stderr or "format" in run.stderr


@needs_cli
def test_another_skaccel_version_warns_in_both(model, tmp_path):
    path = tmp_path / "m.skm"
    write_with_record(path, model, good_record(skaccel="0.0.1"))
    with pytest.warns(skaccel.exceptions.SkaccelVersionWarning, match="0.0.1"):
        skaccel.load(path)
    run = predict(path, tmp_path)
    assert run.returncode == 0
    assert "warning" in run.stderr and "0.0.1" in run.stderr


@needs_cli
def test_this_release_is_served_silently(model, tmp_path):
    path = tmp_path / "m.skm"
    skaccel.save(model, path)
    run = predict(path, tmp_path)
    assert run.returncode == 0 and run.stderr == ""


@needs_cli
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_input_is_an_error_as_in_python(model, tmp_path, bad):
    path = tmp_path / "m.skm"
    skaccel.save(model, path)
    X = np.ones((3, 3))
    X[1, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        model.predict(X)
    run = predict(path, tmp_path, X)
    assert run.returncode == 1 and "NaN or infinity" in run.stderr

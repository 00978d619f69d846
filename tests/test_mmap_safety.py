"""Memory-mapped models whose file changes under them: a clear error, never SIGBUS or
silently changed numbers; checksums verified by default; special files refused at once."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from model_examples import EXAMPLES

import skaccel
from skaccel._registry import MODEL_TYPES
from skaccel.exceptions import CorruptModelError

WITH_METHODS = [e for e in EXAMPLES if MODEL_TYPES[e.model_type].methods]


def first_method(model):
    return getattr(model, MODEL_TYPES[model._model_type].methods[0].name)


@pytest.fixture(params=WITH_METHODS, ids=str)
def mapped(request, tmp_path):
    model, X = request.param.make()
    path = tmp_path / "model.skm"
    skaccel.save(model, path)
    return skaccel.load(path, mmap=True), X, path


def test_a_truncated_file_is_reported_at_the_next_inference(mapped):
    model, X, path = mapped
    expected = first_method(model)(X)
    os.truncate(path, path.stat().st_size // 2)
    with pytest.raises(CorruptModelError, match="truncated or rewritten"):
        first_method(model)(X)
    assert expected is not None


def test_a_file_rewritten_in_place_is_reported_not_served(mapped):
    # `cp new.skm model.skm` rewrites the inode in place: same size, other numbers.
    model, X, path = mapped
    raw = bytearray(path.read_bytes())
    raw[-8:] = b"\x00" * 8
    with open(path, "r+b") as f:  # in place, as cp does
        f.write(raw)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    with pytest.raises(CorruptModelError, match="truncated or rewritten"):
        first_method(model)(X)


def test_a_file_replaced_by_rename_keeps_serving_the_loaded_model(mapped, tmp_path):
    # What skaccel.save does: the mapping keeps the old inode, whose numbers are intact.
    model, X, path = mapped
    before = first_method(model)(X)
    other = tmp_path / "other.skm"
    other.write_bytes(path.read_bytes())
    os.replace(other, path)
    np.testing.assert_array_equal(first_method(model)(X), before)


def test_a_refit_forgets_the_mapped_file(tmp_path):
    from skaccel.linear_model import Ridge

    X = np.random.default_rng(0).standard_normal((30, 3))
    skaccel.save(Ridge().fit(X, X @ [1.0, 2.0, 3.0]), tmp_path / "r.skm")
    model = skaccel.load(tmp_path / "r.skm", mmap=True)
    os.truncate(tmp_path / "r.skm", 10)
    model.fit(X, X @ [3.0, 2.0, 1.0])  # new arrays, in memory
    model.predict(X)


BUS_ERROR_SCRIPT = textwrap.dedent(
    """
    import os, sys, numpy as np, skaccel
    from skaccel import _core
    from skaccel.linear_model import LinearRegression
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4096))
    model = LinearRegression().fit(X, X @ rng.standard_normal(4096))
    skaccel.save(model, sys.argv[1])
    mapped = skaccel.load(sys.argv[1], mmap=True)
    os.truncate(sys.argv[1], 0)  # every page of the mapping is gone
    Xbig = np.broadcast_to(X[:1], (70000, 4096))
    try:
        # Straight to the core, past the fstat check: the kernel itself faults.
        _core.run_method("LinearRegression", "predict", mapped.__dict__, {}, Xbig, 2)
    except ValueError as exc:
        print("raised:", exc)
    print("alive")
    """
)


def test_a_bus_error_while_the_core_reads_a_mapping_raises(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", BUS_ERROR_SCRIPT, str(tmp_path / "m.skm")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "raised:" in out.stdout and "bus error" in out.stdout
    assert "alive" in out.stdout


def test_mapped_loads_verify_checksums_by_default(tmp_path):
    model, X = EXAMPLES[0].make()
    path = tmp_path / "m.skm"
    skaccel.save(model, path)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01  # a flipped bit in the last tensor
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptModelError, match="checksum"):
        skaccel.load(path, mmap=True)
    with pytest.raises(CorruptModelError, match="checksum"):
        skaccel.load(path)
    skaccel.load(path, mmap=True, verify=False)  # the explicit, O(1) opt-out


@pytest.mark.parametrize("what", ["fifo", "directory", "missing"])
def test_special_files_fail_at_once(tmp_path, what):
    path = tmp_path / "model.skm"
    if what == "fifo":
        os.mkfifo(path)
    elif what == "directory":
        path.mkdir()
    script = textwrap.dedent(
        f"""
        import skaccel
        from skaccel._inspect import inspect
        for mmap in (False, True):
            try:
                skaccel.load({str(path)!r}, mmap=mmap)
            except OSError as exc:
                print(type(exc).__name__, exc.filename)
        report = inspect({str(path)!r})
        print("inspect", report["loads"], report["problems"])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    expected = {"fifo": "OSError", "directory": "IsADirectoryError", "missing": "FileNotFoundError"}
    assert lines[0].startswith(expected[what]) and lines[1].startswith(expected[what])
    assert str(path) in lines[0]
    assert lines[2].startswith("inspect False")
    from test_cpp_predict import CLI

    if CLI is not None:
        np.save(tmp_path / "X.npy", np.zeros((1, 3)))
        run = subprocess.run(
            [CLI, str(path), str(tmp_path / "X.npy"), "-o", str(tmp_path / "y.npy")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 1 and "error" in run.stderr

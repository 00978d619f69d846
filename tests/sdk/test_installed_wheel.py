"""The wheel is a C++ SDK: after ``pip install`` of the built wheel into a fresh virtual
environment, ``skaccel-predict`` is on its PATH and a C++ program built with
``find_package(skaccel CONFIG)`` loads a model saved from Python and computes what Python
computes, bit for bit. Neither links libpython or a system libgomp.

Run by ``make test-sdk``, which builds the wheel and sets SKACCEL_WHEEL (skipped
otherwise: building and installing a wheel takes minutes).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

WHEEL = os.environ.get("SKACCEL_WHEEL")
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not WHEEL, reason="SKACCEL_WHEEL not set (make test-sdk)")


def run(*args, **kwargs):
    result = subprocess.run(list(map(str, args)), capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    run(sys.executable, "-m", "venv", env_dir)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", WHEEL)
    return env_dir


def env_python(venv):
    return venv / "bin" / "python"


def needed(path):
    out = run("readelf", "-d", path)
    return [line.split("[")[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def test_skaccel_predict_is_on_the_path_and_runs(venv):
    exe = shutil.which("skaccel-predict", path=str(venv / "bin"))
    assert exe is not None and Path(exe).parent == venv / "bin"
    assert "usage: skaccel-predict" in run(exe, "--help")
    assert Path(run(env_python(venv), "-m", "skaccel", "--predict-exe").strip()).exists()


def test_the_cli_and_the_library_link_no_python_and_no_libgomp(venv):
    lib_dir = Path(run(env_python(venv), "-m", "skaccel", "--lib-dir").strip())
    for binary in (venv / "bin" / "skaccel-predict", lib_dir / "libskaccel.so"):
        libs = needed(binary)
        assert not [x for x in libs if "python" in x or "gomp" in x or "omp" in x], (binary, libs)
        # Every dependency resolves from the installed environment alone.
        out = run("ldd", binary)
        assert "not found" not in out, out


def test_a_cpp_program_built_with_find_package_is_bit_identical(venv, tmp_path):
    python = env_python(venv)
    script = """
import sys, numpy as np, skaccel
from skaccel.linear_model import Ridge
from skaccel.decomposition import PCA
rng = np.random.default_rng(0)
X = rng.standard_normal((50, 4)) * [1, 2, 3, 4] + 10
Y = X @ rng.standard_normal((4, 2)) + 1
out = sys.argv[1]
skaccel.save(Ridge(alpha=0.5).fit(X, Y), out + "/ridge.skm")
skaccel.save(PCA(2, whiten=True).fit(X.astype(np.float32)), out + "/pca.skm")
np.save(out + "/X.npy", X)
np.save(out + "/ridge.npy", skaccel.load(out + "/ridge.skm").predict(X))
np.save(out + "/pca.npy", skaccel.load(out + "/pca.skm").transform(X.astype(np.float32)))
"""
    run(python, "-c", script, tmp_path)
    cmake_dir = run(python, "-m", "skaccel", "--cmake-dir").strip()
    cmake = shutil.which("cmake", path=str(Path(sys.executable).parent)) or "cmake"
    ninja = shutil.which("ninja", path=str(Path(sys.executable).parent))
    generator = ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}"] if ninja else []
    build = tmp_path / "build"
    run(
        cmake,
        "-S",
        ROOT / "examples" / "cpp",
        "-B",
        build,
        *generator,
        f"-Dskaccel_DIR={cmake_dir}",
    )
    run(cmake, "--build", build)
    example = build / "predict_example"
    # The program prints every digit (max_digits10): the values read back exactly.
    X = np.load(tmp_path / "X.npy")
    text = run(example, tmp_path / "ridge.skm", *map(repr, X[:5].ravel().tolist()))
    rows = [line.split("->")[1].strip(" []") for line in text.splitlines() if "->" in line]
    got = np.array([[float(v) for v in row.split(",")] for row in rows])
    expected = np.load(tmp_path / "ridge.npy")[:5]
    assert got.tobytes() == expected.tobytes()
    # skaccel-predict from the PATH, on every row, through .npy files.
    exe = venv / "bin" / "skaccel-predict"
    run(exe, tmp_path / "ridge.skm", tmp_path / "X.npy", "-o", tmp_path / "y.npy")
    assert np.load(tmp_path / "y.npy").tobytes() == np.load(tmp_path / "ridge.npy").tobytes()
    np.save(tmp_path / "X32.npy", X.astype(np.float32))
    run(exe, tmp_path / "pca.skm", tmp_path / "X32.npy", "-o", tmp_path / "z.npy")
    assert np.load(tmp_path / "z.npy").tobytes() == np.load(tmp_path / "pca.npy").tobytes()

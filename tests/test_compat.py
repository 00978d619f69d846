"""Golden files of every release keep loading and computing (docs/model-format.md).

The files were written on another machine (another CPU, maybe another BLAS kernel), so
outputs are compared within documented roundoff, not bit for bit: bit-identity is only
promised for round trips on one machine (tests/test_model_types.py). Run these under
several ``OPENBLAS_CORETYPE`` values (``make test-other-cpus``) to play other CPUs.
"""

import copyreg
import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import skaccel
from skaccel._registry import MODEL_TYPES
from skaccel.exceptions import IncompatibleModelError, SkaccelVersionWarning

ROOT = Path(__file__).parent / "data" / "compat"
VERSIONS = sorted(p.name for p in ROOT.iterdir() if p.is_dir())


def read_cases(version):
    """Every case of a release as {"name", "model_type", "X", "methods": {method: {output:
    file}}}, whichever manifest layout the release wrote."""
    manifest = json.loads((ROOT / version / "manifest.json").read_text())
    cases = []
    for case in manifest["cases"]:
        if isinstance(case, str):  # layout 1 (0.1.0): predict of a linear model
            model_type = case.split("_")[0]
            cases.append(
                {
                    "name": case,
                    "model_type": model_type,
                    "X": f"{case}_X.npy",
                    "methods": {"predict": {"y": f"{case}_expected.npy"}},
                }
            )
        else:
            cases.append(case)
    return cases


CASES = [(version, case) for version in VERSIONS for case in read_cases(version)]


def case_id(value):
    return value["name"] if isinstance(value, dict) else str(value)


# Roundoff allowed between machines, relative to the largest |output| of a case.
TOLERANCE = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-10}


def assert_close(got, expected):
    if got.dtype == object:  # str labels of object classes_: recorded as NumPy's <U
        got = got.astype(str)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if expected.dtype.kind != "f":
        np.testing.assert_array_equal(got, expected)
        return
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1.0)
    tol = TOLERANCE[expected.dtype]
    assert_allclose(got, expected, rtol=tol, atol=tol * scale)


def load_quietly(loader):
    with warnings.catch_warnings():
        # Files of another release warn by design; that is tested below.
        warnings.simplefilter("ignore", SkaccelVersionWarning)
        return loader()


def load(folder, case, how):
    name = case["name"]
    if how == "pickle":
        with open(folder / f"{name}.pkl", "rb") as f:
            return load_quietly(lambda: pickle.load(f))
    return load_quietly(lambda: skaccel.load(folder / f"{name}.skm", mmap=how == "file-mmap"))


def test_current_release_has_golden_files_for_every_model_type():
    manifest = ROOT / skaccel.__version__ / "manifest.json"
    assert manifest.exists(), "run `make golden`"
    covered = {case["model_type"] for case in read_cases(skaccel.__version__)}
    missing = sorted(set(MODEL_TYPES) - covered)
    assert not missing, f"no golden file of {missing} in {manifest.parent}: run `make golden`"


@pytest.mark.parametrize("version, case", CASES, ids=case_id)
def test_every_golden_file_of_a_case_exists(version, case):
    folder = ROOT / version
    names = [f"{case['name']}.pkl", f"{case['name']}.skm"]
    if case["methods"]:
        names.append(case["X"])
        names += [f for outputs in case["methods"].values() for f in outputs.values()]
    missing = [n for n in names if not (folder / n).exists()]
    assert not missing, f"golden files missing in {folder}: {missing}"


@pytest.mark.parametrize("version, case", CASES, ids=case_id)
@pytest.mark.parametrize("how", ["pickle", "file", "file-mmap"])
def test_golden_files_compute_as_recorded(version, case, how):
    folder = ROOT / version
    model = load(folder, case, how)
    assert type(model)._model_type == case["model_type"]
    if not case["methods"]:
        # A model of statistics: its file and its pickle hold the same fitted state.
        reference = load(folder, case, "pickle")
        for name in MODEL_TYPES[case["model_type"]].field_names & set(vars(reference)):
            a, b = getattr(model, name), getattr(reference, name)
            if isinstance(b, np.ndarray) and b.dtype.kind == "f":
                assert_close(np.asarray(a), b)
            elif isinstance(b, np.ndarray):
                np.testing.assert_array_equal(a, b)
            else:
                assert a == b or (a != a and b != b), name
        return
    X = np.load(folder / case["X"])
    for method, outputs in case["methods"].items():
        result = getattr(model, method)(X)
        results = result if isinstance(result, tuple) else (result,)
        for value, file in zip(results, outputs.values(), strict=True):
            assert_close(np.asarray(value), np.load(folder / file))


@pytest.mark.parametrize("version, case", CASES, ids=case_id)
def test_files_of_other_releases_warn_and_of_this_release_do_not(version, case):
    path = ROOT / version / f"{case['name']}.skm"
    if version == skaccel.__version__:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            skaccel.load(path)
    else:
        with pytest.warns(SkaccelVersionWarning, match=version):
            skaccel.load(path)


class _Claiming:
    """Pickles as ``cls`` with a state whose record claims another format."""

    def __init__(self, cls, state):
        self.cls, self.state = cls, state

    def __reduce__(self):
        return copyreg._reconstructor, (self.cls, object, None), self.state


@pytest.mark.parametrize("claimed", ["1.99", "2.0", "0.1"])
@pytest.mark.parametrize("version, case", CASES[:2], ids=case_id)
def test_newer_minor_or_other_major_is_rejected(tmp_path, version, case, claimed):
    folder = ROOT / version
    model = load(folder, case, "pickle")
    state = model.__getstate__()
    state["_skaccel_record"]["format_version"] = claimed
    payload = pickle.dumps(_Claiming(type(model), state))
    with pytest.raises(IncompatibleModelError, match=claimed.replace(".", r"\.")):
        pickle.loads(payload)

    raw = bytearray((folder / f"{case['name']}.skm").read_bytes())
    major, minor = (int(v) for v in claimed.split("."))
    raw[8:10], raw[10:12] = major.to_bytes(2, "little"), minor.to_bytes(2, "little")
    (tmp_path / "claiming.skm").write_bytes(bytes(raw))
    with pytest.raises(IncompatibleModelError, match=claimed.replace(".", r"\.")):
        skaccel.load(tmp_path / "claiming.skm")

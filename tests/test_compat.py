"""Golden files of every release keep loading and predicting (docs/model-format.md)."""

import copyreg
import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import skaccel
from skaccel.exceptions import IncompatibleModelError, SkaccelVersionWarning

ROOT = Path(__file__).parent / "data" / "compat"
CASES = [
    (version_dir.name, name)
    for version_dir in sorted(p for p in ROOT.iterdir() if p.is_dir())
    for name in json.loads((version_dir / "manifest.json").read_text())["cases"]
]


def test_current_release_has_golden_files():
    assert (ROOT / skaccel.__version__ / "manifest.json").exists(), "run `make golden`"


def load_quietly(loader):
    with warnings.catch_warnings():
        # Files of another release warn by design; that is tested below.
        warnings.simplefilter("ignore", SkaccelVersionWarning)
        return loader()


@pytest.mark.parametrize("version, name", CASES)
@pytest.mark.parametrize("how", ["pickle", "file", "file-mmap"])
def test_golden_files_predict_as_recorded(version, name, how):
    folder = ROOT / version
    X = np.load(folder / f"{name}_X.npy")
    expected = np.load(folder / f"{name}_expected.npy")
    if how == "pickle":
        with open(folder / f"{name}.pkl", "rb") as f:
            model = load_quietly(lambda: pickle.load(f))
    else:
        model = load_quietly(lambda: skaccel.load(folder / f"{name}.skm", mmap=how == "file-mmap"))
    predicted = model.predict(X)
    assert predicted.dtype == expected.dtype and predicted.shape == expected.shape
    rtol = 1e-6 if expected.dtype == np.float32 else 1e-12
    assert_allclose(predicted, expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("version, name", CASES)
def test_files_of_other_releases_warn_and_of_this_release_do_not(version, name):
    path = ROOT / version / f"{name}.skm"
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
@pytest.mark.parametrize("version, name", CASES[:2])
def test_newer_minor_or_other_major_is_rejected(tmp_path, version, name, claimed):
    folder = ROOT / version
    with open(folder / f"{name}.pkl", "rb") as f:
        model = load_quietly(lambda: pickle.load(f))
    state = model.__getstate__()
    state["_skaccel_record"]["format_version"] = claimed
    payload = pickle.dumps(_Claiming(type(model), state))
    with pytest.raises(IncompatibleModelError, match=claimed.replace(".", r"\.")):
        pickle.loads(payload)

    raw = bytearray((folder / f"{name}.skm").read_bytes())
    major, minor = (int(v) for v in claimed.split("."))
    raw[8:10], raw[10:12] = major.to_bytes(2, "little"), minor.to_bytes(2, "little")
    (tmp_path / "claiming.skm").write_bytes(bytes(raw))
    with pytest.raises(IncompatibleModelError, match=claimed.replace(".", r"\.")):
        skaccel.load(tmp_path / "claiming.skm")

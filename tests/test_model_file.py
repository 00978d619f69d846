"""The safe model file: round trips, memory mapping, the version policy, hostile bytes."""

import json
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import skaccel
from skaccel import _core
from skaccel._inspect import inspect
from skaccel.exceptions import CorruptModelError, IncompatibleModelError, SkaccelVersionWarning
from skaccel.linear_model import LinearRegression, Ridge

PREFIX = 24


def plain(params):
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in params.items()}


@pytest.fixture(params=["lr-weighted", "ridge-multi", "lr-f32-nointercept"])
def fitted(request, regression_data):
    X, Y, w = regression_data
    if request.param == "lr-weighted":
        return LinearRegression().fit(X, Y[:, 0], sample_weight=w), X
    if request.param == "ridge-multi":
        return Ridge(alpha=np.array([1.0, 2.0, 3.0])).fit(X, Y), X
    X32 = X.astype(np.float32)
    return LinearRegression(fit_intercept=False).fit(X32, Y), X32


@pytest.fixture
def model_and_path(fitted, tmp_path):
    model, X = fitted
    path = tmp_path / "model.skm"
    skaccel.save(model, path)
    return model, X, path


@pytest.mark.parametrize("mmap", [False, True])
@pytest.mark.parametrize("verify", [None, True, False])
def test_round_trip_is_bit_identical(model_and_path, mmap, verify):
    model, X, path = model_and_path
    loaded = skaccel.load(path, mmap=mmap, verify=verify)
    assert type(loaded) is type(model)
    assert plain(loaded.get_params()) == plain(model.get_params())
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    assert type(loaded.intercept_) is type(model.intercept_)
    assert loaded.n_features_in_ == model.n_features_in_
    for attr in ("rank_", "singular_", "solver_", "n_iter_"):
        if hasattr(model, attr):
            np.testing.assert_array_equal(getattr(loaded, attr), getattr(model, attr))


def test_mmap_arrays_are_read_only_views_of_the_file(model_and_path):
    model, _, path = model_and_path
    loaded = skaccel.load(path, mmap=True)
    assert not loaded.coef_.flags.writeable
    assert not loaded.coef_.flags.owndata
    assert loaded.coef_.ctypes.data % 64 == 0
    # The array's memory is a mapping of the file itself (no copy).
    address = loaded.coef_.ctypes.data
    mapped_from = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(v, 16) for v in fields[0].split("-"))
            if start <= address < end and len(fields) >= 6:
                mapped_from = fields[5]
    assert mapped_from == str(path.resolve())


def test_tensors_are_aligned_and_header_is_json(model_and_path):
    _, _, path = model_and_path
    raw = path.read_bytes()
    assert raw[:8] == b"\x89SKM\r\n\x1a\n"
    length = int.from_bytes(raw[16:24], "little")
    header = json.loads(raw[PREFIX : PREFIX + length])
    assert header["file_size"] == len(raw)
    for t in header["tensors"]:
        assert t["offset"] % 64 == 0
        assert _core.crc32c(raw[t["offset"] : t["offset"] + t["nbytes"]]) == t["crc32c"]


def test_feature_names_survive(regression_data, tmp_path):
    pd = pytest.importorskip("pandas")
    X, Y, _ = regression_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = Ridge().fit(frame, Y[:, 0])
    skaccel.save(model, tmp_path / "m.skm")
    loaded = skaccel.load(tmp_path / "m.skm")
    np.testing.assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)


def test_save_refuses_what_it_cannot_hold(regression_data, tmp_path):
    X, Y, _ = regression_data
    with pytest.raises(NotFittedError):
        skaccel.save(Ridge(), tmp_path / "m.skm")
    from sklearn.linear_model import Ridge as SklearnRidge

    with pytest.raises(TypeError, match="not a skaccel model type"):
        skaccel.save(SklearnRidge().fit(X, Y), tmp_path / "m.skm")
    model = Ridge(random_state=np.random.RandomState(0)).fit(X, Y)
    with pytest.raises(ValueError, match="random_state"):
        skaccel.save(model, tmp_path / "m.skm")
    assert not list(tmp_path.iterdir())  # nothing half-written


def rewrite_header(path, change):
    """Apply change(header_dict) and store the header in the same space, with a fresh
    checksum, so that the content (not the checksum) is what the reader judges."""
    raw = bytearray(path.read_bytes())
    length = int.from_bytes(raw[16:24], "little")
    header = json.loads(raw[PREFIX : PREFIX + length])
    change(header)
    text = json.dumps(header, separators=(",", ":")).encode()
    assert len(text) <= length, "the edited header must fit the reserved space"
    text = text.ljust(length)
    raw[PREFIX : PREFIX + length] = text
    raw[12:16] = _core.crc32c(bytes(text)).to_bytes(4, "little")
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("version", [(2, 0), (0, 1), (1, 99)])
def test_other_major_or_newer_minor_is_rejected(model_and_path, version):
    _, _, path = model_and_path
    raw = bytearray(path.read_bytes())
    raw[8:10] = version[0].to_bytes(2, "little")
    raw[10:12] = version[1].to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(IncompatibleModelError) as info:
        skaccel.load(path)
    assert info.value.saved_format == f"{version[0]}.{version[1]}"
    assert f"{version[0]}.{version[1]}" in str(info.value) and "1.0" in str(info.value)
    assert inspect(path)["loads"] is False


def test_version_warnings_and_missing_parameters(model_and_path):
    model, X, path = model_and_path

    def change(header):
        header["record"]["sklearn"] = "1.5.0"
        del header["params"]["positive"]

    rewrite_header(path, change)
    with pytest.warns(SkaccelVersionWarning, match="scikit-learn 1.5.0"):
        loaded = skaccel.load(path)
    assert loaded.positive is False
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    report = inspect(path)
    assert report["loads"] and "1.5.0" in report["warnings"][0]


HOSTILE_HEADERS = {
    "unknown estimator": lambda h: h.__setitem__("estimator", "os.system"),
    "absurd shape": lambda h: h["tensors"][0].__setitem__("shape", [2**40, 2**40]),
    "terabyte nbytes": lambda h: h["tensors"][0].update(nbytes=2**42),
    "offset past end": lambda h: h["tensors"][0].update(offset=2**50),
    "misaligned": lambda h: h["tensors"][0].update(offset=h["tensors"][0]["offset"] + 8),
    "overlap": lambda h: h["tensors"][-1].update(offset=h["tensors"][0]["offset"]),
    "dtype mismatch": lambda h: h["tensors"][0].update(dtype="int64"),
    "missing coef": lambda h: h.__setitem__("tensors", h["tensors"][1:]),
    "wrong n_features": lambda h: h["attributes"].update(n_features_in_=3),
    "file size": lambda h: h.update(file_size=h["file_size"] + 1),
    "not an object": lambda h: h.clear(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_HEADERS))
@pytest.mark.parametrize("mmap", [False, True])
def test_hostile_headers_raise_clear_errors(model_and_path, name, mmap):
    _, _, path = model_and_path
    rewrite_header(path, HOSTILE_HEADERS[name])
    with pytest.raises(CorruptModelError, match="skaccel model file|LinearRegression|Ridge"):
        skaccel.load(path, mmap=mmap)


def test_truncated_and_extended_files(model_and_path):
    _, _, path = model_and_path
    raw = path.read_bytes()
    for cut in sorted({0, 5, 8, 23, 24, 30, len(raw) // 2, len(raw) - 1}):
        path.write_bytes(raw[:cut])
        with pytest.raises(CorruptModelError):
            skaccel.load(path)
    path.write_bytes(raw + b"\0")
    with pytest.raises(CorruptModelError, match="file_size"):
        skaccel.load(path)


def test_wrong_magic_and_huge_header_length(model_and_path):
    _, _, path = model_and_path
    raw = bytearray(path.read_bytes())
    path.write_bytes(b"PK\x03\x04" + bytes(raw[4:]))
    with pytest.raises(CorruptModelError, match="magic"):
        skaccel.load(path)
    raw[16:24] = (2**40).to_bytes(8, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptModelError, match="header length"):
        skaccel.load(path)


def test_bit_flips_are_caught(model_and_path):
    _, _, path = model_and_path
    raw = path.read_bytes()
    length = int.from_bytes(raw[16:24], "little")
    tensors = json.loads(raw[PREFIX : PREFIX + length])["tensors"]
    rng = np.random.default_rng(0)
    positions = list(range(0, 24)) + list(rng.integers(PREFIX, PREFIX + length, 40))
    # Every tensor byte is covered by a checksum (the zero padding between is not
    # read at all, docs/model-format.md).
    in_data = [p for t in tensors for p in range(t["offset"], t["offset"] + t["nbytes"])]
    positions += list(rng.choice(in_data, 20))
    for pos in positions:
        damaged = bytearray(raw)
        damaged[pos] ^= 1 << int(rng.integers(8))
        path.write_bytes(bytes(damaged))
        with pytest.raises((CorruptModelError, IncompatibleModelError)):
            skaccel.load(path)  # a plain load verifies every checksum
        if pos >= tensors[0]["offset"]:
            with pytest.raises(CorruptModelError, match="checksum"):
                skaccel.load(path, mmap=True, verify=True)


def test_inspect_never_runs_pickled_code(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Evil()))
    report = inspect(path)
    assert not marker.exists()
    assert report["loads"] is False
    assert "not an estimator" in report["problems"][0] or "not a skaccel" in report["problems"][0]


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_inspect_pickle_reads_record_and_arrays(fitted, tmp_path, protocol):
    model, _ = fitted
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model, protocol=protocol))
    report = inspect(path)
    assert report["loads"] is True
    assert report["class"] == f"{type(model).__module__}.{type(model).__name__}"
    assert report["record"]["skaccel"] == skaccel.__version__
    coef = [a for a in report["attributes"] if a[0] == "coef_"][0]
    assert coef[2] == model.coef_.dtype.name and tuple(coef[3]) == model.coef_.shape
    state = model.__getstate__()
    state["_skaccel_record"] = {**state["_skaccel_record"], "format_version": "7.0"}
    path.write_bytes(pickle.dumps(_WithState(type(model), state)))
    report = inspect(path)
    assert report["loads"] is False and "7.0" in report["problems"][0]


class _WithState:
    """Pickles as an instance of ``cls`` with exactly ``state`` (a future writer)."""

    def __init__(self, cls, state):
        self.cls, self.state = cls, state

    def __reduce__(self):
        import copyreg

        return copyreg._reconstructor, (self.cls, object, None), self.state


def test_inspect_command_line(model_and_path, tmp_path):
    _, _, path = model_and_path
    ok = subprocess.run(
        [sys.executable, "-m", "skaccel", "inspect", str(path)], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "loads here: yes" in ok.stdout and "coef_" in ok.stdout
    bad = tmp_path / "bad.skm"
    bad.write_bytes(path.read_bytes()[:40])
    out = subprocess.run(
        [sys.executable, "-m", "skaccel", "inspect", str(bad), "--json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert json.loads(out.stdout)["loads"] is False


def test_mmap_load_is_constant_time_in_model_size(tmp_path):
    small = Ridge().fit(np.random.rand(20, 3), np.random.rand(20, 2))
    big = Ridge().fit(np.random.rand(20, 3), np.random.rand(20, 2))
    big.coef_ = np.random.rand(2000, 5000)  # 80 MB
    big.intercept_ = np.zeros(2000)
    big.n_features_in_ = 5000
    skaccel.save(small, tmp_path / "small.skm")
    skaccel.save(big, tmp_path / "big.skm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = skaccel.load(tmp_path / "big.skm", mmap=True)
    assert loaded.coef_.shape == (2000, 5000)
    np.testing.assert_array_equal(loaded.coef_[1234], big.coef_[1234])

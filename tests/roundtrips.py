"""Round trips every persistence test uses: pickle (every protocol, protocol 5 out of
band), joblib (in memory and memory-mapped), cloudpickle, deepcopy and model files."""

import copy
import io
import pickle

import cloudpickle
import joblib
import numpy as np

import skaccel

RECORD = "_skaccel_record"


def _pickle(protocol):
    return lambda m, _: pickle.loads(pickle.dumps(m, protocol=protocol))


def _pickle5_out_of_band(model, _):
    buffers = []
    payload = pickle.dumps(model, protocol=5, buffer_callback=buffers.append)
    return pickle.loads(payload, buffers=[b.raw() for b in buffers])


def _joblib_mmap(model, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    return joblib.load(path, mmap_mode="r")


def _joblib(model, _):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def _model_file(mmap):
    def round_trip(model, tmp_path):
        path = tmp_path / "model.skm"
        skaccel.save(model, path)
        return skaccel.load(path, mmap=mmap)

    return round_trip


ROUND_TRIPS = {
    **{f"pickle-{p}": _pickle(p) for p in range(pickle.HIGHEST_PROTOCOL + 1)},
    "pickle-5-out-of-band": _pickle5_out_of_band,
    "joblib": _joblib,
    "joblib-mmap": _joblib_mmap,
    "cloudpickle": lambda m, _: cloudpickle.loads(cloudpickle.dumps(m)),
    "deepcopy": lambda m, _: copy.deepcopy(m),
    "model-file": _model_file(False),
    "model-file-mmap": _model_file(True),
}
PICKLE_ONLY = [k for k in ROUND_TRIPS if not k.startswith("model-file")]


def assert_identical(a, b):
    """Same class, parameters and fitted state, bit for bit."""
    assert type(a) is type(b)
    assert a.get_params() == b.get_params()
    keys = {k for k in vars(a) if k.endswith("_") or k.startswith("_")} - {RECORD}
    assert keys == {k for k in vars(b) if k.endswith("_") or k.startswith("_")} - {RECORD}
    for key in keys:
        x, y = getattr(a, key), getattr(b, key)
        if isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray) and x.dtype == y.dtype and x.shape == y.shape, key
            if x.dtype == object:  # str labels: the values (the bytes are pointers)
                assert x.tolist() == y.tolist(), key
                continue
            assert np.ascontiguousarray(x).tobytes() == np.ascontiguousarray(y).tobytes(), key
        else:
            assert type(x) is type(y) and x == y, key

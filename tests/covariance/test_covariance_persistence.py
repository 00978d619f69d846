"""Persistence of the covariance estimators: pickle (every protocol), joblib (mmap),
cloudpickle, deepcopy and model files keep them bit-identical, also in mid-stream."""

import copy
import pickle

import numpy as np
import pytest
from roundtrips import PICKLE_ONLY, RECORD, ROUND_TRIPS, assert_identical

import skaccel
from skaccel.covariance import EmpiricalCovariance, IncrementalEmpiricalCovariance
from skaccel.exceptions import CorruptModelError


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((240, 5)) @ rng.standard_normal((5, 5)) + 4.0


FITTED = {
    "EmpiricalCovariance": lambda X: EmpiricalCovariance().fit(X),
    "EmpiricalCovariance-float32-centered": lambda X: EmpiricalCovariance(assume_centered=True).fit(
        X.astype(np.float32)
    ),
    "EmpiricalCovariance-no-precision": lambda X: EmpiricalCovariance(store_precision=False).fit(X),
    "Incremental": lambda X: IncrementalEmpiricalCovariance(batch_size=31).fit(X),
    "Incremental-float32-precision": lambda X: IncrementalEmpiricalCovariance(
        store_precision=True
    ).fit(X.astype(np.float32)),
    "Incremental-centered": lambda X: IncrementalEmpiricalCovariance(assume_centered=True).fit(X),
}


@pytest.mark.parametrize("trip", list(ROUND_TRIPS))
@pytest.mark.parametrize("kind", list(FITTED))
def test_fitted_round_trip(data, tmp_path, kind, trip):
    model = FITTED[kind](data)
    loaded = ROUND_TRIPS[trip](model, tmp_path)
    assert_identical(model, loaded)
    X = data[:30].astype(model.location_.dtype)
    np.testing.assert_array_equal(loaded.mahalanobis(X), model.mahalanobis(X))
    assert loaded.score(X) == model.score(X)


@pytest.mark.parametrize("trip", PICKLE_ONLY)
@pytest.mark.parametrize("cls", [EmpiricalCovariance, IncrementalEmpiricalCovariance])
def test_pickle_before_any_data(data, tmp_path, cls, trip):
    loaded = ROUND_TRIPS[trip](cls(store_precision=True), tmp_path)
    assert_identical(loaded.fit(data), cls(store_precision=True).fit(data))


@pytest.mark.parametrize("trip", list(ROUND_TRIPS))
@pytest.mark.parametrize("assume_centered", [False, True])
def test_resume_stream(data, tmp_path, trip, assume_centered):
    """Pickled in the middle of a partial_fit stream, and after it: continuing gives the
    model an uninterrupted stream gives, bit for bit."""
    batches = np.array_split(data, 6)
    params = {"assume_centered": assume_centered, "store_precision": True}
    uninterrupted = IncrementalEmpiricalCovariance(**params)
    for batch in batches:
        uninterrupted.partial_fit(batch)

    model = IncrementalEmpiricalCovariance(**params)
    for batch in batches[:3]:
        model.partial_fit(batch)
    model = ROUND_TRIPS[trip](model, tmp_path)
    for batch in batches[3:]:
        model.partial_fit(batch)
    assert_identical(model, uninterrupted)

    # After the stream (and after fit), the loaded model keeps taking batches.
    more = data[:17] * 2.0
    assert_identical(
        ROUND_TRIPS[trip](uninterrupted, tmp_path).partial_fit(more),
        copy.deepcopy(uninterrupted).partial_fit(more),
    )
    fitted = IncrementalEmpiricalCovariance(batch_size=50, **params).fit(data)
    assert_identical(
        ROUND_TRIPS[trip](fitted, tmp_path).partial_fit(more),
        copy.deepcopy(fitted).partial_fit(more),
    )


def test_pickles_record_versions_and_protocol5_is_out_of_band(data):
    model = IncrementalEmpiricalCovariance().fit(np.tile(data, (1, 20)))  # p = 100
    assert model.__getstate__()[RECORD] == skaccel.version_record()
    buffers = []
    payload = pickle.dumps(model, protocol=5, buffer_callback=buffers.append)
    assert len(payload) < model._gram.nbytes  # the p×p arrays travel out of band


@pytest.mark.parametrize("cls", [EmpiricalCovariance, IncrementalEmpiricalCovariance])
def test_damaged_state_is_refused(data, cls):
    model = cls().fit(data)
    state = model.__getstate__()
    for damage in (
        {"covariance_": np.zeros((4, 4))},
        {"location_": np.zeros(5, dtype=np.int64)},
        {"covariance_": model.covariance_.astype(np.float32)},
    ):
        broken = cls.__new__(cls)
        with pytest.raises(CorruptModelError):
            broken.__setstate__({**state, **damage})
    if cls is IncrementalEmpiricalCovariance:
        for damage in ({"_gram": np.zeros((5, 4))}, {"_x_mean": np.zeros(6)}):
            with pytest.raises(CorruptModelError):
                cls.__new__(cls).__setstate__({**state, **damage})
        missing = dict(state)
        del missing["_weight_sum"]
        with pytest.raises(CorruptModelError, match="_weight_sum"):
            cls.__new__(cls).__setstate__(missing)


@pytest.mark.parametrize("cls", [EmpiricalCovariance, IncrementalEmpiricalCovariance])
def test_inspect_reads_model_files_and_pickles(data, tmp_path, cls):
    from skaccel._inspect import inspect

    model = cls().fit(data)
    skaccel.save(model, tmp_path / "m.skm")
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(model))
    report = inspect(tmp_path / "m.skm")
    assert report["class"] == f"skaccel.covariance.{cls.__name__}", report
    assert report["loads"], report
    report = inspect(tmp_path / "m.pkl")  # a pickle names the defining module
    assert report["class"] == f"{cls.__module__}.{cls.__name__}", report
    assert report["loads"], report

"""Persistence of the basic-statistics estimators: pickle (every protocol), joblib (mmap),
cloudpickle, deepcopy and model files keep them bit-identical, also in mid-stream."""

import copy
import pickle

import numpy as np
import pytest
from roundtrips import PICKLE_ONLY, RECORD, ROUND_TRIPS, assert_identical

import skaccel
from skaccel.basic_statistics import BasicStatistics, IncrementalBasicStatistics
from skaccel.exceptions import CorruptModelError


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 5)) * rng.uniform(0.5, 3, 5) + rng.uniform(-5, 5, 5)
    return X, rng.uniform(0.0, 2.0, 240)


FITTED = {
    "BasicStatistics": lambda X, w: BasicStatistics().fit(X),
    "BasicStatistics-weighted-subset": lambda X, w: BasicStatistics(
        result_options=["mean", "variance", "max"]
    ).fit(X, sample_weight=w),
    "BasicStatistics-float32-one": lambda X, w: BasicStatistics(result_options="min").fit(
        X.astype(np.float32)
    ),
    "Incremental": lambda X, w: IncrementalBasicStatistics(batch_size=31).fit(X, sample_weight=w),
    "Incremental-float32-subset": lambda X, w: IncrementalBasicStatistics(
        result_options=["sum", "standard_deviation"]
    ).fit(X.astype(np.float32)),
}


@pytest.mark.parametrize("trip", list(ROUND_TRIPS))
@pytest.mark.parametrize("kind", list(FITTED))
def test_fitted_round_trip(data, tmp_path, kind, trip):
    model = FITTED[kind](*data)
    assert_identical(model, ROUND_TRIPS[trip](model, tmp_path))


@pytest.mark.parametrize("trip", PICKLE_ONLY)
@pytest.mark.parametrize("cls", [BasicStatistics, IncrementalBasicStatistics])
def test_pickle_before_any_data(data, tmp_path, cls, trip):
    X, w = data
    loaded = ROUND_TRIPS[trip](cls(result_options=["mean", "min"]), tmp_path)
    assert_identical(
        loaded.fit(X, sample_weight=w), cls(result_options=["mean", "min"]).fit(X, sample_weight=w)
    )


@pytest.mark.parametrize("trip", list(ROUND_TRIPS))
@pytest.mark.parametrize("options", ["all", ["max"]])
def test_resume_stream(data, tmp_path, trip, options):
    """Pickled in the middle of a partial_fit stream, and after it: continuing gives the
    model an uninterrupted stream gives, bit for bit (all moments are kept whatever
    result_options asks for)."""
    X, w = data
    batches = list(zip(np.array_split(X, 6), np.array_split(w, 6), strict=True))
    uninterrupted = IncrementalBasicStatistics(result_options=options)
    for Xb, wb in batches:
        uninterrupted.partial_fit(Xb, sample_weight=wb)

    model = IncrementalBasicStatistics(result_options=options)
    for Xb, wb in batches[:3]:
        model.partial_fit(Xb, sample_weight=wb)
    model = ROUND_TRIPS[trip](model, tmp_path)
    for Xb, wb in batches[3:]:
        model.partial_fit(Xb, sample_weight=wb)
    assert_identical(model, uninterrupted)

    more = X[:17] * 2.0
    assert_identical(
        ROUND_TRIPS[trip](uninterrupted, tmp_path).partial_fit(more),
        copy.deepcopy(uninterrupted).partial_fit(more),
    )
    fitted = IncrementalBasicStatistics(result_options=options, batch_size=50).fit(X)
    assert_identical(
        ROUND_TRIPS[trip](fitted, tmp_path).partial_fit(more),
        copy.deepcopy(fitted).partial_fit(more),
    )


def test_pickles_record_versions(data):
    model = IncrementalBasicStatistics().fit(data[0])
    assert model.__getstate__()[RECORD] == skaccel.version_record()


@pytest.mark.parametrize("cls", [BasicStatistics, IncrementalBasicStatistics])
def test_damaged_state_is_refused(data, cls):
    model = cls().fit(data[0])
    state = model.__getstate__()
    for damage in (
        {"mean_": np.zeros(4)},
        {"mean_": model.mean_.astype(np.float32)},  # one float dtype per model
        {"max_": np.zeros((5, 1))},
        {"n_features_in_": 4},
    ):
        with pytest.raises(CorruptModelError):
            cls.__new__(cls).__setstate__({**state, **damage})
    if cls is IncrementalBasicStatistics:
        for damage in ({"_m2": np.zeros(6)}, {"_min": np.zeros(5, dtype=np.float32)}):
            with pytest.raises(CorruptModelError):
                cls.__new__(cls).__setstate__({**state, **damage})
        missing = dict(state)
        del missing["_max"]
        with pytest.raises(CorruptModelError, match="_max"):
            cls.__new__(cls).__setstate__(missing)


@pytest.mark.parametrize("cls", [BasicStatistics, IncrementalBasicStatistics])
def test_inspect_reads_model_files_and_pickles(data, tmp_path, cls):
    from skaccel._inspect import inspect

    model = cls(result_options=["mean", "max"]).fit(data[0])
    skaccel.save(model, tmp_path / "m.skm")
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(model))
    report = inspect(tmp_path / "m.skm")
    assert report["class"] == f"skaccel.basic_statistics.{cls.__name__}", report
    assert report["loads"], report
    report = inspect(tmp_path / "m.pkl")  # a pickle names the defining module
    assert report["class"] == f"{cls.__module__}.{cls.__name__}", report
    assert report["loads"], report

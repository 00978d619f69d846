"""IncrementalPCA: exact (equal to batch PCA on all data seen), scikit-learn's interface
and errors, and streams that survive pickling mid-way."""

import copy
import logging
import pickle

import cloudpickle
import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.decomposition as sk
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils import gen_batches

import skaccel
import skaccel.decomposition as sa
from skaccel.exceptions import CorruptModelError

ARRAYS = (
    "components_",
    "explained_variance_",
    "explained_variance_ratio_",
    "singular_values_",
    "mean_",
)
MOMENTS = ("n_samples_seen_", "_weight_sum", "_x_mean", "_gram")


def stream(model, X, size):
    for rows in gen_batches(len(X), size):
        model.partial_fit(X[rows])
    return model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_components", [None, 1, 4, 10])
@pytest.mark.parametrize("batch_size", [13, 50, 400])
@pytest.mark.parametrize("whiten", [False, True])
def test_stream_equals_batch_pca_covariance_eigh(pca_data, dtype, n_components, batch_size, whiten):
    X = pca_data.astype(dtype)
    model = stream(sa.IncrementalPCA(n_components, whiten=whiten), X, batch_size)
    reference = sa.PCA(
        n_components or min(batch_size, X.shape[1]), whiten=whiten, svd_solver="covariance_eigh"
    ).fit(X.astype(np.float64))
    # float32 X: the core accumulates each block's products in float32 (sums in float64).
    tol = {"rtol": 2e-3, "atol": 2e-4} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    for name in ARRAYS + ("noise_variance_",):
        assert_allclose(getattr(model, name), getattr(reference, name), **tol, err_msg=name)
    # Always float64 (scikit-learn's IncrementalPCA upcasts too, from the second batch).
    for name in ARRAYS + ("var_",):
        assert getattr(model, name).dtype == np.float64
    assert model.n_components_ == reference.n_components_
    assert model.n_samples_seen_ == len(X) and type(model.n_samples_seen_) is int
    assert_allclose(model.var_, X.astype(np.float64).var(axis=0), rtol=tol["rtol"])
    X_new = X[:40].astype(np.float64) * 1.5
    a, b = model.transform(X_new), reference.transform(X_new)
    assert_allclose(a, b, rtol=tol["rtol"] * 10, atol=tol["rtol"] * 10 * np.abs(b).max())
    Z = reference.transform(X_new)
    b = reference.inverse_transform(Z)
    assert_allclose(
        model.inverse_transform(Z), b, rtol=tol["rtol"], atol=tol["rtol"] * np.abs(b).max()
    )


def test_result_does_not_depend_on_the_batch_size(pca_data):
    fits = [sa.IncrementalPCA(5, batch_size=b).fit(pca_data) for b in (7, 40, 100, 400)]
    for other in fits[1:]:
        for name in ARRAYS:
            assert_allclose(getattr(other, name), getattr(fits[0], name), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_components", [None, 3])
def test_close_to_sklearn_and_same_interface(pca_data, dtype, n_components):
    X = pca_data.astype(dtype)
    ours = sa.IncrementalPCA(n_components, batch_size=60).fit(X)
    theirs = sk.IncrementalPCA(n_components, batch_size=60).fit(X)
    for name in ARRAYS + ("var_", "noise_variance_"):
        a, b = getattr(ours, name), getattr(theirs, name)
        assert np.shape(a) == np.shape(b), name
        assert type(a) is type(b), name
        if name == "noise_variance_" and n_components is not None:
            # Once truncating, scikit-learn estimates it from the discarded part of the
            # last update's SVD only (here 0.106 against PCA's 1.048 on all the data).
            continue
        # scikit-learn's incremental SVD is exact up to rounding while it keeps every
        # component, an approximation once it truncates between batches.
        tol = {"rtol": 1e-3, "atol": 1e-5} if n_components is None else {"rtol": 2e-2, "atol": 2e-2}
        assert_allclose(a, b, **tol, err_msg=name)
    assert_array_equal(np.sign(ours.components_), np.sign(theirs.components_))
    for name in ("n_components_", "batch_size_", "n_features_in_"):
        assert getattr(ours, name) == getattr(theirs, name)
        assert type(getattr(ours, name)) is type(getattr(theirs, name))
    # scikit-learn counts in a float; the declared state is an int of the same value.
    assert ours.n_samples_seen_ == theirs.n_samples_seen_ == len(X)
    assert sorted(k for k in vars(ours) if k.endswith("_") and not k.startswith("_")) == sorted(
        k for k in vars(theirs) if k.endswith("_") and not k.startswith("_")
    )


def test_fit_is_the_stream_of_its_batches_bit_for_bit(pca_data):
    fitted = sa.IncrementalPCA(4, batch_size=64).fit(pca_data)
    streamed = stream(sa.IncrementalPCA(4), pca_data, 64)
    assert fitted.batch_size_ == 64
    for name in ARRAYS + MOMENTS + ("var_", "noise_variance_", "n_components_"):
        assert_array_equal(getattr(fitted, name), getattr(streamed, name))


def test_default_batch_size_and_min_batch_size(pca_data):
    model = sa.IncrementalPCA(3).fit(pca_data)
    assert model.batch_size_ == 5 * pca_data.shape[1]
    # gen_batches(min_batch_size=n_components) merges a short last batch, as in
    # scikit-learn: 41 rows in batches of 20 -> 20 + 21, so no batch is short.
    model = sa.IncrementalPCA(3, batch_size=20).fit(pca_data[:41])
    assert model.n_samples_seen_ == 41


def test_refit_starts_over(pca_data, make_data):
    model = sa.IncrementalPCA(3).fit(make_data(200, 10, seed=5))
    model.fit(pca_data)
    reference = sa.IncrementalPCA(3).fit(pca_data)
    for name in ARRAYS + MOMENTS:
        assert_array_equal(getattr(model, name), getattr(reference, name))


def test_partial_fit_after_fit_continues_the_stream(pca_data):
    model = sa.IncrementalPCA(3, batch_size=50).fit(pca_data[:200])
    model.partial_fit(pca_data[200:])
    reference = sa.PCA(3, svd_solver="covariance_eigh").fit(pca_data)
    assert model.n_samples_seen_ == 400
    assert_allclose(model.components_, reference.components_, rtol=1e-10, atol=1e-12)


def test_n_components_none_rule():
    rng = np.random.RandomState(1999)
    for n_samples, n_features in [(50, 10), (10, 50)]:
        X = rng.rand(n_samples, n_features)
        model = sa.IncrementalPCA().partial_fit(X)
        assert model.n_components_ == min(X.shape) == model.components_.shape[0]
        model.partial_fit(X)
        assert model.n_components_ == model.components_.shape[0] == min(X.shape)


def test_sparse_fit_equals_dense_fit(pca_data):
    X = pca_data.copy()
    X[np.abs(X) < 2] = 0.0
    dense = sa.IncrementalPCA(3, batch_size=70).fit(X)
    for container in (sp.csr_matrix, sp.csc_matrix, sp.lil_matrix):
        sparse = sa.IncrementalPCA(3, batch_size=70).fit(container(X))
        for name in ARRAYS + MOMENTS:
            assert_array_equal(getattr(sparse, name), getattr(dense, name))
        assert_allclose(sparse.transform(sp.csr_matrix(X)), dense.transform(X), rtol=1e-12)


def test_core_runs_and_x_is_untouched(pca_data, caplog):
    X = pca_data.copy()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        sa.IncrementalPCA(3, copy=False).fit(X)
        sa.IncrementalPCA(3, copy=False).partial_fit(X)
    text = [r.getMessage() for r in caplog.records if r.name == "skaccel"]
    assert any("IncrementalPCA.fit: running on the skaccel C++ core" in m for m in text)
    assert any("IncrementalPCA.partial_fit: running on the skaccel C++ core" in m for m in text)
    assert not any("falling back" in m for m in text)
    assert_array_equal(X, pca_data)


def test_n_samples_seen_set_to_a_float_still_merges(pca_data):
    # scikit-learn's non-regression test #9489 does this.
    a = sa.IncrementalPCA(2).partial_fit(pca_data[:50])
    a.n_samples_seen_ = float(a.n_samples_seen_)
    a.partial_fit(pca_data[50:])
    b = stream(sa.IncrementalPCA(2), pca_data, 50)
    assert_allclose(a.singular_values_, sa.IncrementalPCA(2).fit(pca_data).singular_values_)
    assert a.n_samples_seen_ == b.n_samples_seen_ == 400


# --- errors: scikit-learn's types and messages --------------------------------------

rng = np.random.default_rng(0)
X_ok = rng.standard_normal((40, 5)) * [5.0, 3.0, 2.0, 1.0, 0.5] + 2.0
X_nan = X_ok.copy()
X_nan[3, 2] = np.nan
X_inf = X_ok.copy()
X_inf[7, 0] = np.inf


def outcome(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - we compare whatever is raised
        return type(exc), str(exc)
    return None, None


CASES = {
    "nan": ("fit", X_nan, {}),
    "inf": ("fit", X_inf, {}),
    "nan_partial": ("partial_fit", X_nan, {}),
    "nan_sparse": ("fit", sp.csr_matrix(X_nan), {}),
    "nan_and_bad_n_components": ("partial_fit", X_nan[:2], {"n_components": 3}),
    "1d": ("fit", X_ok[:, 0], {}),
    "empty": ("fit", np.empty((0, 5)), {}),
    "strings": ("partial_fit", np.array([["a", "b"]] * 5), {}),
    "complex": ("fit", X_ok.astype(complex), {}),
    "too_many_components": ("fit", X_ok, {"n_components": 6}),
    "too_many_components_partial": ("partial_fit", X_ok, {"n_components": 6}),
    "first_batch_too_small": ("partial_fit", X_ok[:2], {"n_components": 3}),
    "zero_components": ("fit", X_ok, {"n_components": 0}),
    "bad_batch_size": ("fit", X_ok, {"batch_size": 0}),
    "sparse_partial_fit": ("partial_fit", sp.csr_matrix(X_ok), {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_errors_match_sklearn(name):
    method, X, params = CASES[name]
    theirs = outcome(lambda: getattr(sk.IncrementalPCA(**params), method)(X))
    ours = outcome(lambda: getattr(sa.IncrementalPCA(**params), method)(X))
    assert theirs[0] is not None, "scikit-learn accepted this input"
    assert ours == theirs


@pytest.mark.parametrize(
    "second, params",
    [
        (X_ok[:, :4], {"n_components": 2}),  # other number of features
        (X_nan, {"n_components": 2}),
        (X_ok, {"n_components": 3}),  # n_components changed between calls
    ],
    ids=["n_features", "nan", "n_components_changed"],
)
def test_stream_errors_match_sklearn(second, params):
    def run(module):
        model = module.IncrementalPCA(2).partial_fit(X_ok)
        model.set_params(**params)
        return outcome(lambda: model.partial_fit(second))

    expected = run(sk)
    assert expected[0] is not None
    assert run(sa) == expected


def test_failed_batch_leaves_the_stream_unchanged():
    model = sa.IncrementalPCA(2).partial_fit(X_ok)
    before = {name: copy.deepcopy(getattr(model, name)) for name in ARRAYS + MOMENTS}
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(X_nan)
    for name, value in before.items():
        assert_array_equal(getattr(model, name), value)


def test_failed_fit_leaves_no_stream_behind():
    X = np.r_[X_ok, X_nan]  # the NaN is in the second batch
    model = sa.IncrementalPCA(2, batch_size=40)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X)
    assert not hasattr(model, "_gram") and not hasattr(model, "components_")
    model.partial_fit(X_ok)
    assert model.n_samples_seen_ == len(X_ok)


def test_transform_errors_match_sklearn():
    ours, theirs = sa.IncrementalPCA(2).fit(X_ok), sk.IncrementalPCA(2).fit(X_ok)
    for X in (X_ok[:, :4], X_nan):
        expected = outcome(lambda X=X: theirs.transform(X))
        assert expected[0] is not None
        assert outcome(lambda X=X: ours.transform(X)) == expected


# --- persistence, including mid-stream --------------------------------------------------


def round_trips(tmp_path):
    def pickled(m):
        return pickle.loads(pickle.dumps(m, protocol=5))

    def joblib_mmap(m):
        joblib.dump(m, tmp_path / "m.joblib")
        return joblib.load(tmp_path / "m.joblib", mmap_mode="r")

    def model_file(m, mmap=False):
        skaccel.save(m, tmp_path / "m.skm")
        return skaccel.load(tmp_path / "m.skm", mmap=mmap)

    return {
        "pickle": pickled,
        "pickle0": lambda m: pickle.loads(pickle.dumps(m, protocol=0)),
        "cloudpickle": lambda m: cloudpickle.loads(cloudpickle.dumps(m)),
        "deepcopy": copy.deepcopy,
        "joblib": joblib_mmap,
        "model_file": model_file,
        "model_file_mmap": lambda m: model_file(m, mmap=True),
    }


ROUND_TRIPS = [
    "pickle",
    "pickle0",
    "cloudpickle",
    "deepcopy",
    "joblib",
    "model_file",
    "model_file_mmap",
]


def assert_same_model(a, b, X):
    assert_array_equal(a.transform(X), b.transform(X))
    for name in ARRAYS + MOMENTS + ("var_", "noise_variance_", "n_components_"):
        assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert np.asarray(getattr(a, name)).dtype == np.asarray(getattr(b, name)).dtype


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("whiten", [False, True])
def test_round_trip_is_bit_identical(pca_data, tmp_path, how, whiten):
    model = sa.IncrementalPCA(3, whiten=whiten, batch_size=70).fit(pca_data)
    loaded = round_trips(tmp_path)[how](model)
    assert type(loaded) is sa.IncrementalPCA
    assert loaded.get_params() == model.get_params()
    assert_same_model(loaded, model, pca_data)
    assert loaded.batch_size_ == model.batch_size_


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stream_resumes_after_pickling_mid_way(pca_data, tmp_path, how, dtype):
    X = pca_data.astype(dtype)
    uninterrupted = stream(sa.IncrementalPCA(3), X, 60)
    model = sa.IncrementalPCA(3)
    for rows in list(gen_batches(len(X), 60))[:3]:
        model.partial_fit(X[rows])
    model = round_trips(tmp_path)[how](model)
    for rows in list(gen_batches(len(X), 60))[3:]:
        model.partial_fit(X[rows])
    assert_same_model(model, uninterrupted, X)


def test_damaged_moments_are_rejected(pca_data):
    state = sa.IncrementalPCA(3).fit(pca_data).__getstate__()
    for name, value in [
        ("_gram", np.zeros((10, 9))),
        ("_gram", np.zeros((10, 10), dtype=np.float32)),
        ("_x_mean", np.zeros(11)),
        ("_weight_sum", "many"),
    ]:
        damaged = dict(state, **{name: value})
        with pytest.raises(CorruptModelError):
            sa.IncrementalPCA().__setstate__(damaged)


# --- scikit-learn's estimator checks ---------------------------------------------------

"""PCA: scikit-learn's results, attributes, errors and fallbacks; persistence."""

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

import skaccel
import skaccel.decomposition as sa
from skaccel.decomposition._pca import resolve_svd_solver
from skaccel.exceptions import CorruptModelError

ARRAYS = (
    "components_",
    "explained_variance_",
    "explained_variance_ratio_",
    "singular_values_",
    "mean_",
)
SCALARS = ("noise_variance_", "n_components_", "n_samples_", "n_features_in_")


def tolerance(dtype):
    # float32: scikit-learn computes in float32, the core in float64.
    return {"rtol": 2e-3, "atol": 2e-4} if dtype == np.float32 else {"rtol": 1e-9, "atol": 1e-11}


def assert_same_attributes(ours, theirs, dtype):
    tol = tolerance(dtype)
    for name in ARRAYS + SCALARS:
        a, b = getattr(ours, name), getattr(theirs, name)
        if name == "n_components_":
            # A Python int here (model files hold integers); scikit-learn's is an np.int64
            # for a variance share.
            assert isinstance(a, int) and a == b, name
            continue
        assert type(a) is type(b), name
        assert np.shape(a) == np.shape(b), name
        assert getattr(a, "dtype", None) == getattr(b, "dtype", None), name
        assert_allclose(a, b, **tol, err_msg=name)
    assert ours.components_.flags.c_contiguous
    assert ours._fit_svd_solver == theirs._fit_svd_solver


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("svd_solver", ["covariance_eigh", "full", "auto"])
@pytest.mark.parametrize("n_components", [None, 4, 0, 0.9, 0.5, "mle"])
@pytest.mark.parametrize("whiten", [False, True])
def test_matches_sklearn(pca_data, dtype, svd_solver, n_components, whiten):
    X = pca_data.astype(dtype)
    params = {"n_components": n_components, "svd_solver": svd_solver, "whiten": whiten}
    ours = sa.PCA(**params).fit(X)
    theirs = sk.PCA(**params).fit(X)
    assert_same_attributes(ours, theirs, dtype)
    X_new = X[:50] * 1.5
    outputs = ["transform"]
    if dtype == np.float64 or ours.noise_variance_ > 0:
        # Without noise variance the precision is the inverse of the whole covariance,
        # too ill-conditioned in float32 to compare (scikit-learn's own float32 score is
        # 40% off its float64 one on this data).
        outputs += ["score_samples", "score", "get_covariance", "get_precision"]
    if ours.n_components_ > 0:
        outputs.append("inverse_transform")
    for output in outputs:
        if output in ("transform", "score_samples", "score"):
            a, b = getattr(ours, output)(X_new), getattr(theirs, output)(X_new)
        elif output == "inverse_transform":
            Z = theirs.transform(X_new)
            a, b = ours.inverse_transform(Z), theirs.inverse_transform(Z)
        else:
            a, b = getattr(ours, output)(), getattr(theirs, output)()
        assert np.asarray(a).dtype == np.asarray(b).dtype and np.shape(a) == np.shape(b)
        assert_close_outputs(a, b, dtype, output)
    fitted = sa.PCA(**params).fit_transform(X)
    expected = sk.PCA(**params).fit_transform(X)
    assert fitted.dtype == expected.dtype == dtype and fitted.shape == expected.shape
    assert_close_outputs(fitted, expected, dtype, "fit_transform")


def assert_close_outputs(a, b, dtype, what):
    # Relative to the output's scale: whitening divides by the smallest variances.
    rtol = 2e-3 if dtype == np.float32 else 1e-7
    scale = np.abs(b).max() if np.size(b) else 0.0
    assert_allclose(a, b, rtol=rtol, atol=rtol * scale, err_msg=what)


@pytest.mark.parametrize("svd_solver", ["covariance_eigh", "full"])
@pytest.mark.parametrize("n_components", [None, 5, 0.8])
def test_wide_data_matches_sklearn(wide_data, svd_solver, n_components):
    params = {"n_components": n_components, "svd_solver": svd_solver}
    ours = sa.PCA(**params).fit(wide_data)
    theirs = sk.PCA(**params).fit(wide_data)
    # covariance_eigh keeps n_features eigenvalues (the trailing ones are zero), "full"
    # min(n_samples, n_features) singular values, as in scikit-learn.
    rank = len(wide_data) - 1  # of the centred data
    for name in ARRAYS + SCALARS:
        a, b = getattr(ours, name), getattr(theirs, name)
        if name == "n_components_":  # a Python int here, an np.int64 there
            assert isinstance(a, int) and a == b, name
            continue
        assert type(a) is type(b) and np.shape(a) == np.shape(b), name
        if name != "mean_" and np.ndim(a) > 0:
            # Beyond the rank the axes span a null space: any basis is valid there, and
            # the variances are rounding noise.
            a, b = a[:rank], b[:rank]
        assert_allclose(a, b, rtol=1e-8, atol=1e-10, err_msg=name)


def test_components_signs_equal_sklearn(make_data):
    X = make_data(300, 12, seed=7)
    for solver in ("covariance_eigh", "full"):
        ours = sa.PCA(svd_solver=solver).fit(X).components_
        theirs = sk.PCA(svd_solver=solver).fit(X).components_
        assert_array_equal(np.sign(ours), np.sign(theirs))
        top = np.abs(ours).argmax(axis=1)
        assert (ours[np.arange(len(ours)), top] > 0).all()


def test_int_data_is_converted_to_float64(make_data):
    X = np.round(make_data(100, 5) * 10).astype(np.int64)
    ours, theirs = sa.PCA(2).fit(X), sk.PCA(2).fit(X)
    assert_same_attributes(ours, theirs, np.float64)


@pytest.mark.parametrize(
    "shape, n_components",
    [
        ((1000, 10), None),  # tall and skinny
        ((1000, 10), "mle"),
        ((100, 50), 3),  # small
        ((600, 400), 10),  # randomized
        ((600, 400), 350),  # full: too many components for randomized
        ((600, 400), 0.5),  # full: a variance share
        ((600, 400), "mle"),  # full
        ((20, 2000), None),
    ],
)
def test_auto_resolves_like_sklearn(make_data, shape, n_components):
    X = make_data(*shape, seed=3) if min(shape) < 600 else np.ones(shape)
    solver, _ = resolve_svd_solver("auto", n_components, shape)
    theirs = sk.PCA(n_components=n_components, random_state=0)
    if solver != "randomized" and not (n_components == "mle" and shape[0] < shape[1]):
        theirs.fit(X)
        assert theirs._fit_svd_solver == solver
        ours = sa.PCA(n_components=n_components, random_state=0).fit(X)
        assert ours._fit_svd_solver == solver


def test_resolve_svd_solver_defaults():
    assert resolve_svd_solver("arpack", None, (30, 8)) == ("arpack", 7)
    assert resolve_svd_solver("full", None, (30, 8)) == ("full", 8)
    assert resolve_svd_solver("auto", 10, (600, 400)) == ("randomized", 10)
    assert resolve_svd_solver("auto", 0.5, (600, 400)) == ("full", 0.5)


def messages(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "skaccel"]


@pytest.mark.parametrize("svd_solver", ["covariance_eigh", "full"])
def test_core_path_is_logged(pca_data, caplog, svd_solver):
    with caplog.at_level(logging.INFO, logger="skaccel"):
        sa.PCA(3, svd_solver=svd_solver).fit(pca_data)
    assert any(
        f"PCA.fit: running on the skaccel C++ core (cpu); {svd_solver}" in m
        for m in messages(caplog)
    )
    assert not any("falling back" in m for m in messages(caplog))


@pytest.mark.parametrize(
    "params, make_X, reason",
    [
        ({"svd_solver": "arpack"}, lambda X: X, "svd_solver='arpack'"),
        ({"svd_solver": "randomized"}, lambda X: X, "svd_solver='randomized'"),
        ({}, "wide", "svd_solver='auto' resolved to 'randomized'"),
        ({"svd_solver": "arpack"}, sp.csr_matrix, "sparse input"),
        ({"svd_solver": "covariance_eigh"}, sp.csr_matrix, "sparse input"),
        ({}, sp.csc_matrix, "sparse input"),
    ],
)
def test_fallbacks_are_logged_and_give_sklearns_result(
    pca_data, make_data, caplog, params, make_X, reason
):
    X = make_data(600, 400) if make_X == "wide" else make_X(pca_data)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = sa.PCA(n_components=3, random_state=0, **params).fit(X)
    assert f"PCA.fit: falling back to scikit-learn: {reason}" in messages(caplog)
    theirs = sk.PCA(n_components=3, random_state=0, **params).fit(X)
    for name in ARRAYS + ("noise_variance_",):
        assert_array_equal(getattr(ours, name), getattr(theirs, name))
    # Equal up to the order of the sums: skaccel stores arpack's reversed view of the
    # components contiguously (so that transforms are bit-identical across pickling).
    assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-12, atol=1e-12)
    assert ours._fit_svd_solver == theirs._fit_svd_solver


def test_transform_runs_in_the_core_for_the_fitted_dtype(pca_data, caplog):
    model = sa.PCA(3).fit(pca_data)
    reference = sk.PCA(3).fit(pca_data)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        Z = model.transform(pca_data)
    assert any("PCA.transform: running on the skaccel C++ core" in m for m in messages(caplog))
    assert_allclose(Z, reference.transform(pca_data), rtol=1e-9, atol=1e-9)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        # A float64 model computes float32 X in float64, as NumPy does: in the core.
        Z32 = model.transform(pca_data.astype(np.float32))
    assert any("PCA.transform: running on the skaccel C++ core" in m for m in messages(caplog))
    expected = reference.transform(pca_data.astype(np.float32))
    assert Z32.dtype == expected.dtype == np.float64
    assert_allclose(Z32, expected, rtol=1e-9, atol=1e-9)
    caplog.clear()
    model32 = sa.PCA(3).fit(pca_data.astype(np.float32))
    with caplog.at_level(logging.INFO, logger="skaccel"):
        # A float32 model with float64 X: NumPy computes in float64, scikit-learn's code.
        Z64 = model32.transform(pca_data)
    assert "PCA.transform: falling back to scikit-learn: X is float64, the model float32" in (
        messages(caplog)
    )
    assert Z64.dtype == np.float64
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        model.transform(sp.csr_matrix(pca_data))
    assert "PCA.transform: falling back to scikit-learn: sparse input" in messages(caplog)


@pytest.mark.parametrize("svd_solver", ["covariance_eigh", "full"])
def test_whitened_transform_of_rank_deficient_data(pca_data, svd_solver):
    X = np.c_[pca_data, pca_data[:, :2] @ [1.0, -2.0]]  # rank 10 of 11 features
    ours = sa.PCA(whiten=True, svd_solver=svd_solver).fit(X)
    theirs = sk.PCA(whiten=True, svd_solver=svd_solver).fit(X)
    a, b = ours.transform(X), theirs.transform(X)
    assert np.isfinite(a).all()
    # The last coordinate is rounding noise scaled up by a variance clipped at eps.
    assert_allclose(a[:, :-1], b[:, :-1], rtol=1e-6, atol=1e-6)
    assert_allclose(
        ours.fit_transform(X)[:, :-1], theirs.fit_transform(X)[:, :-1], rtol=1e-6, atol=1e-6
    )


def test_copy_false_leaves_X_unchanged(pca_data):
    X = pca_data.copy()
    for solver in ("full", "covariance_eigh"):
        sa.PCA(3, copy=False, svd_solver=solver).fit(X)
        assert_array_equal(X, pca_data)


def test_read_only_and_strided_X(pca_data):
    X = np.asfortranarray(pca_data)
    X.flags.writeable = False
    for solver in ("full", "covariance_eigh"):
        ours = sa.PCA(3, svd_solver=solver).fit(X)
        theirs = sk.PCA(3, svd_solver=solver).fit(pca_data)
        assert_same_attributes(ours, theirs, np.float64)
        ours = sa.PCA(3, svd_solver=solver).fit(pca_data[::2, ::2])
        theirs = sk.PCA(3, svd_solver=solver).fit(pca_data[::2, ::2])
        assert_same_attributes(ours, theirs, np.float64)


def test_single_sample_matches_full_svd_behaviour():
    X = np.array([[1.0, 2.0, 3.0]])
    with pytest.warns(RuntimeWarning):
        ours = sa.PCA(svd_solver="full").fit(X)
    with pytest.warns(RuntimeWarning):
        theirs = sk.PCA(svd_solver="full").fit(X)
    assert_array_equal(ours.explained_variance_, theirs.explained_variance_)  # [nan]
    assert ours.n_components_ == theirs.n_components_ == 1


# --- bad input: scikit-learn's exception types and messages ---------------------------

rng = np.random.default_rng(0)
X_ok = rng.standard_normal((40, 5)) * [5.0, 3.0, 2.0, 1.0, 0.5] + 2.0
X_nan = X_ok.copy()
X_nan[3, 2] = np.nan
X_inf = X_ok.copy()
X_inf[5, 1] = -np.inf

FIT_CASES = {
    "nan": (X_nan, {}),
    "inf": (X_inf, {}),
    "nan_full": (X_nan, {"svd_solver": "full"}),
    "nan_covariance": (X_nan, {"svd_solver": "covariance_eigh"}),
    "nan_and_bad_n_components": (X_nan, {"n_components": 9, "svd_solver": "full"}),
    "1d": (X_ok[:, 0], {}),
    "3d": (X_ok.reshape(40, 5, 1), {}),
    "empty": (np.empty((0, 5)), {}),
    "no_features": (np.empty((40, 0)), {}),
    "strings": (np.array([["a", "b"]] * 40), {}),
    "complex": (X_ok.astype(complex), {}),
    "too_many_components": (X_ok, {"n_components": 6}),
    "too_many_components_covariance": (X_ok, {"n_components": 6, "svd_solver": "covariance_eigh"}),
    "negative_components": (X_ok, {"n_components": -1}),
    "float_components_1": (X_ok, {"n_components": 1.0}),
    "mle_wide": (X_ok[:3], {"n_components": "mle"}),
    "mle_wide_full": (X_ok[:3], {"n_components": "mle", "svd_solver": "full"}),
    "mle_randomized": (X_ok, {"n_components": "mle", "svd_solver": "randomized"}),
    "arpack_all_components": (X_ok, {"n_components": 5, "svd_solver": "arpack"}),
    "bad_solver": (X_ok, {"svd_solver": "lapack"}),
    "sparse_full": (sp.csr_matrix(X_ok), {"svd_solver": "full"}),
}


def outcome(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - we compare whatever is raised
        return type(exc), str(exc)
    return None, None


@pytest.mark.parametrize("name", sorted(FIT_CASES))
@pytest.mark.parametrize("method", ["fit", "fit_transform"])
def test_fit_errors_match_sklearn(name, method):
    X, params = FIT_CASES[name]
    theirs = outcome(lambda: getattr(sk.PCA(**params), method)(X))
    ours = outcome(lambda: getattr(sa.PCA(**params), method)(X))
    assert theirs[0] is not None, "scikit-learn accepted this input"
    assert ours == theirs


@pytest.mark.parametrize(
    "X",
    [X_ok[:, :4], X_nan, X_ok[:, 0], np.empty((0, 5))],
    ids=["n_features", "nan", "1d", "empty"],
)
@pytest.mark.parametrize("method", ["transform", "score_samples", "score"])
def test_apply_errors_match_sklearn(X, method):
    ours, theirs = sa.PCA(2).fit(X_ok), sk.PCA(2).fit(X_ok)
    expected = outcome(lambda: getattr(theirs, method)(X))
    assert expected[0] is not None
    assert outcome(lambda: getattr(ours, method)(X)) == expected


def test_unfitted_transform_raises_not_fitted():
    assert outcome(lambda: sa.PCA().transform(X_ok)) == outcome(lambda: sk.PCA().transform(X_ok))


# --- persistence ----------------------------------------------------------------------


@pytest.fixture(
    params=["covariance_eigh", "full-whiten", "float32-mle", "variance-share", "arpack"]
)
def fitted(request, pca_data):
    X = pca_data
    if request.param == "covariance_eigh":
        return sa.PCA(3).fit(X), X
    if request.param == "full-whiten":
        return sa.PCA(4, whiten=True, svd_solver="full").fit(X), X
    if request.param == "float32-mle":
        X32 = X.astype(np.float32)
        return sa.PCA("mle").fit(X32), X32
    if request.param == "variance-share":
        return sa.PCA(0.95, svd_solver="full").fit(X), X
    return sa.PCA(3, svd_solver="arpack", random_state=0).fit(X), X


def assert_same_model(a, b, X):
    """Bit-identical outputs and attributes (memory-mapped arrays count as arrays)."""
    assert type(a) is type(b)
    assert_array_equal(a.transform(X), b.transform(X))
    assert_array_equal(a.inverse_transform(a.transform(X)), b.inverse_transform(b.transform(X)))
    assert_array_equal(a.score_samples(X), b.score_samples(X))
    assert a.get_params() == b.get_params()
    for name in ARRAYS + SCALARS:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray) and x.dtype == y.dtype, name
        else:
            assert type(x) is type(y), name
        assert_array_equal(x, y)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_every_protocol(fitted, protocol):
    model, X = fitted
    data = pickle.dumps(model, protocol=protocol)
    assert b"_skaccel_record" in data
    assert_same_model(model, pickle.loads(data), X)


def test_deepcopy_and_cloudpickle(fitted):
    model, X = fitted
    assert_same_model(model, copy.deepcopy(model), X)
    assert_same_model(model, cloudpickle.loads(cloudpickle.dumps(model)), X)


@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_joblib_including_readonly_memmap(fitted, tmp_path, mmap_mode):
    model, X = fitted
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib", mmap_mode=mmap_mode)
    if mmap_mode == "r":
        assert not loaded.components_.flags.writeable
    assert_same_model(model, loaded, X)


@pytest.mark.parametrize("mmap", [False, True])
def test_model_file_round_trip(fitted, tmp_path, mmap):
    model, X = fitted
    path = tmp_path / "model.skm"
    skaccel.save(model, path)
    loaded = skaccel.load(path, mmap=mmap)
    if mmap:
        assert not loaded.components_.flags.writeable
    # Scalars come back as the model file stores them: ints as int, float64 numbers as
    # float, float32 numbers as NumPy float32.
    assert_array_equal(loaded.transform(X), model.transform(X))
    assert_array_equal(loaded.score_samples(X), model.score_samples(X))
    for name in ARRAYS + SCALARS:
        assert_array_equal(getattr(loaded, name), getattr(model, name))
        assert np.asarray(getattr(loaded, name)).dtype == np.asarray(getattr(model, name)).dtype
    assert loaded.get_params() == model.get_params()


def test_damaged_state_is_rejected(fitted):
    model, _ = fitted
    state = model.__getstate__()
    state["components_"] = state["components_"][:, :-1]
    with pytest.raises(CorruptModelError):
        sa.PCA().__setstate__(state)
    state = model.__getstate__()
    state["n_components_"] = "three"
    with pytest.raises(CorruptModelError):
        sa.PCA().__setstate__(state)


def test_feature_names_survive(pca_data, tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(pca_data, columns=[f"f{i}" for i in range(pca_data.shape[1])])
    model = sa.PCA(2).fit(df)
    skaccel.save(model, tmp_path / "m.skm")
    for loaded in (pickle.loads(pickle.dumps(model)), skaccel.load(tmp_path / "m.skm")):
        assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)
        assert_array_equal(loaded.transform(df), model.transform(df))
    assert list(model.get_feature_names_out()) == ["pca0", "pca1"]


# --- scikit-learn's estimator checks --------------------------------------------------

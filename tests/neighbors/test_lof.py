"""skaccel.neighbors.LocalOutlierFactor against scikit-learn's: the same fitted arrays,
offset_, fit_predict and (novelty=True) scores and labels, dtypes included; bit for bit
where the neighbours' distances are scikit-learn's to the bit (its trees' arithmetic,
float32 brute force), within roundoff for float64 brute force (another BLAS's products);
layouts, mixed dtypes, fallbacks, errors, persistence of novelty=False models, the
C++ program's refusal of methods scikit-learn does not offer."""

import logging
import pickle
import subprocess
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.neighbors import LocalOutlierFactor as SklearnLOF

import skaccel
from skaccel.neighbors import LocalOutlierFactor

FITTED = ("_distances_fit_X_", "_lrd", "negative_outlier_factor_")


def data(n=300, p=4, seed=0, dtype=np.float64):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, p)) * r.uniform(0.5, 3.0, p) + r.uniform(-10, 10, p)
    X[: n // 10] += r.standard_normal((n // 10, p)) * 6.0  # outliers
    if n > 22:
        X[20] = X[21] = X[22]  # duplicates
    return X.astype(dtype), (r.standard_normal((60, p)) * 2.0 + X.mean(axis=0)).astype(dtype)


def _exact(sklearn_model):
    """Whether the neighbours' distances are scikit-learn's to the bit: its trees'
    arithmetic, its float32 brute force (rounded to float32), other metrics (its code)."""
    return (
        sklearn_model._fit_method != "brute"
        or sklearn_model.effective_metric_ != "euclidean"
        or sklearn_model._fit_X.dtype == np.float32
    )


def _assert_same(a, b, exact):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    if exact:
        assert_array_equal(a, b)
    else:
        assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _assert_same_model(ours, theirs, exact=None):
    exact = _exact(theirs) if exact is None else exact
    for name in FITTED:
        _assert_same(getattr(ours, name), getattr(theirs, name), exact)
    assert ours.n_neighbors_ == theirs.n_neighbors_
    assert type(ours.offset_) is type(theirs.offset_)
    _assert_same(ours.offset_, theirs.offset_, exact)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ["auto", "kd_tree", "ball_tree", "brute"])
@pytest.mark.parametrize("p", [3, 10, 20])
@pytest.mark.parametrize("contamination", ["auto", 0.1])
def test_same_outlier_factors_as_scikit_learn(dtype, algorithm, p, contamination):
    X, Q = data(p=p, seed=p, dtype=dtype)
    params = dict(n_neighbors=15, algorithm=algorithm, contamination=contamination)
    fitted = SklearnLOF(**params).fit(X)
    exact = _exact(fitted)
    _assert_same_model(LocalOutlierFactor(**params).fit(X), fitted)
    assert_array_equal(
        LocalOutlierFactor(**params).fit_predict(X), SklearnLOF(**params).fit_predict(X)
    )
    ours = LocalOutlierFactor(novelty=True, **params).fit(X)
    theirs = SklearnLOF(novelty=True, **params).fit(X)
    for query in (Q, X[:40]):
        for method in ("score_samples", "decision_function"):
            _assert_same(getattr(ours, method)(query), getattr(theirs, method)(query), exact)
        assert_array_equal(ours.predict(query), theirs.predict(query))
        assert ours.predict(query).dtype == theirs.predict(query).dtype


@pytest.mark.parametrize("model_dtype", [np.float64, np.float32])
@pytest.mark.parametrize("query_dtype", [np.float64, np.float32, np.int64])
def test_queries_of_another_dtype(model_dtype, query_dtype):
    # scikit-learn rounds the distances to float32 for float32 queries, whatever the
    # model's dtype, and scores in the wider of the two.
    X, Q = data(p=5, seed=3, dtype=model_dtype)
    Q = (Q * 3).astype(query_dtype)
    ours = LocalOutlierFactor(n_neighbors=10, novelty=True, algorithm="kd_tree").fit(X)
    theirs = SklearnLOF(n_neighbors=10, novelty=True, algorithm="kd_tree").fit(X)
    for method in ("score_samples", "decision_function", "predict"):
        _assert_same(getattr(ours, method)(Q), getattr(theirs, method)(Q), True)


def _layouts(X):
    wide = np.zeros((X.shape[0], 2 * X.shape[1]), dtype=X.dtype)
    wide[:, ::2] = X
    read_only = X.copy()
    read_only.flags.writeable = False
    return {
        "C": X,
        "F": np.asfortranarray(X),
        "negative-row-stride": np.ascontiguousarray(X[::-1])[::-1],
        "every-other-column": wide[:, ::2],
        "read-only": read_only,
    }


@pytest.mark.parametrize("layout", list(_layouts(np.zeros((1, 1)))))
@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
def test_every_layout(layout, algorithm):
    X, Q = data(p=6, seed=5)
    theirs = SklearnLOF(n_neighbors=8, novelty=True, algorithm=algorithm).fit(X)
    ours = LocalOutlierFactor(n_neighbors=8, novelty=True, algorithm=algorithm)
    ours.fit(_layouts(X)[layout])
    exact = algorithm != "brute"
    _assert_same_model(ours, theirs, exact)
    _assert_same(ours.score_samples(_layouts(Q)[layout]), theirs.score_samples(Q), exact)


def test_reversed_queries_and_frames():
    pd = pytest.importorskip("pandas")
    X, Q = data(p=4, seed=6)
    ours = LocalOutlierFactor(n_neighbors=9, novelty=True).fit(X)
    assert_array_equal(ours.score_samples(Q[::-1]), ours.score_samples(Q)[::-1])
    columns = [f"f{i}" for i in range(4)]
    frame = pd.DataFrame(X, columns=columns)
    on_frame = LocalOutlierFactor(n_neighbors=9, novelty=True).fit(frame)
    theirs = SklearnLOF(n_neighbors=9, novelty=True).fit(frame)
    assert_array_equal(on_frame.feature_names_in_, theirs.feature_names_in_)
    query = pd.DataFrame(Q, columns=columns)[columns[::-1]][columns]  # a column selection
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        got = on_frame.score_samples(query)
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        expected = theirs.score_samples(query)
    assert_array_equal(got, expected)
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in theirs_warned]


@pytest.mark.parametrize("n", [2, 3, 8])
def test_few_rows_and_more_neighbours_than_rows(n):
    X, Q = data(n=n, p=3, seed=n)
    with pytest.warns(UserWarning, match="greater than the total number of samples"):
        ours = LocalOutlierFactor(novelty=True).fit(X)
    with pytest.warns(UserWarning):
        theirs = SklearnLOF(novelty=True).fit(X)
    _assert_same_model(ours, theirs)
    _assert_same(ours.score_samples(Q), theirs.score_samples(Q), _exact(theirs))


def test_duplicates_warn_as_scikit_learns():
    # More copies of a row than neighbours: its density is 1e10, and a row whose
    # neighbours are all copies gets an outlier factor of about 1e10.
    X = np.r_[np.zeros((10, 2)), [[1.0, 1.0], [2.0, 1.5], [-1.0, 3.0]]]
    with pytest.warns(UserWarning, match="Duplicate values are leading to incorrect results"):
        ours = LocalOutlierFactor(n_neighbors=5).fit(X)
    with pytest.warns(UserWarning, match="Duplicate values"):
        theirs = SklearnLOF(n_neighbors=5).fit(X)
    _assert_same_model(ours, theirs)


def test_core_runs_and_is_logged(caplog):
    X, Q = data()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        LocalOutlierFactor(novelty=True).fit(X).score_samples(Q)
    assert "LocalOutlierFactor.fit: running on the skaccel C++ core" in caplog.text
    assert "LocalOutlierFactor.kneighbors: running on the skaccel C++ core" in caplog.text
    assert "falling back" not in caplog.text


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ["auto", "brute", "kd_tree"])
@pytest.mark.parametrize(
    "params", [dict(metric="manhattan"), dict(p=1), dict(p=np.inf), dict(p=3)], ids=repr
)
def test_other_metrics_are_the_cores_and_scikit_learns_bits(params, algorithm, dtype, caplog):
    X, Q = data(p=3, seed=9)
    X, Q = X.astype(dtype), Q.astype(dtype)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = LocalOutlierFactor(novelty=True, algorithm=algorithm, **params).fit(X)
        scores = ours.score_samples(Q)
    assert "falling back" not in caplog.text
    theirs = SklearnLOF(novelty=True, algorithm=algorithm, **params).fit(X)
    _assert_same_model(ours, theirs)
    _assert_same(scores, theirs.score_samples(Q), True)


@pytest.mark.parametrize(
    "params, kind, reason",
    [
        (dict(metric="cosine"), "dense", "metric 'cosine'"),
        (dict(metric="minkowski", metric_params={"w": np.ones(3)}), "dense", "metric 'minkowski'"),
        ({}, "sparse", "sparse X"),
    ],
)
def test_fallbacks_are_logged_and_equal(params, kind, reason, caplog):
    X, Q = data(p=3, seed=9)
    if kind == "sparse":
        X, Q = sp.csr_matrix(X), sp.csr_matrix(Q)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = LocalOutlierFactor(novelty=True, **params).fit(X)
    assert "falling back to scikit-learn" in caplog.text and reason in caplog.text
    theirs = SklearnLOF(novelty=True, **params).fit(X)
    _assert_same_model(ours, theirs)
    _assert_same(ours.score_samples(Q), theirs.score_samples(Q), True)


def test_precomputed_distances():
    X, _ = data(n=80, p=3, seed=10)
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    ours = LocalOutlierFactor(n_neighbors=6, metric="precomputed").fit(D)
    theirs = SklearnLOF(n_neighbors=6, metric="precomputed").fit(D)
    _assert_same_model(ours, theirs)


def test_methods_of_outlier_detection_are_scikit_learns():
    X, Q = data()
    ours, theirs = LocalOutlierFactor().fit(X), SklearnLOF().fit(X)
    for method in ("predict", "decision_function", "score_samples"):
        assert not hasattr(ours, method)
        with pytest.raises(AttributeError) as got:
            getattr(ours, method)(Q)
        with pytest.raises(AttributeError) as expected:
            getattr(theirs, method)(Q)
        assert str(expected.value) in str(got.value)
    novelty = LocalOutlierFactor(novelty=True).fit(X)
    assert not hasattr(novelty, "fit_predict")


@pytest.mark.parametrize(
    "params, X",
    [
        (dict(n_neighbors=0), np.ones((5, 2))),
        (dict(contamination=0.7), np.ones((5, 2))),
        (dict(algorithm="cover_tree"), np.ones((5, 2))),
        ({}, np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]])),
        ({}, np.ones((0, 2))),
    ],
)
def test_errors_are_scikit_learns(params, X):
    with pytest.raises(ValueError) as expected:
        SklearnLOF(**params).fit(X)
    with pytest.raises(type(expected.value)) as got:
        LocalOutlierFactor(**params).fit(X)
    assert str(got.value) == str(expected.value)


def test_query_errors_are_scikit_learns():
    X, Q = data(p=3)
    ours = LocalOutlierFactor(novelty=True).fit(X)
    theirs = SklearnLOF(novelty=True).fit(X)
    for bad in (Q[:, :2], np.full((2, 3), np.inf)):
        with pytest.raises(ValueError) as expected:
            theirs.score_samples(bad)
        with pytest.raises(ValueError) as got:
            ours.score_samples(bad)
        assert str(got.value) == str(expected.value)


def test_outlier_detection_model_persists(tmp_path):
    # novelty=False: the same fields; the loaded model's attributes and fit_predict's
    # labels of the training rows (_predict) are the fitted ones.
    X, _ = data(p=5, seed=11, dtype=np.float32)
    model = LocalOutlierFactor(n_neighbors=11, contamination=0.05).fit(X)
    skaccel.save(model, tmp_path / "m.skm")
    for loaded in (
        pickle.loads(pickle.dumps(model)),
        skaccel.load(tmp_path / "m.skm"),
        skaccel.load(tmp_path / "m.skm", mmap=True),
    ):
        for name in FITTED + ("_fit_X",):
            a, b = np.asarray(getattr(loaded, name)), np.asarray(getattr(model, name))
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
        assert type(loaded.offset_) is type(model.offset_) and loaded.offset_ == model.offset_
        assert_array_equal(loaded._predict(), model._predict())


def test_cpp_program_refuses_methods_of_outlier_detection(tmp_path):
    from test_cpp_predict import CLI

    if CLI is None:
        pytest.skip("skaccel-predict not built (make test-cpp)")
    X, Q = data(p=3)
    skaccel.save(LocalOutlierFactor().fit(X), tmp_path / "m.skm")
    np.save(tmp_path / "Q.npy", Q)
    run = subprocess.run(
        [
            CLI,
            tmp_path / "m.skm",
            tmp_path / "Q.npy",
            "--method",
            "score_samples",
            "-o",
            tmp_path / "out.npy",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "not available when novelty=False" in run.stderr
    assert not (tmp_path / "out.npy").exists()


def test_threads_give_the_same_scores():
    X, Q = data(n=9000, p=3, seed=12)
    one = LocalOutlierFactor(n_jobs=1, novelty=True).fit(X)
    two = LocalOutlierFactor(n_jobs=2, novelty=True).fit(X)
    for name in FITTED:
        assert_array_equal(getattr(one, name), getattr(two, name))
    assert_array_equal(one.score_samples(Q), two.score_samples(Q))


def test_sklearnex_small_examples():
    # The data of scikit-learn-intelex's test_sklearnex_import_lof and
    # test_sklearnex_kneighbors (whose module-name assertions do not apply here).
    X = [[7, 7, 7], [1, 0, 0], [0, 0, 1], [0, 0, 1]]
    assert_array_equal(LocalOutlierFactor(n_neighbors=2).fit_predict(X), [-1, 1, 1, 1])
    for algorithm in ("auto", "brute"):
        model = LocalOutlierFactor(n_neighbors=2, algorithm=algorithm)
        model.fit([[0, 0, 2], [1, 0, 0], [0, 0, 1]])
        assert_array_equal(model.kneighbors([[0, 0, 1.3]], 2, return_distance=False), [[2, 0]])

"""skaccel.neighbors against scikit-learn: the same neighbours (indices equal, distances
within roundoff, the lower training row first among equal distances), votes and means,
for every algorithm, dtype and layout; the rows kept once; fallbacks logged; scikit-learn's
errors."""

import copy
import functools
import io
import logging
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.neighbors as sk
from numpy.testing import assert_allclose, assert_array_equal

import skaccel
from skaccel.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors

ALGORITHMS = ["auto", "brute", "kd_tree", "ball_tree"]


def data(n=400, p=6, q=60, seed=0, dtype=np.float64):
    r = np.random.default_rng(seed)
    X = (r.standard_normal((n, p)) * r.uniform(0.5, 3.0, p) + r.uniform(-9, 9, p)).astype(dtype)
    Q = (r.standard_normal((q, p)) * 2.0).astype(dtype) + X.mean(axis=0)
    return X, Q, r


def layouts(A):
    F = np.asfortranarray(A)
    wide = np.zeros((A.shape[0], 2 * A.shape[1]), dtype=A.dtype)
    wide[:, ::2] = A
    read_only = A.copy()
    read_only.flags.writeable = False
    return {
        "C": A,
        "F": F,
        "reversed-rows": np.ascontiguousarray(A[::-1])[::-1],
        "every-other-column": wide[:, ::2],
        "read-only": read_only,
    }


def tol(dtype):
    return 1e-5 if dtype == np.float32 else 1e-12


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_kneighbors_equal_scikit_learns(algorithm, dtype):
    X, Q, _ = data(dtype=dtype)
    ours = NearestNeighbors(n_neighbors=7, algorithm=algorithm).fit(X)
    theirs = sk.NearestNeighbors(n_neighbors=7, algorithm=algorithm).fit(X)
    assert ours._fit_method == theirs._fit_method
    assert ours.effective_metric_ == theirs.effective_metric_ == "euclidean"
    assert ours.effective_metric_params_ == theirs.effective_metric_params_
    assert ours._fit_X.dtype == theirs._fit_X.dtype == dtype
    for query in (Q, None):
        d, i = ours.kneighbors(query)
        d_ref, i_ref = theirs.kneighbors(query)
        assert_array_equal(i, i_ref)
        assert d.dtype == d_ref.dtype == np.float64 and i.dtype == i_ref.dtype == np.intp
        assert_allclose(d, d_ref, rtol=tol(dtype), atol=tol(dtype))
    assert_array_equal(ours.kneighbors(Q, 3, return_distance=False), theirs.kneighbors(Q, 3)[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float32_brute_force_distances_are_scikit_learns_bits(dtype):
    # scikit-learn's brute force rounds float32 distances to float32: so does the core.
    X, Q, _ = data(dtype=dtype)
    d, _ = NearestNeighbors(n_neighbors=5, algorithm="brute").fit(X).kneighbors(Q)
    d_ref, _ = sk.NearestNeighbors(n_neighbors=5, algorithm="brute").fit(X).kneighbors(Q)
    if dtype == np.float32:
        assert_array_equal(d, d_ref)
    else:
        assert_allclose(d, d_ref, rtol=1e-13)


@pytest.mark.parametrize("layout", ["C", "F", "reversed-rows", "every-other-column", "read-only"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_layout_of_train_and_query(layout, dtype):
    X, Q, _ = data(dtype=dtype)
    reference = NearestNeighbors(n_neighbors=4).fit(X).kneighbors(Q)
    model = NearestNeighbors(n_neighbors=4).fit(layouts(X)[layout])
    got = model.kneighbors(layouts(Q)[layout])
    assert_array_equal(got[1], reference[1])
    assert_array_equal(got[0], reference[0])
    assert model._fit_X.flags.c_contiguous  # scikit-learn's _fit keeps C-ordered rows


def test_reversed_and_zero_stride_queries():
    X, Q, _ = data()
    model = NearestNeighbors(n_neighbors=3).fit(X)
    assert_array_equal(model.kneighbors(Q[::-1])[1], model.kneighbors(Q)[1][::-1])
    row = np.broadcast_to(Q[0], (5, Q.shape[1]))  # zero row stride
    assert_array_equal(model.kneighbors(row)[1], np.repeat(model.kneighbors(Q[:1])[1], 5, 0))


def test_equal_distances_give_the_lower_row_first():
    # Every training row twice: each pair of equal distances in row order.
    X, Q, _ = data(n=50)
    doubled = np.concatenate([X, X])
    d, i = NearestNeighbors(n_neighbors=6).fit(doubled).kneighbors(Q)
    assert_array_equal(i[:, 0::2] + 50, i[:, 1::2])
    assert_array_equal(d[:, 0::2], d[:, 1::2])


def test_self_is_dropped_even_among_duplicates():
    # Row 0 has 3 exact duplicates: with k = 2 (3 searched) its own index may not be among
    # the nearest; scikit-learn then drops the first neighbour.
    X, _, _ = data(n=30)
    X[1:4] = X[0]
    ours = NearestNeighbors(n_neighbors=2).fit(X).kneighbors()
    theirs = sk.NearestNeighbors(n_neighbors=2, algorithm="brute").fit(X).kneighbors()
    assert_allclose(ours[0], theirs[0], atol=1e-12)
    # scikit-learn takes equal distances in the order its sort leaves them; ours are by
    # row: the 3 nearest by (distance, row), then the row itself dropped, or the first.
    squared = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    squared[squared < 1e-9] = 0.0  # the duplicates' roundoff
    expected = []
    for i, row in enumerate(squared):
        nearest = list(np.lexsort((np.arange(len(row)), row))[:3])
        nearest.remove(i) if i in nearest else nearest.pop(0)
        expected.append(nearest)
    assert_array_equal(ours[1], expected)
    assert_array_equal(ours[1][:4], [[1, 2], [0, 2], [0, 1], [1, 2]])


@pytest.mark.parametrize("k", [1, 9, 130, 400])
def test_every_k_and_both_parallel_axes(k):
    # 3 queries: the rows of the training set are split among the threads (heaps merged);
    # 300 queries: the queries are. Both give the sequential result.
    X, Q, _ = data(n=400, q=300, seed=3)
    theirs = sk.NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X)
    for queries in (Q[:3], Q):
        for n_jobs in (1, 2):
            d, i = NearestNeighbors(n_neighbors=k, n_jobs=n_jobs).fit(X).kneighbors(queries)
            d_ref, i_ref = theirs.kneighbors(queries)
            assert_array_equal(i, i_ref)
            assert_allclose(d, d_ref, rtol=1e-12, atol=1e-12)


def test_more_training_rows_than_one_block_and_few_queries():
    X, Q, _ = data(n=5000, q=2, p=3, seed=5)
    a = NearestNeighbors(n_neighbors=11, n_jobs=1).fit(X).kneighbors(Q)
    b = NearestNeighbors(n_neighbors=11, n_jobs=2).fit(X).kneighbors(Q)
    assert_array_equal(a[0], b[0]) and assert_array_equal(a[1], b[1])
    assert_array_equal(a[1], sk.NearestNeighbors(n_neighbors=11).fit(X).kneighbors(Q)[1])


def test_kneighbors_graph_is_scikit_learns():
    X, Q, _ = data()
    for mode in ("connectivity", "distance"):
        ours = NearestNeighbors(n_neighbors=3).fit(X).kneighbors_graph(Q, mode=mode)
        theirs = sk.NearestNeighbors(n_neighbors=3).fit(X).kneighbors_graph(Q, mode=mode)
        assert_allclose(ours.toarray(), theirs.toarray(), atol=1e-12)


def _same_error(ours, theirs):
    with pytest.raises(Exception) as a:
        ours()
    with pytest.raises(Exception) as b:
        theirs()
    assert type(a.value) is type(b.value) and str(a.value) == str(b.value)


def test_errors_are_scikit_learns():
    X, Q, _ = data(n=20)
    ours, theirs = NearestNeighbors().fit(X), sk.NearestNeighbors().fit(X)
    for call in (
        lambda m: m.kneighbors(Q, n_neighbors=21),
        lambda m: m.kneighbors(None, n_neighbors=20),
        lambda m: m.kneighbors(Q, n_neighbors=0),
        lambda m: m.kneighbors(Q, n_neighbors=2.5),
        lambda m: m.kneighbors(Q[:, :3]),
        lambda m: m.kneighbors(np.full_like(Q, np.nan)),
    ):
        _same_error(functools.partial(call, ours), functools.partial(call, theirs))
    _same_error(
        lambda: NearestNeighbors().kneighbors(Q), lambda: sk.NearestNeighbors().kneighbors(Q)
    )


def test_integer_rows_are_searched_as_float64():
    X, Q, _ = data()
    Xi, Qi = np.round(X * 10).astype(np.int64), np.round(Q * 10).astype(np.int64)
    ours = NearestNeighbors(n_neighbors=5).fit(Xi)
    assert ours._fit_X.dtype == np.float64
    d, i = ours.kneighbors(Qi)
    d_ref, i_ref = sk.NearestNeighbors(n_neighbors=5, algorithm="brute").fit(Xi).kneighbors(Qi)
    assert_allclose(d, d_ref, rtol=1e-12)
    # Integer points tie often: the sets of distances agree, and ours are sorted by row.
    assert_array_equal(np.sort(d, axis=1), np.sort(d_ref, axis=1))


def test_query_of_another_dtype():
    X, Q, _ = data()
    d, i = NearestNeighbors(n_neighbors=3).fit(X).kneighbors(Q.astype(np.float32))
    d_ref, i_ref = sk.NearestNeighbors(n_neighbors=3).fit(X).kneighbors(Q.astype(np.float32))
    assert_array_equal(i, i_ref)
    assert_allclose(d, d_ref, rtol=1e-12)
    # A float32 model with float64 queries: scikit-learn's code (logged), its result.
    model = NearestNeighbors(n_neighbors=3).fit(X.astype(np.float32))
    assert_array_equal(
        model.kneighbors(Q)[1],
        sk.NearestNeighbors(n_neighbors=3).fit(X.astype(np.float32)).kneighbors(Q)[1],
    )


@pytest.mark.parametrize(
    "params, reason",
    [
        ({"metric": "cosine"}, "metric"),
        ({"metric": "l2"}, "metric"),
        ({"metric": "infinity", "algorithm": "kd_tree"}, "metric"),
        ({"metric": "minkowski", "metric_params": {"w": np.ones(6)}}, "metric"),
    ],
)
def test_other_metrics_run_scikit_learns_code_logged(params, reason, caplog):
    X, Q, _ = data()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = NearestNeighbors(n_neighbors=4, **params).fit(X)
        d, i = ours.kneighbors(Q)
    assert "falling back to scikit-learn" in caplog.text and reason in caplog.text
    d_ref, i_ref = sk.NearestNeighbors(n_neighbors=4, **params).fit(X).kneighbors(Q)
    assert_array_equal(i, i_ref)
    assert_allclose(d, d_ref)
    # The model (tree included) pickles and computes the same after loading.
    loaded = pickle.loads(pickle.dumps(ours))
    assert_array_equal(loaded.kneighbors(Q)[1], i)


def test_sparse_rows_run_scikit_learns_code(caplog):
    X, Q, _ = data()
    X[X < 0] = 0
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = NearestNeighbors(n_neighbors=3).fit(sp.csr_matrix(X))
        i = ours.kneighbors(Q, return_distance=False)
    assert "sparse X" in caplog.text
    assert_array_equal(i, sk.NearestNeighbors(n_neighbors=3).fit(sp.csr_matrix(X)).kneighbors(Q)[1])


def test_the_tree_is_built_on_first_use_and_never_pickled():
    X, Q, _ = data(n=3000, p=3)
    model = NearestNeighbors(n_neighbors=3, algorithm="kd_tree").fit(X)
    assert "_skaccel_tree" not in vars(model)
    model.radius_neighbors(Q, radius=1.0)  # the core's search: no tree of scikit-learn's
    assert "_skaccel_tree" not in vars(model)
    # An array of radii runs scikit-learn's code, which needs its tree.
    radii = np.full(len(Q), 1.0)
    ind = model.radius_neighbors(Q, radius=radii, return_distance=False)
    ref = (
        sk.NearestNeighbors(algorithm="kd_tree")
        .fit(X)
        .radius_neighbors(Q, radii, return_distance=False)
    )
    for a, b in zip(ind, ref, strict=True):
        assert_array_equal(np.sort(a), np.sort(b))
    assert isinstance(vars(model)["_skaccel_tree"], sk.KDTree)
    blob = pickle.dumps(model, protocol=5)
    assert "_skaccel_tree" not in vars(pickle.loads(blob))
    assert len(blob) < X.nbytes * 1.05  # the rows once


def test_a_model_file_holds_the_rows_once(tmp_path):
    X, Q, r = data(n=20000, p=16)
    y = r.standard_normal(X.shape[0])
    model = KNeighborsRegressor(n_neighbors=5).fit(X, y)
    skaccel.save(model, tmp_path / "m.skm")
    size = (tmp_path / "m.skm").stat().st_size
    assert size < 1.05 * (X.nbytes + y.nbytes)
    buffers = []
    pickle.dumps(model, protocol=5, buffer_callback=buffers.append)
    assert sum(b.raw().nbytes for b in buffers) == X.nbytes + y.nbytes
    loaded = skaccel.load(tmp_path / "m.skm", mmap=True)
    assert_array_equal(loaded.predict(Q), model.predict(Q))
    assert loaded.effective_metric_params_ == model.effective_metric_params_ == {}
    assert loaded.outputs_2d_ if hasattr(loaded, "outputs_2d_") else True


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("algorithm", ["auto", "brute", "kd_tree"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_classifier_equals_scikit_learns(weights, algorithm, dtype):
    X, Q, r = data(dtype=dtype)
    y = np.array(["red", "green", "blue", "cyan"])[r.integers(0, 4, X.shape[0])]
    params = {"n_neighbors": 8, "weights": weights, "algorithm": algorithm}
    ours, theirs = (
        KNeighborsClassifier(**params).fit(X, y),
        sk.KNeighborsClassifier(**params).fit(X, y),
    )
    assert_array_equal(ours.classes_, theirs.classes_)
    assert_array_equal(ours._y, theirs._y)
    assert ours.outputs_2d_ is theirs.outputs_2d_ is False
    assert_array_equal(ours.predict(Q), theirs.predict(Q))
    proba, proba_ref = ours.predict_proba(Q), theirs.predict_proba(Q)
    assert proba.dtype == proba_ref.dtype == np.float64
    assert_allclose(proba, proba_ref, rtol=1e-12)
    assert ours.score(Q, theirs.predict(Q)) == 1.0
    assert_array_equal(ours.predict(None), theirs.predict(None))


def test_classifier_ties_take_the_smallest_class():
    X = np.array([[0.0], [1.0], [-1.0], [2.0], [-2.0]])
    y = np.array([3, 1, 2, 1, 2])
    Q = np.array([[0.0], [0.1]])
    for weights in ("uniform", "distance"):
        ours = KNeighborsClassifier(n_neighbors=5, weights=weights).fit(X, y)
        theirs = sk.KNeighborsClassifier(n_neighbors=5, weights=weights).fit(X, y)
        assert_array_equal(ours.predict(Q), theirs.predict(Q))
        assert_allclose(ours.predict_proba(Q), theirs.predict_proba(Q))


def test_zero_distances_carry_the_whole_weight():
    X, Q, r = data(n=100)
    y = r.integers(0, 3, 100)
    Q = np.concatenate([X[:5], X[:5] + 1e-3])  # queries on training points
    for est, ref in (
        (KNeighborsClassifier, sk.KNeighborsClassifier),
        (KNeighborsRegressor, sk.KNeighborsRegressor),
    ):
        ours = est(n_neighbors=4, weights="distance").fit(X, y)
        theirs = ref(n_neighbors=4, weights="distance").fit(X, y)
        assert_allclose(ours.predict(Q), theirs.predict(Q))


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("target", ["f64", "f32", "int", "two-columns", "column"])
def test_regressor_equals_scikit_learns(weights, target):
    X, Q, r = data()
    y = {
        "f64": r.standard_normal(X.shape[0]),
        "f32": r.standard_normal(X.shape[0]).astype(np.float32),
        "int": r.integers(-50, 50, X.shape[0]),
        "two-columns": r.standard_normal((X.shape[0], 2)),
        "column": r.standard_normal((X.shape[0], 1)),
    }[target]
    params = {"n_neighbors": 9, "weights": weights}
    ours, theirs = (
        KNeighborsRegressor(**params).fit(X, y),
        sk.KNeighborsRegressor(**params).fit(X, y),
    )
    got, expected = ours.predict(Q), theirs.predict(Q)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert_allclose(got, expected, rtol=1e-5 if got.dtype == np.float32 else 1e-12)
    if weights == "uniform":  # equal neighbours, NumPy's sums: the same bits
        assert_array_equal(got, expected)


def test_callable_weights_and_several_outputs_run_scikit_learns_code(caplog, tmp_path):
    X, Q, r = data()
    Y = np.stack([r.integers(0, 3, X.shape[0]), r.integers(0, 2, X.shape[0])], axis=1)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = KNeighborsClassifier(n_neighbors=5).fit(X, Y)
        predicted = ours.predict(Q)
    assert "several outputs" in caplog.text
    theirs = sk.KNeighborsClassifier(n_neighbors=5).fit(X, Y)
    assert_array_equal(predicted, theirs.predict(Q))
    assert isinstance(ours.classes_, list) and ours.outputs_2d_
    for a, b in zip(ours.predict_proba(Q), theirs.predict_proba(Q), strict=True):
        assert_allclose(a, b)
    loaded = pickle.loads(pickle.dumps(ours))
    assert_array_equal(loaded.predict(Q), predicted)
    with pytest.raises(ValueError, match="several outputs"):
        skaccel.save(ours, tmp_path / "m.skm")
    assert not (tmp_path / "m.skm").exists()
    # Refitting with one output forgets the list.
    ours.fit(X, Y[:, 0])
    assert isinstance(ours.classes_, np.ndarray) and not ours.outputs_2d_
    skaccel.save(ours, tmp_path / "m.skm")

    caplog.clear()
    weights = lambda d: 1.0 / (1.0 + d)  # noqa: E731
    with caplog.at_level(logging.INFO, logger="skaccel"):
        got = KNeighborsRegressor(weights=weights).fit(X, Y[:, 0]).predict(Q)
    assert "weights=" in caplog.text
    assert_allclose(got, sk.KNeighborsRegressor(weights=weights).fit(X, Y[:, 0]).predict(Q))


def test_metric_parameters_stay_in_pickles_and_refuse_model_files(tmp_path):
    X, Q, _ = data()
    model = NearestNeighbors(metric="minkowski", p=3).fit(X)
    model.set_params(p=4)  # the fitted metric stays scikit-learn's p=3
    assert model.effective_metric_params_ == {"p": 3, "w": None}
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.effective_metric_params_ == {"p": 3, "w": None}
    assert_array_equal(loaded.kneighbors(Q)[1], model.kneighbors(Q)[1])
    with pytest.raises(ValueError, match="metric's parameters"):
        skaccel.save(model, tmp_path / "m.skm")
    # Metrics without parameters save, and load with scikit-learn's empty dict.
    manhattan = NearestNeighbors(metric="manhattan").fit(X)
    skaccel.save(manhattan, tmp_path / "m.skm")
    again = skaccel.load(tmp_path / "m.skm")
    assert again.effective_metric_params_ == {} and again.effective_metric_ == "manhattan"
    assert_array_equal(again.kneighbors(Q)[1], manhattan.kneighbors(Q)[1])


def test_model_file_and_cpp_predict_equal_python(tmp_path):
    X, Q, r = data(dtype=np.float32)
    y = r.integers(0, 3, X.shape[0])
    model = KNeighborsClassifier(n_neighbors=6, weights="distance").fit(X, y)
    skaccel.save(model, tmp_path / "m.skm")
    loaded = skaccel.load(tmp_path / "m.skm", mmap=True)
    assert_array_equal(loaded.predict_proba(Q), model.predict_proba(Q))
    assert_array_equal(loaded.kneighbors(Q)[1], model.kneighbors(Q)[1])
    buffer = io.BytesIO()
    pickle.dump(loaded, buffer, protocol=5)
    assert_array_equal(pickle.loads(buffer.getvalue()).predict(Q), model.predict(Q))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ["kd_tree", "ball_tree"])
def test_tree_methods_give_the_trees_distances(algorithm, dtype):
    # scikit-learn's trees sum squared differences: a training row is at 0 from itself.
    X, Q, _ = data(dtype=dtype)
    d, i = NearestNeighbors(n_neighbors=4, algorithm=algorithm).fit(X).kneighbors(X[:20])
    d_ref, i_ref = sk.NearestNeighbors(n_neighbors=4, algorithm=algorithm).fit(X).kneighbors(X[:20])
    assert_array_equal(i, i_ref)
    assert_array_equal(d[:, 0], 0.0)
    assert_allclose(d, d_ref, rtol=1e-15, atol=0)


@pytest.mark.parametrize("p", [3, 8])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ["kd_tree", "ball_tree"])
def test_the_core_kd_tree_gives_the_trees_results(algorithm, dtype, p):
    # Few features and many queries: the core builds its kd-tree for the search.
    X, Q, r = data(n=5000, p=p, q=1500, dtype=dtype, seed=8)
    y = r.integers(0, 4, X.shape[0])
    params = {"n_neighbors": 6, "algorithm": algorithm, "leaf_size": 10}
    ours = KNeighborsClassifier(**params, weights="distance").fit(X, y)
    theirs = sk.KNeighborsClassifier(**params, weights="distance").fit(X, y)
    d, i = ours.kneighbors(Q)
    d_ref, i_ref = theirs.kneighbors(Q)
    assert_array_equal(i, i_ref)
    assert_allclose(d, d_ref, rtol=1e-15, atol=0)
    assert_array_equal(ours.predict(Q), theirs.predict(Q))
    assert_allclose(ours.predict_proba(Q), theirs.predict_proba(Q), rtol=1e-13)
    # The same neighbours by the brute-force path (few queries).
    assert_array_equal(ours.kneighbors(Q[:10])[1], i[:10])
    assert_array_equal(ours.kneighbors(Q[:10])[0], d[:10])


def test_kneighbors_graph_of_an_array_api_model_is_scipys():
    xp = pytest.importorskip("array_api_strict")
    import sklearn

    X, Q, _ = data()
    expected = NearestNeighbors(n_neighbors=3).fit(X).kneighbors_graph(Q, mode="distance")
    with sklearn.config_context(array_api_dispatch=True):
        model = NearestNeighbors(n_neighbors=3).fit(xp.asarray(X))
        graph = model.kneighbors_graph(xp.asarray(Q), mode="distance")
        assert type(model.kneighbors(xp.asarray(Q))[1]).__module__.startswith("array_api_strict")
    assert sp.issparse(graph)
    assert_array_equal(graph.toarray(), expected.toarray())


# --- radius_neighbors -----------------------------------------------------------------------


def _same_rows(ours, theirs, ordered, tolerance=None):
    """The object arrays of (distances, indices) hold the same rows: in the same order
    when `ordered`, else the same (index, distance) pairs; the distances equal, or within
    `tolerance` (assert_allclose's rtol and atol)."""
    (d, i), (d_ref, i_ref) = ours, theirs
    assert d.dtype == object and i.dtype == object and d.shape == i.shape == d_ref.shape
    for row, (a, b, da, db) in enumerate(zip(i, i_ref, d, d_ref, strict=True)):
        assert a.dtype == np.intp and da.dtype == np.float64
        if not ordered:  # (a training row is a query's neighbour once at most)
            oa, ob = np.argsort(a), np.argsort(b)
            a, b, da, db = a[oa], b[ob], da[oa], db[ob]
        assert_array_equal(a, b, err_msg=f"row {row}")
        if tolerance:
            assert_allclose(da, db, **tolerance, err_msg=f"row {row}")
        else:
            assert_array_equal(da, db, err_msg=f"row {row}")


# The float64 brute force's products are dgemm's of the core's OpenBLAS, scikit-learn's
# those of SciPy's: another build, whose kernel may differ on this CPU (OPENBLAS_CORETYPE
# unset on a SkylakeX-class machine: 4e-14 apart). Its distances then agree to the
# roundoff of ‖x‖² + ‖y‖² − 2x·y (absolute, in the square: larger relative to small ones).
BRUTE_FLOAT64_TOLERANCE = {"rtol": 1e-13, "atol": 1e-12}


def _radius_data(p, dtype, n=900, q=150, seed=3):
    X, Q, _ = data(n=n, p=p, q=q, seed=seed, dtype=dtype)
    X[:40] = X[40:80]  # duplicates: equal distances, and copies of a training row
    Q[:10] = X[:10]
    # About 15 neighbours per query.
    d = sk.NearestNeighbors(n_neighbors=15).fit(X).kneighbors(Q)[0]
    return X, Q, float(np.median(d[:, -1]))


@pytest.mark.parametrize("sort_results", [False, True])
@pytest.mark.parametrize("query", ["X", "None"])
@pytest.mark.parametrize("p", [3, 9])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_radius_neighbors_equal_scikit_learns(algorithm, dtype, p, query, sort_results, caplog):
    X, Q, radius = _radius_data(p, dtype)
    Q = Q if query == "X" else None
    with caplog.at_level(logging.INFO, logger="skaccel"):
        ours = NearestNeighbors(radius=radius, algorithm=algorithm).fit(X)
        result = ours.radius_neighbors(Q, sort_results=sort_results)
    assert "radius_neighbors: running on the skaccel C++ core" in caplog.text
    theirs = sk.NearestNeighbors(radius=radius, algorithm=algorithm).fit(X)
    expected = theirs.radius_neighbors(Q, sort_results=sort_results)
    assert sum(len(a) for a in expected[1]) > 5 * len(expected[1])  # a real test
    # The brute force keeps scikit-learn's order (by row); sorted rows equal its sort
    # where no two distances are equal; the trees' order is their layout's.
    brute64 = algorithm == "brute" and dtype == np.float64
    _same_rows(
        result,
        expected,
        ordered=algorithm == "brute" and not sort_results,
        tolerance=BRUTE_FLOAT64_TOLERANCE if brute64 else None,
    )
    if sort_results:
        for d, i in zip(*result, strict=True):
            assert np.all(np.diff(d) >= 0)
            assert np.all((np.diff(d) > 0) | (np.diff(i) > 0))  # equal distances by row
    if not sort_results:
        indices = ours.radius_neighbors(Q, return_distance=False)
        assert all(np.array_equal(a, b) for a, b in zip(indices, result[1], strict=True))


@pytest.mark.parametrize("layout", ["C", "F", "reversed-rows", "every-other-column", "read-only"])
@pytest.mark.parametrize("algorithm", ["brute", "kd_tree"])
def test_radius_neighbors_every_layout(layout, algorithm):
    X, Q, radius = _radius_data(4, np.float64)
    expected = sk.NearestNeighbors(radius=radius, algorithm=algorithm).fit(X).radius_neighbors(Q)
    result = (
        NearestNeighbors(radius=radius, algorithm=algorithm)
        .fit(layouts(X)[layout])
        .radius_neighbors(layouts(Q)[layout])
    )
    tolerance = BRUTE_FLOAT64_TOLERANCE if algorithm == "brute" else None
    _same_rows(result, expected, ordered=algorithm == "brute", tolerance=tolerance)
    # Reversed and zero-stride queries.
    model = NearestNeighbors(radius=radius, algorithm=algorithm).fit(X)
    _same_rows(model.radius_neighbors(Q[::-1]), model.radius_neighbors(Q.copy()[::-1]), True)
    _same_rows(
        model.radius_neighbors(np.broadcast_to(Q[0], (5, 4))),
        model.radius_neighbors(np.repeat(Q[:1], 5, axis=0)),
        True,
    )


def test_float32_brute_force_squares_the_radius_in_float32():
    # scikit-learn's float32 reduction keeps a row when its squared distance is at most
    # float32(radius)² rounded to float32: below the exact square here, so the row at
    # exactly the radius is out; its trees (float64) keep it.
    d = np.float32(1.1)
    assert np.float32(d * d) < np.float64(d) ** 2
    X = np.array([[0.0], [d], [3.0]], dtype=np.float32)
    for algorithm in ("brute", "kd_tree"):
        ours = NearestNeighbors(radius=float(d), algorithm=algorithm).fit(X)
        theirs = sk.NearestNeighbors(radius=float(d), algorithm=algorithm).fit(X)
        _same_rows(ours.radius_neighbors(X[:1]), theirs.radius_neighbors(X[:1]), True)
    assert len(ours.radius_neighbors(X[:1])[1][0]) == 2  # the tree keeps it
    brute = NearestNeighbors(radius=float(d), algorithm="brute").fit(X)
    assert_array_equal(brute.radius_neighbors(X[:1])[1][0], [0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_radius_neighbors_of_a_wide_tree_model_by_tiles_and_whole_nodes(dtype):
    # 40 features and a large radius: the tiles with the trees' decisions (a sample shows
    # the tree would compute most sums; float32 rows screened by sgemm); then a radius
    # holding every row (the tree takes whole nodes, their distances still the trees' sums).
    X, Q, _ = data(n=1200, p=40, q=80, seed=5, dtype=dtype)
    radius = float(np.median(np.linalg.norm(Q[:, None] - X[None, :200], axis=2)))
    for r in (radius, 1e6):
        ours = NearestNeighbors(radius=r, algorithm="kd_tree").fit(X)
        theirs = sk.NearestNeighbors(radius=r, algorithm="kd_tree").fit(X)
        _same_rows(ours.radius_neighbors(Q), theirs.radius_neighbors(Q), ordered=False)
    X3, Q3, _ = data(n=3000, p=2, q=50, seed=6, dtype=dtype)
    ours = NearestNeighbors(radius=1e6, algorithm="kd_tree").fit(X3)
    theirs = sk.NearestNeighbors(radius=1e6, algorithm="kd_tree").fit(X3)
    _same_rows(ours.radius_neighbors(Q3), theirs.radius_neighbors(Q3), ordered=False)


def test_radius_neighbors_graph_is_scikit_learns():
    X, Q, radius = _radius_data(3, np.float64)
    for algorithm in ("brute", "kd_tree"):
        ours = NearestNeighbors(radius=radius, algorithm=algorithm).fit(X)
        theirs = sk.NearestNeighbors(radius=radius, algorithm=algorithm).fit(X)
        for mode in ("connectivity", "distance"):
            for query in (Q, None):
                graph = ours.radius_neighbors_graph(query, mode=mode, sort_results=True)
                expected = theirs.radius_neighbors_graph(query, mode=mode, sort_results=True)
                assert sp.issparse(graph)
                if algorithm == "brute":
                    assert_allclose(graph.toarray(), expected.toarray(), **BRUTE_FLOAT64_TOLERANCE)
                else:
                    assert_array_equal(graph.toarray(), expected.toarray())


def test_empty_neighbourhoods():
    X, Q, _ = data(n=50)
    ours = NearestNeighbors(radius=0.0).fit(X)
    d, i = ours.radius_neighbors()
    assert d.shape == i.shape == (50,)
    assert all(len(a) == 0 and a.dtype == np.intp for a in i)
    assert all(len(a) == 0 and a.dtype == np.float64 for a in d)
    _same_rows(
        ours.radius_neighbors(Q, radius=0.5),
        sk.NearestNeighbors(radius=0.0).fit(X).radius_neighbors(Q, radius=0.5),
        ordered=False,
    )


def test_radius_neighbors_errors_are_scikit_learns():
    X, Q, _ = data(n=20)
    ours, theirs = NearestNeighbors().fit(X), sk.NearestNeighbors().fit(X)
    for call in (
        lambda m: m.radius_neighbors(Q, return_distance=False, sort_results=True),
        lambda m: m.radius_neighbors(Q[:, :3]),
        lambda m: m.radius_neighbors(np.full_like(Q, np.nan)),
        lambda m: m.set_params(algorithm="brute").fit(X).radius_neighbors(Q, radius=-1.0),
    ):
        _same_error(functools.partial(call, ours), functools.partial(call, theirs))
    # A negative radius finds nothing in scikit-learn's trees (its code runs).
    for model in (ours, theirs):
        model.set_params(algorithm="kd_tree").fit(X)
    _same_rows(ours.radius_neighbors(Q, radius=-1.0), theirs.radius_neighbors(Q, radius=-1.0), True)
    _same_error(
        lambda: NearestNeighbors().radius_neighbors(Q),
        lambda: sk.NearestNeighbors().radius_neighbors(Q),
    )


@pytest.mark.parametrize(
    "case, reason",
    [
        ("radii", "radius=array"),
        ("float64 query of a float32 brute model", "X is float64, the model float32"),
        ("no cython reductions", "enable_cython_pairwise_dist=False"),
        ("manhattan", "metric 'manhattan'"),
    ],
)
def test_radius_neighbors_fallbacks_are_logged_and_scikit_learns(case, reason, caplog):
    import sklearn

    X, Q, radius = _radius_data(3, np.float32 if "float32" in case else np.float64)
    params = {"radius": radius, "algorithm": "kd_tree" if case == "radii" else "brute"}
    if case == "manhattan":
        params["metric"] = "manhattan"
    query = Q.astype(np.float64) if "float32" in case else Q
    r = np.full(len(Q), radius) if case == "radii" else None
    ours = NearestNeighbors(**params).fit(X)
    theirs = sk.NearestNeighbors(**params).fit(X)
    with sklearn.config_context(enable_cython_pairwise_dist=case != "no cython reductions"):
        with caplog.at_level(logging.INFO, logger="skaccel"):
            result = ours.radius_neighbors(query, radius=r)
        expected = theirs.radius_neighbors(query, radius=r)
    assert "falling back to scikit-learn" in caplog.text and reason in caplog.text
    _same_rows(result, expected, ordered=True)


def test_radius_neighbors_of_array_api_inputs_are_numpy_object_arrays():
    xp = pytest.importorskip("array_api_strict")
    import sklearn

    X, Q, radius = _radius_data(3, np.float64)
    expected = NearestNeighbors(radius=radius).fit(X).radius_neighbors(Q)
    with sklearn.config_context(array_api_dispatch=True):
        model = NearestNeighbors(radius=radius).fit(xp.asarray(X))
        result = model.radius_neighbors(xp.asarray(Q))
        graph = model.radius_neighbors_graph(xp.asarray(Q))
    assert all(isinstance(a, np.ndarray) for a in result[1])
    _same_rows(result, expected, ordered=True)
    assert sp.issparse(graph) and graph.nnz == sum(len(a) for a in expected[1])


def test_the_core_kd_tree_is_kept_between_searches_and_never_saved(tmp_path):
    from skaccel.neighbors._base import _CORE_TREES

    X, Q, r = data(n=6000, p=4, q=1200, seed=9)
    y = r.integers(0, 3, X.shape[0])
    model = KNeighborsClassifier(n_neighbors=5, algorithm="kd_tree").fit(X, y)
    theirs = sk.KNeighborsClassifier(n_neighbors=5, algorithm="kd_tree").fit(X, y)
    assert model not in _CORE_TREES
    assert_array_equal(model.predict(Q), theirs.predict(Q))  # 1,200 queries: built, kept
    tree = _CORE_TREES[model][1]
    assert tree.n_rows == 6000 and tree.n_features == 4
    for query in (Q[:7], Q[::-1][:3], Q[:1]):  # few queries: the kept tree
        d, i = model.kneighbors(query)
        d_ref, i_ref = theirs.kneighbors(query)
        assert_array_equal(i, i_ref)
        assert_allclose(d, d_ref, rtol=1e-15, atol=0)
    assert _CORE_TREES[model][1] is tree
    # Radius searches take the kept tree too.
    radius = float(np.median(d_ref[:, -1]))
    nn = NearestNeighbors(radius=radius, algorithm="kd_tree").fit(X)
    nn.kneighbors(Q)
    kept = _CORE_TREES[nn][1]
    _same_rows(
        nn.radius_neighbors(Q[:20]),
        sk.NearestNeighbors(radius=radius, algorithm="kd_tree").fit(X).radius_neighbors(Q[:20]),
        ordered=False,
    )
    assert _CORE_TREES[nn][1] is kept
    # Nothing of it in the model's state, its pickles or its files.
    assert not any("tree" in k for k in vars(model))
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded not in _CORE_TREES
    assert_array_equal(loaded.kneighbors(Q[:7])[1], model.kneighbors(Q[:7])[1])
    skaccel.save(model, tmp_path / "m.skm")
    assert (tmp_path / "m.skm").stat().st_size < 1.1 * (X.nbytes + y.nbytes)
    # A refit drops it; new rows get a new one.
    model.fit(X[:3000], y[:3000])
    assert model not in _CORE_TREES
    model.predict(Q)
    assert _CORE_TREES[model][1].n_rows == 3000


def test_a_second_search_of_few_queries_builds_the_tree():
    from skaccel.neighbors._base import _CORE_TREES

    X, Q, _ = data(n=3000, p=3, q=40, seed=10)
    model = NearestNeighbors(n_neighbors=4, algorithm="kd_tree").fit(X)
    ref = sk.NearestNeighbors(n_neighbors=4, algorithm="kd_tree").fit(X).kneighbors(Q)
    first = model.kneighbors(Q)  # by brute force with the trees' distances
    assert _CORE_TREES[model] is None
    second = model.kneighbors(Q)  # the tree, built and kept
    assert _CORE_TREES[model] is not None
    for d, i in (first, second):
        assert_array_equal(i, ref[1])
        assert_allclose(d, ref[0], rtol=1e-15, atol=0)
    # Brute-force models never build one.
    brute = NearestNeighbors(n_neighbors=4, algorithm="brute").fit(X)
    brute.kneighbors(Q)
    brute.kneighbors(Q)
    assert brute not in _CORE_TREES


def test_threads_share_a_model_and_its_kept_tree():
    import concurrent.futures

    X, Q, r = data(n=8000, p=3, q=1500, seed=11)
    y = r.integers(0, 4, X.shape[0])
    model = KNeighborsClassifier(n_neighbors=7, algorithm="kd_tree").fit(X, y)
    expected = sk.KNeighborsClassifier(n_neighbors=7, algorithm="kd_tree").fit(X, y)
    expected_proba = expected.predict_proba(Q)
    radius = 0.5

    def job(i):
        query = Q[i % 3 :: 3] if i % 2 else Q
        proba = model.predict_proba(query)
        d, ind = model.kneighbors(query[:50])
        return i, query, proba, d, ind

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(job, range(12)))
    for i, query, proba, d, ind in results:
        rows = slice(i % 3, None, 3) if i % 2 else slice(None)
        assert_allclose(proba, expected_proba[rows], rtol=1e-13)
        d_ref, i_ref = expected.kneighbors(query[:50])
        assert_array_equal(ind, i_ref)
        assert_allclose(d, d_ref, rtol=1e-15, atol=0)
    nn = NearestNeighbors(radius=radius, algorithm="kd_tree").fit(X)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        found = list(pool.map(lambda _: nn.radius_neighbors(Q, sort_results=True), range(6)))
    reference = sk.NearestNeighbors(radius=radius, algorithm="kd_tree").fit(X)
    for result in found:
        _same_rows(result, reference.radius_neighbors(Q, sort_results=True), ordered=False)


# --- the Minkowski family's other metrics ---------------------------------------------

METRICS = [
    {"metric": "manhattan"},
    {"metric": "cityblock"},
    {"metric": "l1"},
    {"metric": "chebyshev"},
    {"p": 1},
    {"p": np.inf},
    {"p": 3},
    {"p": 1.5},
    {"metric": "minkowski", "metric_params": {"p": 4}},
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("params", METRICS, ids=repr)
def test_other_metrics_are_the_cores_with_scikit_learns_bits(params, algorithm, dtype, caplog):
    # Bit for bit: the brute force's arithmetic (float32 rows: float32 differences, the
    # reduced distance and the distance rounded to float32), or the trees' (in double,
    # minkowski's root by NumPy's power).
    X, Q, r = data(n=700, p=5, dtype=dtype)
    y = r.integers(0, 3, X.shape[0])
    for estimator, theirs_class in (
        (NearestNeighbors, sk.NearestNeighbors),
        (KNeighborsClassifier, sk.KNeighborsClassifier),
        (KNeighborsRegressor, sk.KNeighborsRegressor),
    ):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="skaccel"):
            # (A copy each: scikit-learn's uniform predict_proba writes p into metric_params.)
            ours = estimator(n_neighbors=6, algorithm=algorithm, **copy.deepcopy(params)).fit(X, y)
            d, i = ours.kneighbors(Q)
            d_self, i_self = ours.kneighbors()
        assert "falling back" not in caplog.text, caplog.text
        theirs = theirs_class(n_neighbors=6, algorithm=algorithm, **copy.deepcopy(params)).fit(X, y)
        assert ours._fit_method == theirs._fit_method
        assert ours.effective_metric_ == theirs.effective_metric_
        assert ours.effective_metric_params_ == theirs.effective_metric_params_
        d_ref, i_ref = theirs.kneighbors(Q)
        assert_array_equal(i, i_ref)
        assert_array_equal(d, d_ref)
        d_ref, i_ref = theirs.kneighbors()
        assert_array_equal(i_self, i_ref)
        assert_array_equal(d_self, d_ref)
        if estimator is KNeighborsClassifier:
            assert_array_equal(ours.predict_proba(Q), theirs.predict_proba(Q))
        if estimator is not NearestNeighbors:
            assert_array_equal(ours.predict(Q), theirs.predict(Q))


@pytest.mark.parametrize("params", [{"p": 1}, {"p": np.inf}, {"p": 3}], ids=repr)
@pytest.mark.parametrize("algorithm", ["brute", "kd_tree"])
def test_other_metrics_equal_distances_take_the_lower_row_first(params, algorithm):
    # Rows on a grid: many equal distances. scikit-learn leaves their order unspecified;
    # the core's is the lower row first, with scikit-learn's distances.
    r = np.random.default_rng(5)
    X = np.round(r.standard_normal((3000, 3)) * 2)
    Q = np.round(r.standard_normal((1200, 3)) * 2)  # the kd-tree from 1,000 queries
    d, i = NearestNeighbors(n_neighbors=8, algorithm=algorithm, **params).fit(X).kneighbors(Q)
    theirs = sk.NearestNeighbors(n_neighbors=8, algorithm=algorithm, **params).fit(X)
    d_ref, i_ref = theirs.kneighbors(Q)
    assert_array_equal(d, d_ref)
    same_distance = d[:, 1:] == d[:, :-1]
    assert same_distance.any()
    assert (i[:, 1:][same_distance] > i[:, :-1][same_distance]).all()
    for row in range(len(Q)):
        # The same rows at each distance, where the k-th distance does not cut a tie.
        inside = d[row] < d[row, -1]
        assert set(i[row][inside]) == set(i_ref[row][d_ref[row] < d_ref[row, -1]])


def test_minkowski_below_one_is_brute_force_and_the_trees_refuse_it():
    X, Q, _ = data()
    with pytest.warns(UserWarning, match="0 < p < 1"):
        ours = NearestNeighbors(p=0.5).fit(X)
    theirs = sk.NearestNeighbors(p=0.5).fit(X)
    assert ours._fit_method == theirs._fit_method == "brute"
    assert_array_equal(ours.kneighbors(Q)[0], theirs.kneighbors(Q)[0])
    for algorithm in ("kd_tree", "ball_tree"):
        with pytest.raises(ValueError, match="does not support 0 < p < 1"):
            NearestNeighbors(p=0.5, algorithm=algorithm).fit(X)


@pytest.mark.parametrize("layout", ["C", "F", "reversed-rows", "every-other-column", "read-only"])
@pytest.mark.parametrize("params", [{"p": 1}, {"p": 3}], ids=repr)
def test_other_metrics_take_every_layout(params, layout):
    X, Q, _ = data(dtype=np.float32)
    expected = sk.NearestNeighbors(n_neighbors=5, algorithm="brute", **params).fit(X).kneighbors(Q)
    model = NearestNeighbors(n_neighbors=5, algorithm="brute", **params).fit(layouts(X)[layout])
    d, i = model.kneighbors(layouts(Q)[layout])
    assert_array_equal(i, expected[1])
    assert_array_equal(d, expected[0])


def test_other_metrics_radius_neighbors_run_scikit_learns_code(caplog):
    X, Q, _ = data()
    ours = NearestNeighbors(radius=3.0, metric="manhattan").fit(X)
    with caplog.at_level(logging.INFO, logger="skaccel"):
        d, i = ours.radius_neighbors(Q, sort_results=True)
    assert "metric 'manhattan'" in caplog.text
    d_ref, i_ref = (
        sk.NearestNeighbors(radius=3.0, metric="manhattan")
        .fit(X)
        .radius_neighbors(Q, sort_results=True)
    )
    for a, b in zip(i, i_ref, strict=True):
        assert_array_equal(a, b)
    for a, b in zip(d, d_ref, strict=True):
        assert_array_equal(a, b)

"""skaccel.metrics.pairwise_distances against scikit-learn's: the same arrays (dtype,
shape, order, zero diagonal), values within roundoff, the same errors, fallbacks logged."""

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics.pairwise import pairwise_distances as sk_pairwise_distances

from skaccel import _core
from skaccel.metrics import pairwise_distances

RNG = np.random.default_rng(0)
METRICS = ["euclidean", "l2", "cosine", "manhattan", "cityblock", "l1"]


def _assert_same(ours, theirs, dtype, tolerance=None):
    assert type(ours) is np.ndarray
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert ours.flags.c_contiguous == theirs.flags.c_contiguous
    if tolerance is None:
        tolerance = 1e-12 if dtype == np.float64 else 3e-6
        # Exact zeros stay exact (the diagonal of X with itself, equal rows), unless
        # cancellation makes both sides roundoff.
        np.testing.assert_array_equal(ours == 0, theirs == 0)
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


def _compare(*args, dtype=np.float64, tolerance=None, **kwargs):
    ours = pairwise_distances(*args, **kwargs)
    theirs = sk_pairwise_distances(*args, **kwargs)
    _assert_same(ours, theirs, dtype, tolerance)
    return ours


def _layouts(A):
    read_only = A.copy()
    read_only.flags.writeable = False
    return {
        "C": A,
        "F": np.asfortranarray(A),
        "reversed rows": A[::-1],
        "reversed columns": A[:, ::-1],
        "strided": np.repeat(A, 2, axis=0)[::2],
        "zero stride": np.broadcast_to(A[:1], A.shape),
        "read-only": read_only,
    }


@pytest.mark.parametrize("n_jobs", [None, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("layout", list(_layouts(np.zeros((2, 2)))))
def test_every_layout_gives_scikit_learns_distances(layout, metric, dtype, n_jobs):
    X = RNG.standard_normal((150, 7)).astype(dtype)
    Y = RNG.standard_normal((700, 7)).astype(dtype)  # more than one tile of columns
    X_in, Y_in = _layouts(X)[layout], _layouts(Y)[layout]
    _compare(X_in, Y_in, metric=metric, n_jobs=n_jobs, dtype=dtype)
    _compare(X_in, metric=metric, n_jobs=n_jobs, dtype=dtype)  # X with itself


@pytest.mark.parametrize("n_jobs", [None, -1])
@pytest.mark.parametrize("metric", METRICS)
def test_x_with_itself_has_scikit_learns_diagonal(metric, n_jobs):
    # Rows far from the origin: the expanded ‖x‖² − 2x·y + ‖y‖² cancels (‖x‖² ~ 4e8, the
    # distances ~ 1), so both sides carry roundoff of ~1e-7 (their gemms sum in other
    # orders) and only the explicit zero diagonal is exact.
    X = RNG.standard_normal((300, 4)) + 1e4
    tolerance = 1e-6 if metric in ("euclidean", "l2") else 1e-12
    for args in [(X,), (X, X)]:  # Y omitted, or the same object
        ours = _compare(*args, metric=metric, n_jobs=n_jobs, tolerance=tolerance)
        theirs = sk_pairwise_distances(*args, metric=metric, n_jobs=n_jobs)
        np.testing.assert_array_equal(np.diag(ours) == 0, np.diag(theirs) == 0)
        if metric != "cosine" or n_jobs is None:
            assert (np.diag(ours) == 0).all()
    # An equal copy is another matrix: no diagonal is set, and a distance of a row to its
    # copy is the root of that roundoff (~3e-4) on either side.
    copy_tolerance = 1e-3 if metric in ("euclidean", "l2") else 1e-12
    _compare(X, X.copy(), metric=metric, n_jobs=n_jobs, tolerance=copy_tolerance)


@pytest.mark.parametrize("metric", METRICS)
def test_inputs_scikit_learn_converts(metric):
    X = RNG.integers(-5, 5, size=(40, 3))
    Y = RNG.standard_normal((30, 3)).astype(np.float32)
    _compare(X, metric=metric)  # integers: float64
    _compare(X.tolist(), Y.tolist(), metric=metric)
    _compare(X.astype(np.float32), Y, metric=metric, dtype=np.float32)
    _compare(X, Y, metric=metric)  # mixed: float64
    pd = pytest.importorskip("pandas")
    _compare(pd.DataFrame(X), pd.DataFrame(Y.astype(np.float64)), metric=metric)


@pytest.mark.parametrize("metric", METRICS)
def test_edge_shapes(metric):
    X = RNG.standard_normal((5, 3))
    _compare(X[:1], X, metric=metric)
    _compare(X, X[:1], metric=metric)
    _compare(np.zeros((4, 3)), metric=metric)  # cosine of zero rows: their norm is 0
    _compare(RNG.standard_normal((3, 1)), RNG.standard_normal((600, 1)), metric=metric)


def test_large_problems_use_every_tile_and_thread():
    X = RNG.standard_normal((1000, 30))
    Y = RNG.standard_normal((1300, 30))
    for metric in ("euclidean", "cosine", "manhattan"):
        one = pairwise_distances(X, Y, metric=metric, n_jobs=1)
        two = pairwise_distances(X, Y, metric=metric, n_jobs=2)
        # The tiles are the same whatever the thread count: the same numbers.
        np.testing.assert_array_equal(one, two)
        _assert_same(one, sk_pairwise_distances(X, Y, metric=metric), np.float64)


def _assert_same_error(*args, **kwargs):
    with pytest.raises(Exception) as theirs:
        sk_pairwise_distances(*args, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        pairwise_distances(*args, **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("metric", METRICS)
def test_errors_are_scikit_learns(metric):
    X = RNG.standard_normal((5, 3))
    _assert_same_error(X, X[:, :2], metric=metric)
    bad = X.copy()
    bad[1, 1] = np.nan
    _assert_same_error(bad, metric=metric)
    # ensure_all_finite does not reach these metrics in scikit-learn either
    _assert_same_error(bad, metric=metric, ensure_all_finite=False)
    bad[1, 1] = np.inf
    _assert_same_error(X, bad, metric=metric)
    _assert_same_error(X[0], metric=metric)
    _assert_same_error(np.empty((0, 3)), metric=metric)
    _assert_same_error(X, metric="no such metric")
    _assert_same_error(X, metric=metric, n_jobs="two")


def test_other_cases_run_scikit_learns_code_and_are_logged(caplog):
    X = RNG.standard_normal((20, 3))
    with caplog.at_level(logging.INFO, logger="skaccel"):
        for kwargs in [
            dict(metric="chebyshev"),
            dict(metric="minkowski", p=3),
            dict(metric=lambda a, b: float(np.abs(a - b).max())),
            dict(metric="euclidean", squared=True),
        ]:
            np.testing.assert_allclose(
                pairwise_distances(X, **kwargs), sk_pairwise_distances(X, **kwargs)
            )
        _compare(sp.csr_matrix(X), metric="euclidean")
    text = caplog.text
    assert "metric='chebyshev'" in text and "a callable metric" in text
    assert "keyword arguments ['squared']" in text and "sparse input" in text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="skaccel"):
        pairwise_distances(X)
    assert "running on the skaccel C++ core" in caplog.text


def test_precomputed_is_scikit_learns():
    D = pairwise_distances(RNG.standard_normal((6, 2)))
    np.testing.assert_array_equal(
        pairwise_distances(D, metric="precomputed"), sk_pairwise_distances(D, metric="precomputed")
    )


def test_the_core_checks_its_arguments():
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match="different numbers of features"):
        _core.pairwise_manhattan(X, np.ones((3, 3)), np.empty((3, 3)), 1)
    with pytest.raises(ValueError, match="X.rows × Y.rows"):
        _core.pairwise_manhattan(X, None, np.empty((3, 2)), 1)
    with pytest.raises(ValueError, match="norms"):
        _core.pairwise_dot(X, None, None, None, "euclidean", False, np.empty((3, 3)), 1)
    with pytest.raises(ValueError, match="one value per row"):
        _core.pairwise_dot(X, None, np.ones(2), None, "euclidean", False, np.empty((3, 3)), 1)
    with pytest.raises(ValueError, match="metric must be"):
        _core.pairwise_dot(X, None, None, None, "chebyshev", False, np.empty((3, 3)), 1)
    with pytest.raises(TypeError):  # the output is never a converted copy
        _core.pairwise_manhattan(X, None, np.empty((3, 3), dtype=np.int64), 1)


# --- pairwise_distances_argmin(_min) ----------------------------------------------------------


def _argmin_pair(X, Y, **kwargs):
    from sklearn.metrics import pairwise_distances_argmin as sk_argmin
    from sklearn.metrics import pairwise_distances_argmin_min as sk_argmin_min

    from skaccel.metrics import pairwise_distances_argmin, pairwise_distances_argmin_min

    ours, theirs = pairwise_distances_argmin_min(X, Y, **kwargs), sk_argmin_min(X, Y, **kwargs)
    for a, b in zip(ours, theirs, strict=True):
        assert type(a) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(ours[0], theirs[0])
    # float64 products differ from scikit-learn's in the last bits (its BLAS is SciPy's
    # build of OpenBLAS, ours scipy-openblas32's); float32 distances are rounded through
    # float32, which hides them.
    exact = np.asarray(X).dtype == np.float32 and np.asarray(Y).dtype == np.float32
    if exact:
        np.testing.assert_array_equal(ours[1], theirs[1])
    else:
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-13, atol=1e-13)
    only = pairwise_distances_argmin(X, Y, **kwargs)
    np.testing.assert_array_equal(only, sk_argmin(X, Y, **kwargs))
    assert only.dtype == theirs[0].dtype
    return ours


@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_argmin_equal_scikit_learns_bits(dtype, axis, caplog):
    X = (RNG.standard_normal((700, 12)) * 3).astype(dtype)
    Y = (RNG.standard_normal((1300, 12)) * 3).astype(dtype)
    X[:20] = Y[100:120]  # distance 0
    Y[200:260] = Y[140:200]  # equal distances: the lower row first
    with caplog.at_level(logging.INFO, logger="skaccel"):
        indices, _ = _argmin_pair(X, Y, axis=axis) if axis == 1 else _argmin_pair(Y, X, axis=0)
    assert "pairwise_distances_argmin_min: running on the skaccel C++ core" in caplog.text
    assert "pairwise_distances_argmin: running on the skaccel C++ core" in caplog.text
    assert (indices[:20] == np.arange(100, 120)).all()


def test_argmin_of_one_row_and_lists():
    _argmin_pair([[0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0], [2.0, 2.0]])
    _argmin_pair(np.ones((3, 2)), np.ones((1, 2)))


@pytest.mark.parametrize(
    "case, reason",
    [
        ("F-ordered", "not C-contiguous"),
        ("mixed dtypes", "running on the skaccel C++ core"),
        ("manhattan", "metric='manhattan'"),
        ("squared", "metric_kwargs ['squared']"),
        ("sparse", "sparse input"),
        ("no cython reductions", "enable_cython_pairwise_dist=False"),
    ],
)
def test_argmin_fallbacks_are_logged_and_scikit_learns(case, reason, caplog):
    import sklearn

    X, Y = RNG.standard_normal((50, 4)), RNG.standard_normal((80, 4))
    kwargs = {}
    if case == "F-ordered":
        X = np.asfortranarray(X)
    elif case == "mixed dtypes":
        X = X.astype(np.float32)  # both float64 after scikit-learn's check
    elif case == "manhattan":
        kwargs["metric"] = "manhattan"
    elif case == "squared":
        kwargs["metric_kwargs"] = {"squared": True}
    elif case == "sparse":
        X = sp.csr_matrix(X)
    with sklearn.config_context(enable_cython_pairwise_dist=case != "no cython reductions"):
        with caplog.at_level(logging.INFO, logger="skaccel"):
            _argmin_pair(X, Y, **kwargs)
    assert reason in caplog.text


def test_argmin_errors_are_scikit_learns():
    from sklearn.metrics import pairwise_distances_argmin_min as sk_argmin_min

    from skaccel.metrics import pairwise_distances_argmin_min

    X = RNG.standard_normal((5, 3))
    for args, kwargs in (
        ((X, X[:, :2]), {}),
        ((X, np.full_like(X, np.nan)), {}),
        ((X, X), {"axis": 2}),
        ((X, X), {"metric": "no such metric"}),
        ((X, np.empty((0, 3))), {}),
    ):
        with pytest.raises(Exception) as ours:
            pairwise_distances_argmin_min(*args, **kwargs)
        with pytest.raises(Exception) as theirs:
            sk_argmin_min(*args, **kwargs)
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", list(_layouts(np.zeros((2, 2)))))
def test_argmin_of_every_layout_is_scikit_learns(layout, dtype):
    # C-ordered arrays run the core; the others scikit-learn's chunked path, as its own
    # reduction takes C-ordered arrays only.
    X = RNG.standard_normal((150, 7)).astype(dtype)
    Y = RNG.standard_normal((700, 7)).astype(dtype)
    _argmin_pair(_layouts(X)[layout], _layouts(Y)[layout])

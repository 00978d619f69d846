"""BasicStatistics: the documented definitions, result_options, weights, numerics."""

import logging
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from skaccel.basic_statistics import RESULT_OPTIONS, BasicStatistics, IncrementalBasicStatistics


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 6)) * rng.uniform(0.5, 4, 6) + rng.uniform(-10, 10, 6)
    w = rng.uniform(0.1, 3.0, 400)
    return X, w


def reference(X, w=None):
    """The definitions in the docstring, in plain NumPy (float64)."""
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    W = w.sum()
    mean = (w[:, None] * X).sum(0) / W
    ssc = (w[:, None] * (X - mean) ** 2).sum(0)
    ss = (w[:, None] * X**2).sum(0)
    variance = ssc / (W - 1)
    rows = w > 0
    return {
        "min": X[rows].min(0),
        "max": X[rows].max(0),
        "sum": (w[:, None] * X).sum(0),
        "mean": mean,
        "variance": variance,
        "variation": np.sqrt(variance) / mean,
        "sum_squares": ss,
        "sum_squares_centered": ssc,
        "second_order_raw_moment": ss / W,
        "standard_deviation": np.sqrt(variance),
    }


def assert_statistics(model, expected, rtol, options=RESULT_OPTIONS):
    for name in options:
        got = getattr(model, name + "_")
        assert got.shape == expected[name].shape, name
        assert_allclose(got, expected[name], rtol=rtol, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_definitions(data, dtype, weighted):
    X, w = data
    X = X.astype(dtype)
    sw = w.astype(dtype) if weighted else None
    model = BasicStatistics().fit(X, sample_weight=sw)
    assert {k for k in vars(model) if k.endswith("_")} == {
        *(o + "_" for o in RESULT_OPTIONS),
        "n_features_in_",
    }
    for name in RESULT_OPTIONS:
        assert getattr(model, name + "_").dtype == dtype, name
    expected = reference(X, sw)
    assert_statistics(model, expected, rtol=1e-12 if dtype == np.float64 else 2e-6)


@pytest.mark.parametrize(
    "options",
    [
        "mean",
        "variance",
        ["min", "max"],
        ["standard_deviation", "sum", "sum"],
        list(RESULT_OPTIONS),
    ],
)
def test_result_options_select_attributes(data, options):
    X, _ = data
    model = BasicStatistics(result_options=options).fit(X)
    wanted = {options} if isinstance(options, str) else set(options)
    assert {k[:-1] for k in vars(model) if k.endswith("_") and k != "n_features_in_"} == wanted
    assert_statistics(model, reference(X), rtol=1e-12, options=wanted)
    # A refit with other options drops the statistics no longer asked for.
    model.set_params(result_options="max").fit(X)
    assert {k for k in vars(model) if k.endswith("_")} == {"max_", "n_features_in_"}


@pytest.mark.parametrize(
    "options, message",
    [
        ("median", "result_options"),
        (["mean", "median"], "unknown statistics \\['median'\\]"),
        ([], "empty list"),
        (["mean", 3], "must hold statistic names"),
        (["all"], "unknown statistics \\['all'\\]"),
        (("mean",), "result_options"),
        (None, "result_options"),
    ],
)
@pytest.mark.parametrize("cls", [BasicStatistics, IncrementalBasicStatistics])
def test_result_options_validation(data, cls, options, message):
    X, _ = data
    with pytest.raises(ValueError, match=message):
        cls(result_options=options).fit(X)
    if cls is IncrementalBasicStatistics:
        with pytest.raises(ValueError, match=message):
            cls(result_options=options).partial_fit(X)


def test_integer_weights_equal_repeated_rows_and_zero_weights_removed(data):
    X, _ = data
    rng = np.random.default_rng(3)
    k = rng.integers(0, 4, X.shape[0])
    k[0] = 0  # the first row (the core's shift) is left out too
    weighted = BasicStatistics().fit(X, sample_weight=k.astype(np.float64))
    repeated = BasicStatistics().fit(np.repeat(X, k, axis=0))
    for name in RESULT_OPTIONS:
        assert_allclose(getattr(weighted, name + "_"), getattr(repeated, name + "_"), rtol=1e-12)


def test_exact_for_large_means():
    """Columns with mean 1e8 and unit spread: exact variances (no cancellation)."""
    rng = np.random.default_rng(1)
    Z = rng.integers(-2, 3, size=(100_001, 3)).astype(np.float64)
    offsets = np.array([1e8, -1e8, 1e9])
    X = Z + offsets
    model = BasicStatistics().fit(X)
    n = X.shape[0]
    exact_ssc = ((Z - Z.mean(0)) ** 2).sum(0)
    # Each thread's rows are shifted by their first row, so its sums are exact; merging
    # the threads' partial moments goes through their float64 means (absolute error
    # eps·|mean|), which bounds the error far below the spread: ~1e-12 relative here.
    assert_allclose(model.variance_, exact_ssc / (n - 1), rtol=1e-10)
    assert_allclose(model.sum_squares_centered_, exact_ssc, rtol=1e-10)
    assert_allclose(model.mean_ - offsets, Z.mean(0), atol=1e-7)
    # The naive Σx² − n·mean² would have lost every digit here.
    naive = (X**2).sum(0) - n * X.mean(0) ** 2
    assert np.any(np.abs(naive - exact_ssc) > 0.01 * exact_ssc)
    # float32: mean 1e4, spread 1
    X32 = (Z + 1e4).astype(np.float32)
    m32 = BasicStatistics().fit(X32)
    assert_allclose(m32.variance_, exact_ssc / (n - 1), rtol=1e-6)


def test_single_row_and_constant_columns():
    model = BasicStatistics().fit(np.array([[1.0, -2.0, 0.0]]))
    assert_array_equal(model.mean_, [1.0, -2.0, 0.0])
    assert np.isnan(model.variance_).all() and np.isnan(model.standard_deviation_).all()
    assert_array_equal(model.sum_squares_centered_, 0.0)
    const = BasicStatistics().fit(np.full((10, 2), 3.25))
    assert_array_equal(const.variance_, 0.0)
    assert_array_equal(const.mean_, 3.25)


def test_weights_summing_to_less_than_one_give_nan_variance(data):
    X, w = data
    model = BasicStatistics().fit(X, sample_weight=0.5 * w / w.sum())
    assert np.isnan(model.variance_).all()
    assert np.isnan(model.standard_deviation_).all() and np.isnan(model.variation_).all()
    assert_allclose(model.mean_, reference(X, w)["mean"], rtol=1e-12)


def test_input_handling(data, caplog):
    X, w = data
    Xi = np.round(X).astype(np.int64)  # integers are computed as float64
    model = BasicStatistics().fit(Xi)
    assert model.mean_.dtype == np.float64
    assert_allclose(model.variance_, reference(Xi)["variance"], rtol=1e-12)
    for variant in (np.asfortranarray(X), np.repeat(X, 2, axis=1)[:, ::2]):
        assert_allclose(
            BasicStatistics().fit(variant).variance_, reference(X)["variance"], rtol=1e-12
        )
    with caplog.at_level(logging.INFO, logger="skaccel"):
        BasicStatistics().fit(X)
    assert "BasicStatistics.fit: running on the skaccel C++ core" in caplog.text
    Xc = X.copy()
    BasicStatistics().fit(Xc, sample_weight=np.where(w > 1, w, 0.0))
    assert_array_equal(Xc, X)  # never modified


def test_one_dimensional_x_is_one_feature(data):
    # As scikit-learn-intelex reads it (scikit-learn's own convention refuses 1-D X).
    X, w = data
    model = BasicStatistics().fit(X[:, 1], sample_weight=w)
    reference_model = BasicStatistics().fit(X[:, 1:2], sample_weight=w)
    assert model.n_features_in_ == 1
    for name in RESULT_OPTIONS:
        assert_array_equal(getattr(model, name + "_"), getattr(reference_model, name + "_"))
    pd = pytest.importorskip("pandas")
    assert_allclose(BasicStatistics().fit(pd.Series(X[:, 1])).mean_, [X[:, 1].mean()], rtol=1e-14)


@pytest.mark.parametrize("format", ["csr", "csc", "coo"])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_x_counts_implicit_zeros(data, format, weighted):
    X, w = data
    rng = np.random.default_rng(5)
    dense = np.where(rng.uniform(size=X.shape) < 0.7, 0.0, X)  # mostly zeros
    dense[:, 2] = X[:, 2]  # and a dense column
    w = np.where(rng.uniform(size=w.shape) < 0.2, 0.0, w) if weighted else None
    ours = BasicStatistics().fit(getattr(sp, f"{format}_matrix")(dense), sample_weight=w)
    theirs = BasicStatistics().fit(dense, sample_weight=w)
    for name in RESULT_OPTIONS:
        assert_allclose(
            getattr(ours, name + "_"),
            getattr(theirs, name + "_"),
            rtol=1e-12,
            atol=1e-12,
            err_msg=name,
        )


def test_errors(data):
    X, w = data
    Xnan = X.copy()
    Xnan[5, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        BasicStatistics().fit(Xnan)
    Xinf = X.copy()
    Xinf[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        BasicStatistics().fit(Xinf)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        BasicStatistics().fit(sp.csr_matrix(Xnan))
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        BasicStatistics().fit(X, sample_weight=-w)
    with pytest.raises(ValueError, match="Sample weights must contain at least one non-zero"):
        BasicStatistics().fit(X, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match="sample_weight.shape"):
        BasicStatistics().fit(X, sample_weight=w[:-1])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_overflowing_squares_are_not_an_error():
    """Finite X whose squares overflow float64: non-finite statistics for that column
    (as NumPy's var gives inf), not scikit-learn's NaN/inf input error."""
    X = np.array([[1e200, 1.0], [-1e200, 2.0]])
    model = BasicStatistics().fit(X)
    assert_array_equal(model.mean_, [0.0, 1.5])
    assert_array_equal(model.min_, [-1e200, 1.0])
    assert not np.isfinite(model.variance_[0]) and not np.isfinite(model.sum_squares_[0])
    assert_allclose(model.variance_[1], 0.5)


def test_matches_sklearnex_unweighted(data):
    sklearnex_bs = pytest.importorskip("sklearnex.basic_statistics")
    X, _ = data
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 2e-6)):
        Xd = X.astype(dtype)
        ours = BasicStatistics().fit(Xd)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = sklearnex_bs.BasicStatistics().fit(Xd)
        for name in RESULT_OPTIONS:
            got, expected = getattr(ours, name + "_"), getattr(theirs, name + "_")
            assert got.dtype == expected.dtype, name
            assert_allclose(got, expected, rtol=rtol, err_msg=name)
        sub = BasicStatistics(result_options=["mean", "max"]).fit(Xd)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sub_x = sklearnex_bs.BasicStatistics(result_options=["mean", "max"]).fit(Xd)
        assert {k for k in vars(sub) if k.endswith("_")} == {
            k for k in vars(sub_x) if k.endswith("_") and not k.startswith("_")
        }


def test_sklearnex_weighted_definition_differs_as_documented(data):
    """With weights, scikit-learn-intelex gives the unweighted statistics of w·x; only
    sum_ agrees with ours (documented in the docstring)."""
    sklearnex_bs = pytest.importorskip("sklearnex.basic_statistics")
    X, w = data
    ours = BasicStatistics().fit(X, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sklearnex_bs.BasicStatistics().fit(X, sample_weight=w)
    assert_allclose(ours.sum_, theirs.sum_, rtol=1e-12)
    Z = w[:, None] * X
    assert_allclose(theirs.mean_, Z.mean(0), rtol=1e-10)
    assert_allclose(theirs.variance_, Z.var(0, ddof=1), rtol=1e-10)
    assert_allclose(theirs.min_, Z.min(0), rtol=1e-12)
    assert not np.allclose(ours.mean_, theirs.mean_)

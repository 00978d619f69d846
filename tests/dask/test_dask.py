"""skaccel.dask: fits on dask collections, on a local multi-process cluster.

Iterates over every estimator skaccel.dask has (the registry's model types whose fit
declares the distributed protocol), so a new one is covered by construction.
"""

import pickle

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import distributed_cases as cases  # noqa: E402

import skaccel  # noqa: E402
import skaccel.dask  # noqa: E402

NAMES = skaccel.dask.__all__


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def base_of(name):
    return cases.base_of(getattr(skaccel.dask, name))


def supervised(name):
    return cases.supervised(getattr(skaccel.dask, name))


def weighted(name):
    return cases.weighted(getattr(skaccel.dask, name))


def data(dtype):
    return cases.data(dtype, n=700)


assert_same_model = cases.assert_same_model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_dask_array_fit_equals_the_in_memory_fit(client, name, dtype, weights):
    if weights and not weighted(name):
        pytest.skip("no sample_weight")
    X, y, w = data(dtype)
    y = cases.target(getattr(skaccel.dask, name), y)
    # Uneven row blocks, one of them empty, and two column blocks (rechunked).
    chunks = ((0, 100, 250, 350), (3, 2))
    args = [da.from_array(X, chunks=chunks)]
    full = [X]
    if supervised(name):
        args.append(da.from_array(y, chunks=(chunks[0],)))
        full.append(y)
    kwargs = {"sample_weight": da.from_array(w, chunks=(chunks[0],))} if weights else {}
    cls = getattr(skaccel.dask, name)
    model = cls(**cases.params(cls)).fit(*args, **kwargs)
    reference = base_of(name)(**cases.params(cls)).fit(
        *full, **({"sample_weight": w} if weights else {})
    )
    assert_same_model(model, reference, cases.rtol(cls, dtype))
    # An ordinary model: it pickles as its own class and predicts the same.
    loaded = pickle.loads(pickle.dumps(model))
    for method in ("predict", "transform"):
        if hasattr(reference, method):
            np.testing.assert_array_equal(
                getattr(loaded, method)(X[:9]), getattr(model, method)(X[:9])
            )


@pytest.mark.parametrize("name", NAMES)
def test_dask_dataframe_fit_keeps_feature_names(client, name):
    pd = pytest.importorskip("pandas")
    X, y, _ = data(np.float64)
    y = cases.target(getattr(skaccel.dask, name), y)
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    ddf = dd.from_pandas(frame, npartitions=3)
    args = [ddf] + ([dd.from_pandas(pd.Series(y), npartitions=3)] if supervised(name) else [])
    cls = getattr(skaccel.dask, name)
    model = cls(**cases.params(cls)).fit(*args)
    reference = base_of(name)(**cases.params(cls)).fit(frame, *([y] if supervised(name) else []))
    assert list(model.feature_names_in_) == list(frame.columns)
    assert_same_model(model, reference, cases.rtol(cls, np.float64))


@pytest.mark.parametrize("name", NAMES)
def test_nan_in_one_block_raises_scikit_learns_error(client, name):
    X, y, _ = data(np.float64)
    y = cases.target(getattr(skaccel.dask, name), y)
    X = X.copy()
    X[500, 2] = np.nan
    args = [da.from_array(X, chunks=(200, 5))]
    if supervised(name):
        args.append(da.from_array(y, chunks=200))
    with pytest.raises(ValueError, match="NaN"):
        getattr(skaccel.dask, name)().fit(*args)


def test_invalid_parameters_raise_scikit_learns_error():
    from sklearn.utils._param_validation import InvalidParameterError

    X, y, _ = data(np.float64)
    with pytest.raises(InvalidParameterError, match="alpha"):
        skaccel.dask.Ridge(alpha=-1.0).fit(
            da.from_array(X, chunks=200), da.from_array(y, chunks=200)
        )


def test_a_numpy_input_is_refused():
    X, y, _ = data(np.float64)
    with pytest.raises(TypeError, match="expected a dask array or dask DataFrame"):
        skaccel.dask.LinearRegression().fit(X, y)


@pytest.mark.parametrize(
    "weights, dtype",
    [("none", np.float64), ("some zero", np.float64), ("some zero", np.float32)],
)
@pytest.mark.parametrize("case", list(cases.kmeans_cases(np.zeros((5, 5)))))
def test_kmeans_paths_equal_the_in_memory_fit(client, case, weights, dtype):
    X, _, w = data(dtype)
    params = {"random_state": 0, **cases.kmeans_cases(X)[case]}
    chunks = (0, 100, 250, 350)
    kwargs = {}
    if weights == "some zero":
        w = cases.zero_some_weights(w)
        kwargs = {"sample_weight": w}
    model = skaccel.dask.KMeans(**params).fit(
        da.from_array(X, chunks=(chunks, 5)),
        **{k: da.from_array(v, chunks=(chunks,)) for k, v in kwargs.items()},
    )
    reference = skaccel.cluster.KMeans(**params).fit(X, **kwargs)
    assert_same_model(model, reference, 1e-9 if dtype == np.float64 else 1e-4)
    assert model.n_iter_ == reference.n_iter_

"""skaccel.spmd: fits over MPI ranks. Run by ``make test-spmd`` under ``mpiexec -n 2`` and
``-n 3`` (every rank runs this module on its own shard, the assertions hold on every
rank); a plain ``pytest`` runs it as one rank.

Iterates over every estimator skaccel.spmd has (the registry's model types whose fit
declares the distributed protocol), so a new one is covered by construction.
"""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

MPI = pytest.importorskip("mpi4py.MPI")

import distributed_cases as cases  # noqa: E402

import skaccel  # noqa: E402
import skaccel.spmd  # noqa: E402

COMM = MPI.COMM_WORLD
RANK, SIZE = COMM.Get_rank(), COMM.Get_size()
NAMES = skaccel.spmd.__all__


def base_of(name):
    return cases.base_of(getattr(skaccel.spmd, name))


def supervised(name):
    return cases.supervised(getattr(skaccel.spmd, name))


def weighted(name):
    return cases.weighted(getattr(skaccel.spmd, name))


def shard(n_rows):
    """This rank's rows: uneven shards, rank 0 without rows when there are several."""
    shares = np.arange(SIZE, dtype=float) if SIZE > 1 else np.ones(1)
    cuts = np.concatenate([[0], np.round(np.cumsum(shares) / shares.sum() * n_rows)]).astype(int)
    return slice(cuts[RANK], cuts[RANK + 1])


data = cases.data


def fit_args(name, X, y, w, rows, *, weights):
    y = cases.target(getattr(skaccel.spmd, name), y)
    args = (X[rows], y[rows]) if supervised(name) else (X[rows],)
    kwargs = {"sample_weight": w[rows]} if weights else {}
    return args, kwargs


public_fields = cases.public_fields


def assert_same_on_every_rank(model):
    blob = pickle.dumps(sorted((k, repr(v)) for k, v in public_fields(model).items()))
    assert len(set(COMM.allgather(blob))) == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_equals_the_single_process_fit(name, dtype, weights):
    if weights and not weighted(name):
        pytest.skip("no sample_weight")
    X, y, w = data(dtype)
    args, kwargs = fit_args(name, X, y, w, shard(X.shape[0]), weights=weights)
    cls = getattr(skaccel.spmd, name)
    model = cls(**cases.params(cls)).fit(*args, **kwargs)
    full_args, full_kwargs = fit_args(name, X, y, w, slice(None), weights=weights)
    reference = base_of(name)(**cases.params(cls)).fit(*full_args, **full_kwargs)
    cases.assert_same_model(model, reference, cases.rtol(cls, dtype))
    assert_same_on_every_rank(model)


@pytest.mark.parametrize("name", NAMES)
def test_the_model_is_an_ordinary_model(name, tmp_path_factory):
    X, y, w = data(np.float64)
    args, _ = fit_args(name, X, y, w, shard(X.shape[0]), weights=False)
    model = getattr(skaccel.spmd, name)().fit(*args)
    method = next((m for m in ("predict", "transform") if hasattr(model, m)), None)
    # The saved model loads in a process that cannot import mpi4py.
    directory = COMM.bcast(str(tmp_path_factory.mktemp("spmd")) if RANK == 0 else None)
    path = os.path.join(directory, f"{name}.skm")
    if RANK == 0:
        skaccel.save(model, path)
    COMM.Barrier()
    loaded = skaccel.load(path)
    assert type(loaded) is base_of(name)
    script = (
        "import sys; sys.modules['mpi4py'] = None\n"
        "import numpy as np, pickle, skaccel\n"
        + f"model = pickle.loads({pickle.dumps(model)!r})\n"
        + f"X = np.load({os.path.join(directory, 'X.npy')!r})\n"
        + (f"out = model.{method}(X)\n" if method else "out = model.n_features_in_\n")
        + "sys.stdout.write(repr(np.asarray(out).tolist()))\n"
    )
    if RANK == 0:
        np.save(os.path.join(directory, "X.npy"), X[:7])
    COMM.Barrier()
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    if method is None:
        assert eval(result.stdout) == X.shape[1]
    else:
        expected = getattr(loaded, method)(X[:7])
        np.testing.assert_array_equal(np.asarray(eval(result.stdout)), expected)
        np.testing.assert_array_equal(getattr(model, method)(X[:7]), expected)


@pytest.mark.parametrize("name", NAMES)
def test_a_failure_on_one_rank_raises_on_every_rank(name):
    X, y, w = data(np.float64)
    X = X.copy()
    bad_rank = SIZE - 1
    rows = shard(X.shape[0])
    if RANK == bad_rank:
        X[rows.start] = np.nan
    args, _ = fit_args(name, X, y, w, rows, weights=False)
    with pytest.raises(ValueError) as excinfo:
        getattr(skaccel.spmd, name)().fit(*args)
    if RANK != bad_rank:
        assert f"rank {bad_rank} of {SIZE} failed: ValueError" in str(excinfo.value)
    else:
        assert "NaN" in str(excinfo.value)


@pytest.mark.skipif(SIZE < 2, reason="needs several ranks")
@pytest.mark.parametrize("name", NAMES)
def test_ranks_with_different_feature_counts_raise_on_every_rank(name):
    X, y, w = data(np.float64)
    if RANK == SIZE - 1:
        X = X[:, :-1]
    args, _ = fit_args(name, X, y, w, shard(X.shape[0]), weights=False)
    with pytest.raises(ValueError, match="n_features_in_ is 4 on rank .* but 5 on rank 0"):
        getattr(skaccel.spmd, name)().fit(*args)


@pytest.mark.skipif(SIZE < 2, reason="needs several ranks")
@pytest.mark.parametrize("name", NAMES)
def test_ranks_with_different_dtypes_raise_on_every_rank(name):
    X, y, w = data(np.float64)
    if RANK == SIZE - 1:
        X, y = X.astype(np.float32), y.astype(np.float32)
    args, _ = fit_args(name, X, y, w, shard(X.shape[0]), weights=False)
    with pytest.raises(ValueError, match="dtype is 'float32' on rank"):
        getattr(skaccel.spmd, name)().fit(*args)


def test_a_sub_communicator():
    # The ranks of even and odd number fit separate models on their own rows.
    comm = COMM.Split(RANK % 2, RANK)
    X, y, _ = data(np.float64)
    rows = np.array_split(np.arange(X.shape[0]), SIZE)[RANK]
    model = skaccel.spmd.LinearRegression().fit(X[rows], y[rows], comm=comm)
    mine = np.concatenate(
        [r for i, r in enumerate(np.array_split(np.arange(X.shape[0]), SIZE)) if i % 2 == RANK % 2]
    )
    reference = skaccel.linear_model.LinearRegression().fit(X[mine], y[mine])
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-9)
    comm.Free()


def test_unsupported_options_raise_on_every_rank():
    X, _, _ = data(np.float64)
    with pytest.raises(ValueError, match="svd_solver='arpack' has no distributed fit"):
        skaccel.spmd.PCA(n_components=2, svd_solver="arpack").fit(X[shard(X.shape[0])])
    with pytest.raises(ValueError, match="positive=True has no distributed fit"):
        skaccel.spmd.LinearRegression(positive=True).fit(X[:10], X[:10, 0])


def test_invalid_parameters_raise_scikit_learns_error():
    from sklearn.utils._param_validation import InvalidParameterError

    X, y, _ = data(np.float64)
    rows = shard(X.shape[0])
    with pytest.raises(InvalidParameterError, match="alpha"):
        skaccel.spmd.Ridge(alpha=-1.0).fit(X[rows], y[rows])


def test_spmd_classes_patch_nothing():
    assert skaccel.get_patch_names() == sorted(set(skaccel.get_patch_names()))
    for name in NAMES:
        assert getattr(skaccel.spmd, name)._sklearn_patch is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", ["none", "positive", "some zero"])
@pytest.mark.parametrize("case", list(cases.kmeans_cases(np.zeros((5, 5)))))
def test_kmeans_paths_equal_the_single_process_fit(case, weights, dtype):
    X, _, w = data(dtype)
    params = {"random_state": 0, **cases.kmeans_cases(X)[case]}
    w = cases.zero_some_weights(w) if weights == "some zero" else w
    kwargs = {} if weights == "none" else {"sample_weight": w}
    rows = shard(X.shape[0])
    local = {k: v[rows] for k, v in kwargs.items()}
    model = skaccel.spmd.KMeans(**params).fit(X[rows], **local)
    reference = skaccel.cluster.KMeans(**params).fit(X, **kwargs)
    cases.assert_same_model(model, reference, 1e-9 if dtype == np.float64 else 1e-4)
    assert model.n_iter_ == reference.n_iter_
    assert_same_on_every_rank(model)


def test_kmeans_errors_are_scikit_learns_on_every_rank():
    X, _, _ = data(np.float64)
    rows = shard(7)  # 7 rows over all ranks
    with pytest.raises(ValueError, match="n_samples=7 should be >= n_clusters=8"):
        skaccel.spmd.KMeans().fit(X[rows])
    with pytest.raises(ValueError, match="a callable init has no distributed fit"):
        skaccel.spmd.KMeans(init=lambda X, k, random_state: X[:k]).fit(X[shard(600)])


def _layouts(X):
    read_only = X.copy()
    read_only.flags.writeable = False
    return {
        "F": np.asfortranarray(X),
        "reversed rows": X[::-1].copy()[::-1],
        "strided": np.repeat(X, 2, axis=0)[::2],
        "read-only": read_only,
    }


@pytest.mark.parametrize("layout", ["F", "reversed rows", "strided", "read-only"])
@pytest.mark.parametrize("name", NAMES)
def test_every_layout_of_a_shard_gives_the_same_model(name, layout):
    # Each rank's rows in another memory layout (the same values): the same model.
    X, y, w = data(np.float64)
    rows = shard(X.shape[0])
    cls = getattr(skaccel.spmd, name)
    args, _ = fit_args(name, X, y, w, rows, weights=False)
    plain = cls(**cases.params(cls)).fit(*args)
    other = (_layouts(args[0])[layout],) + args[1:]
    model = cls(**cases.params(cls)).fit(*other)
    cases.assert_same_model(model, plain, 1e-12)

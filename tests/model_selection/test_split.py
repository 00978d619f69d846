"""skaccel.model_selection.train_test_split against scikit-learn's: same splits, same
objects (types, dtypes, layouts, pandas indexes), same errors."""

import logging

import numpy as np
import pytest
from sklearn.model_selection._split import train_test_split as sk_train_test_split

from skaccel import _core
from skaccel.model_selection import train_test_split

pd = pytest.importorskip("pandas")
RNG = np.random.default_rng(0)


def _assert_same_parts(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert type(a) is type(b)
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape
            assert a.flags.c_contiguous == b.flags.c_contiguous
            assert a.flags.f_contiguous == b.flags.f_contiguous
            assert a.flags.writeable
            np.testing.assert_array_equal(a, b)
        elif isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
            assert a.attrs == b.attrs
        elif isinstance(b, pd.Series):
            pd.testing.assert_series_equal(a, b)
            assert a.attrs == b.attrs
        elif hasattr(b, "toarray"):
            assert (a != b).nnz == 0
        else:
            assert a == b


def _assert_same(*arrays, **kwargs):
    ours = train_test_split(*arrays, **kwargs)
    theirs = sk_train_test_split(*arrays, **kwargs)
    _assert_same_parts(ours, theirs)
    return ours


def _layouts():
    base = RNG.standard_normal((300, 6))
    read_only = base.copy()
    read_only.flags.writeable = False
    return {
        "C": base,
        "F": np.asfortranarray(base),
        "reversed": base[::-1],
        "strided": base[::2, ::3],
        "negative-columns": base[:, ::-1],
        "zero-stride": np.broadcast_to(base[:1], (300, 6)),
        "read-only": read_only,
        "1-d": base[:, 0],
        "1-d strided": base[::-1, 2],
        "float32": base.astype(np.float32),
        "int8": (base * 10).astype(np.int8),
        "bool": base > 0,
        "complex": base + 1j * base,
        "datetime": np.arange(300).astype("datetime64[s]"),
        "single column": base[:, :1],
        "no column": base[:, :0],
    }


@pytest.mark.parametrize("layout", list(_layouts()))
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(random_state=0),
        dict(random_state=42, test_size=0.4),
        dict(random_state=np.random.RandomState(3), train_size=100),
        dict(shuffle=False, test_size=50),
        dict(random_state=1, train_size=0.3, test_size=0.2),
    ],
    ids=["default", "test_size", "RandomState", "no-shuffle", "both-sizes"],
)
def test_numpy_arrays_split_as_scikit_learn_splits_them(layout, kwargs):
    X = _layouts()[layout]
    if "RandomState" in str(kwargs.get("random_state")):
        ours = train_test_split(X, random_state=np.random.RandomState(3), train_size=100)
        theirs = sk_train_test_split(X, random_state=np.random.RandomState(3), train_size=100)
        _assert_same_parts(ours, theirs)
        return
    _assert_same(X, **kwargs)


def test_several_arrays_and_stratify():
    X = RNG.standard_normal((1000, 4))
    y = RNG.integers(0, 3, 1000)
    w = RNG.random(1000)
    _assert_same(X, y, w, random_state=0, stratify=y)
    _assert_same(X, y, random_state=5, stratify=y, test_size=0.1)


def test_the_split_is_a_copy():
    X = RNG.standard_normal((100, 3))
    train, test = train_test_split(X, random_state=0)
    train[:] = 0
    test[:] = 0
    assert np.all(X != 0)


@pytest.mark.parametrize(
    "make",
    [
        lambda X: pd.DataFrame(X, columns=list("abcd")),
        lambda X: pd.DataFrame(np.asfortranarray(X.astype(np.float32)), columns=list("abcd")),
        lambda X: pd.DataFrame(X, index=pd.Index(np.arange(1000)[::-1] * 3, name="id")),
        lambda X: pd.DataFrame(
            X,
            columns=pd.MultiIndex.from_product([["x", "y"], [1, 2]]),
            index=list(map(str, range(1000))),
        ),
        lambda X: pd.DataFrame((X * 100).astype(np.int64)),
        lambda X: pd.DataFrame({"a": X[:, 0], "b": (X[:, 1] > 0)}),  # two dtypes
        lambda X: pd.DataFrame({"a": X[:, 0], "b": X[:, 1].astype(str)}),  # object column
        lambda X: pd.DataFrame({"a": pd.array(X[:, 0] > 0, dtype="boolean")}),  # extension
        lambda X: pd.Series(X[:, 0], name="s"),
        lambda X: pd.Series((X[:, 1] > 0), index=np.arange(1000) + 7),
        lambda X: pd.Series(X[:, 1].astype(str)),
        lambda X: pd.Series(pd.Categorical(np.where(X[:, 0] > 0, "p", "n"))),
    ],
    ids=[
        "float64",
        "float32-F",
        "named-index",
        "multiindex-columns",
        "int64",
        "mixed",
        "object",
        "extension",
        "series",
        "bool-series",
        "str-series",
        "categorical",
    ],
)
def test_pandas_objects_split_as_scikit_learn_splits_them(make):
    obj = make(RNG.standard_normal((1000, 4)))
    obj.attrs["source"] = "test"
    _assert_same(obj, random_state=0)
    _assert_same(obj, shuffle=False)


def test_a_frame_of_several_blocks_of_one_dtype():
    frame = pd.DataFrame({"a": RNG.random(200)})
    frame["b"] = RNG.random(200)  # a second float64 block
    _assert_same(frame, random_state=0)


def test_other_inputs_take_scikit_learns_indexing(caplog):
    sp = pytest.importorskip("scipy.sparse")
    X = RNG.standard_normal((50, 3))
    with caplog.at_level(logging.INFO, logger="skaccel"):
        _assert_same(
            X.tolist(), list(range(50)), sp.csr_matrix(X), X.astype(object), random_state=0
        )
        _assert_same(RNG.standard_normal((50, 2, 2)), random_state=0)
    assert "falling back to scikit-learn: _safe_indexing for list" in caplog.text
    assert "_safe_indexing for a 3-d array" in caplog.text
    assert "_safe_indexing for dtype object" in caplog.text


def test_a_memmap_is_split_as_scikit_learn_splits_it(tmp_path):
    X = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float64, shape=(80, 3))
    X[:] = RNG.standard_normal((80, 3))
    X.flush()
    _assert_same(np.load(tmp_path / "x.npy", mmap_mode="r"), random_state=0)


def test_logged(caplog):
    with caplog.at_level(logging.INFO, logger="skaccel"):
        train_test_split(np.ones((10, 2)), random_state=0)
    assert "train_test_split: running on the skaccel C++ core (cpu)" in caplog.text


def test_large_arrays_use_every_thread_and_agree():
    X = RNG.standard_normal((200_000, 20))
    index = RNG.permutation(200_000)[:150_000].astype(np.int64)
    one = np.empty((150_000, 20))
    two = np.empty((150_000, 20))
    _core.gather_rows(X, index, one, 1)
    _core.gather_rows(np.asfortranarray(X), index, two, 2)
    np.testing.assert_array_equal(one, X[index])
    np.testing.assert_array_equal(two, X[index])


def test_the_core_checks_its_arguments():
    X = np.ones((5, 2))
    with pytest.raises(ValueError, match="out of range"):
        _core.gather_rows(X, np.array([0, 5], dtype=np.int64), np.empty((2, 2)), 1)
    with pytest.raises(ValueError, match="out of range"):
        _core.gather_rows(X, np.array([-1], dtype=np.int64), np.empty((1, 2)), 1)
    with pytest.raises(ValueError, match="does not match"):
        _core.gather_rows(X, np.array([0], dtype=np.int64), np.empty((1, 3)), 1)
    with pytest.raises(ValueError, match="does not match"):
        _core.gather_rows(X, np.array([0], dtype=np.int64), np.empty((1, 2), np.float32), 1)


def _assert_same_error(*args, **kwargs):
    with pytest.raises(Exception) as theirs:
        sk_train_test_split(*args, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        train_test_split(*args, **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((), {}),
        ((np.ones((10, 2)), np.ones(9)), {}),
        ((np.ones((10, 2)),), dict(test_size=1.5)),
        ((np.ones((10, 2)),), dict(test_size=11)),
        ((np.ones((10, 2)),), dict(test_size=0.6, train_size=0.6)),
        ((np.ones((10, 2)),), dict(shuffle=False, stratify=np.ones(10))),
        ((np.ones((10, 2)),), dict(stratify=np.arange(10))),
        ((np.ones((10, 2)),), dict(random_state="seed")),
        ((np.ones((1, 2)),), {}),
    ],
)
def test_errors_are_scikit_learns(args, kwargs):
    _assert_same_error(*args, **kwargs)


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
def test_array_api_inputs_keep_their_namespace(namespace):
    xp = pytest.importorskip(namespace)
    import sklearn

    X = RNG.standard_normal((40, 3))
    with sklearn.config_context(array_api_dispatch=True):
        ours = train_test_split(xp.asarray(X), random_state=0)
        theirs = sk_train_test_split(xp.asarray(X), random_state=0)
    for a, b in zip(ours, theirs, strict=True):
        assert type(a) is type(b)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# The permutation is drawn by the core from NumPy's MT19937 stream; these pin it to NumPy's
# RandomState.permutation number for number, and the generator's state after it.
@pytest.mark.parametrize("n", [0, 1, 2, 3, 255, 256, 257, 1000, 65_536, 65_537, 300_001])
@pytest.mark.parametrize("seed", [0, 7, 2**32 - 1])
def test_the_permutation_is_numpys(n, seed):
    from skaccel.model_selection._split import _permutation

    ours, theirs = np.random.RandomState(seed), np.random.RandomState(seed)
    # Start mid-block: the position is part of the state the core continues from.
    ours.random_sample(seed % 700)
    theirs.random_sample(seed % 700)
    np.testing.assert_array_equal(_permutation(ours, n), theirs.permutation(n))
    for a, b in zip(ours.get_state(), theirs.get_state(), strict=True):
        np.testing.assert_array_equal(a, b)  # key, position and the cached Gaussian
    # The next draws agree: the stream continues where NumPy's would.
    np.testing.assert_array_equal(ours.randint(0, 2**31, 700), theirs.randint(0, 2**31, 700))
    # An int seed gives the permutation of a fresh RandomState(seed).
    np.testing.assert_array_equal(_permutation(seed, n), np.random.RandomState(seed).permutation(n))


def test_a_random_state_advances_as_scikit_learns_does():
    X = RNG.standard_normal((1000, 3))
    ours, theirs = np.random.RandomState(11), np.random.RandomState(11)
    for _ in range(3):  # consecutive splits from one generator
        _assert_same_parts(
            train_test_split(X, random_state=ours), sk_train_test_split(X, random_state=theirs)
        )
    assert ours.randint(0, 2**31) == theirs.randint(0, 2**31)
    # a legacy Gaussian kept in the RandomState is not touched
    ours.standard_normal(), theirs.standard_normal()
    train_test_split(X, random_state=ours), sk_train_test_split(X, random_state=theirs)
    assert ours.standard_normal() == theirs.standard_normal()


def test_random_state_none_draws_from_numpys_global_generator():
    X = RNG.standard_normal((500, 2))
    np.random.seed(123)
    ours = train_test_split(X)
    after_ours = np.random.randint(0, 2**31)
    np.random.seed(123)
    theirs = sk_train_test_split(X)
    assert np.random.randint(0, 2**31) == after_ours
    _assert_same_parts(ours, theirs)


def test_other_bit_generators_draw_through_numpy():
    X = RNG.standard_normal((500, 2))
    _assert_same_parts(
        train_test_split(X, random_state=np.random.RandomState(np.random.PCG64(5))),
        sk_train_test_split(X, random_state=np.random.RandomState(np.random.PCG64(5))),
    )


def test_one_generator_shared_by_threads_gives_numpys_permutations():
    # Each draw holds the generator's lock, as NumPy's own shuffle does: the permutations
    # from threads sharing one RandomState are some interleaving of NumPy's sequence.
    from concurrent.futures import ThreadPoolExecutor

    from skaccel.model_selection._split import _permutation

    shared = np.random.RandomState(3)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: _permutation(shared, 20_000), range(16)))
    reference = np.random.RandomState(3)
    expected = [reference.permutation(20_000) for _ in range(16)]
    assert sorted(map(bytes, got)) == sorted(map(bytes, expected))


def test_the_core_permutation_checks_its_arguments():
    key = np.zeros(624, dtype=np.uint32)
    with pytest.raises(ValueError, match="position"):
        _core.legacy_permutation(key, 625, np.empty(3, dtype=np.int64))
    with pytest.raises(TypeError):
        _core.legacy_permutation(np.zeros(623, dtype=np.uint32), 0, np.empty(3, dtype=np.int64))

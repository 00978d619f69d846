"""train_test_split: scikit-learn's split indices, the rows gathered in parallel by the core."""

from __future__ import annotations

from itertools import chain

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.model_selection import train_test_split as _sklearn_train_test_split
from sklearn.model_selection._split import _validate_shuffle_split
from sklearn.utils import _safe_indexing, check_random_state, indexable
from sklearn.utils._array_api import get_namespace_and_device, move_to
from sklearn.utils._param_validation import validate_params
from sklearn.utils.validation import _num_samples

from .. import _core
from .._dispatch import logger, n_threads

_NAME = "train_test_split"


def _is_numeric(dtype) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind in "biufc"


def _pandas():
    import sys

    return sys.modules.get("pandas")


def _gather_array(values, index):
    """values[index] for a 1-D or 2-D NumPy array of a numeric dtype: a new C-ordered array
    (NumPy's fancy indexing gives the same one)."""
    out = np.empty((len(index),) + values.shape[1:], dtype=values.dtype)
    _core.gather_rows(values, index, out, n_threads())
    return out


def _gather_frame(frame, index):
    """frame.take(index) for a DataFrame held in one block of a NumPy dtype: the block's
    columns gathered into a new column-major block."""
    pd = _pandas()
    values = frame.to_numpy(copy=False)  # a view of the block (column-major)
    out = np.empty((len(index), values.shape[1]), dtype=values.dtype, order="F")
    _core.gather_rows(values, index, out, n_threads())
    result = pd.DataFrame(out, index=frame.index.take(index), columns=frame.columns, copy=False)
    return result.__finalize__(frame, method="take")


def _gather_series(series, index):
    pd = _pandas()
    out = _gather_array(series.to_numpy(copy=False), index)
    result = pd.Series(out, index=series.index.take(index), name=series.name, copy=False)
    return result.__finalize__(series, method="take")


def _gatherer(a):
    """(the core's gather for a, None), or (None, why scikit-learn's indexing takes a)."""
    pd = _pandas()
    if type(a) is np.ndarray:
        if a.ndim not in (1, 2):
            return None, f"a {a.ndim}-d array"
        if not _is_numeric(a.dtype):
            return None, f"dtype {a.dtype}"
        return _gather_array, None
    if pd is not None and type(a) is pd.DataFrame:
        dtypes = set(a.dtypes)
        if len(dtypes) != 1 or not _is_numeric(next(iter(dtypes))):
            return None, "a DataFrame of several or non-NumPy dtypes"
        if getattr(getattr(a, "_mgr", None), "nblocks", None) != 1:
            return None, "a DataFrame held in several blocks"
        return _gather_frame, None
    if pd is not None and type(a) is pd.Series:
        if not _is_numeric(a.dtype):
            return None, f"a Series of dtype {a.dtype}"
        return _gather_series, None
    return None, type(a).__name__


def _permutation(random_state, n_samples):
    """``check_random_state(random_state).permutation(n_samples)``, as scikit-learn's
    ShuffleSplit draws it: for NumPy's legacy RandomState over MT19937 (what an int seed,
    None and a RandomState give) the core continues the generator's stream with NumPy's own
    shuffle, so the permutation is the same and the generator advances as far; any other
    generator draws through NumPy."""
    rng = check_random_state(random_state)
    bit_generator = getattr(rng, "_bit_generator", None)
    if (
        type(rng) is not np.random.RandomState
        or type(bit_generator) is not np.random.MT19937
        or n_samples > 2**32
    ):
        return rng.permutation(n_samples)
    # The generator's own lock, which RandomState's methods hold: the state is read,
    # advanced and written back as one step, as NumPy's shuffle does it.
    with bit_generator.lock:
        state = bit_generator.state
        key = np.ascontiguousarray(state["state"]["key"], dtype=np.uint32)
        permutation = np.empty(n_samples, dtype=np.int64)
        pos = _core.legacy_permutation(key, int(state["state"]["pos"]), permutation)
        state["state"] = {"key": key, "pos": pos}
        bit_generator.state = state
    return permutation


def _split(a, train, test):
    gather, reason = _gatherer(a)
    if gather is None:
        logger.info("%s: falling back to scikit-learn: _safe_indexing for %s", _NAME, reason)
        return _safe_indexing(a, train), _safe_indexing(a, test)
    logger.info("%s: running on the skaccel C++ core (cpu)", _NAME)
    return gather(a, train), gather(a, test)


def train_test_split(
    *arrays,
    test_size=None,
    train_size=None,
    random_state=None,
    shuffle=True,
    stratify=None,
):
    if not arrays:
        raise ValueError("At least one array required as input")
    arrays = indexable(*arrays)
    n_samples = _num_samples(arrays[0])
    n_train, n_test = _validate_shuffle_split(
        n_samples, test_size, train_size, default_test_size=0.25
    )
    # The indices are scikit-learn's: the same random_state gives the same split.
    if shuffle is False:
        if stratify is not None:
            raise ValueError("Stratified train/test split is not implemented for shuffle=False")
        train = np.arange(n_train)
        test = np.arange(n_train, n_train + n_test)
    elif stratify is not None:
        cv = StratifiedShuffleSplit(test_size=n_test, train_size=n_train, random_state=random_state)
        train, test = next(cv.split(X=arrays[0], y=stratify))
    else:
        # ShuffleSplit's first split: the test rows lead the permutation, the train rows
        # follow.
        permutation = _permutation(random_state, n_samples)
        test = permutation[:n_test]
        train = permutation[n_test : n_test + n_train]
    xp, _, device = get_namespace_and_device(arrays[0])
    train, test = move_to(train, test, xp=xp, device=device)
    if isinstance(train, np.ndarray):
        train = train.astype(np.int64, copy=False)
        test = test.astype(np.int64, copy=False)
    return list(chain.from_iterable(_split(a, train, test) for a in arrays))


train_test_split = validate_params(
    _sklearn_train_test_split._skl_parameter_constraints, prefer_skip_nested_validation=True
)(train_test_split)
train_test_split.__doc__ = (
    "Split arrays into random train and test subsets; the rows gathered by skaccel's C++ "
    "core.\n\n"
    "Same parameters, splits and results as scikit-learn's train_test_split: the indices "
    "are ShuffleSplit's (NumPy's RandomState permutation, drawn by the core from the same "
    "random stream) or StratifiedShuffleSplit's (drawn by scikit-learn), so the same "
    "random_state gives the same split; then the rows of NumPy arrays (1-D and 2-D, "
    "numeric dtypes) and of single-dtype pandas DataFrames and Series are copied by a "
    "parallel gather (a DataFrame keeps its index, columns and attrs). Other inputs "
    "(lists, sparse matrices, object arrays, mixed-dtype frames, arrays of other "
    "namespaces) are indexed by scikit-learn's _safe_indexing (logged).\n\n"
    + (_sklearn_train_test_split.__doc__ or "").split("\n", 1)[1]
)
train_test_split.__test__ = False
train_test_split._sklearn_patch = "sklearn.model_selection.train_test_split"
train_test_split._sklearn_tests = ("sklearn.model_selection.tests.test_split",)

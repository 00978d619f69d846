"""Fits over many processes: the protocol an estimator declares, and the exchange.

An estimator whose fit reduces X to mergeable statistics declares three methods:

``_shard_statistics(X, y=None, sample_weight=None)``
    validates this process's rows (zero rows allowed) and reduces them in the core:
    returns ``(statistics, context)``, the statistics a dict of numbers and float64
    arrays, the context a dict of what the finishing step needs and every shard must
    agree on (dtype, number of features, ...);
``_merge_statistics(a, b)``
    the statistics of the union of two row sets;
``_fit_from_statistics(statistics, context, namespace)``
    sets the fitted attributes from the statistics of all rows, as the estimator's own
    ``fit`` would compute them.

:func:`spmd_fit` runs it over an MPI communicator (mpi4py collectives on NumPy buffers;
no MPI in the core): every rank reduces its shard, the statistics are all-gathered and
merged in the same order on every rank, so every rank holds the same model -- an
ordinary model of the estimator's class, which pickles, saves and predicts without MPI.
A failure on one rank (bad input, NaN) or a disagreement between ranks (feature counts,
dtypes) raises on every rank, never hangs. This module names no family.

An estimator whose fit iterates over the data (an optimizer that evaluates a loss and its
gradient many times) declares instead

``_distributed_shard(X, y=None, sample_weight=None)``
    validates this process's (or block's) rows: returns ``(shard, context)``, the shard any
    object the estimator's functions read, the context as above;
``_fit_distributed(reducer, context, namespace)``
    runs the fit, every pass over the rows through ``reducer`` (:class:`SpmdReducer`,
    :class:`DaskReducer`): ``reducer.sum(fn, size)`` is Σ over the shards of ``fn(shard)``
    (a float64 vector of ``size`` values), ``reducer.gather(fn)`` the list of
    ``fn(shard)``, ``reducer.update(fn)`` replaces every shard by ``fn(shard)``. ``fn``
    must be picklable (a module-level function or a ``functools.partial`` of one).
"""

from __future__ import annotations

import builtins
import functools
import inspect

import numpy as np

from ._config import resolve_device
from ._dispatch import Namespace

__all__ = [
    "DaskReducer",
    "SpmdReducer",
    "dask_fit",
    "derive_classes",
    "distributed_class",
    "merge_all",
    "spmd_fit",
    "supports_distributed_fit",
]


def shard_sample_weight(sample_weight, X, namespace, *, copy=False):
    """A shard's sample weights for its validated rows X: None stays None (unit weights);
    a shard without rows takes no weights (an error names the mismatch)."""
    if sample_weight is None:
        return None
    from sklearn.utils.validation import _check_sample_weight

    sample_weight = np.asarray(namespace.host(sample_weight), dtype=X.dtype).reshape(-1)
    if X.shape[0]:
        return _check_sample_weight(sample_weight, X, dtype=X.dtype, copy=copy)
    if sample_weight.shape[0]:
        raise ValueError(f"sample_weight has {sample_weight.shape[0]} values, X 0 rows")
    return sample_weight


def shard_context(estimator, X):
    """What every shard of an iterative fit must agree on: dtype, feature count, names."""
    return {
        "dtype": X.dtype.name,
        "n_features_in_": estimator.n_features_in_,
        "feature_names_in_": getattr(estimator, "feature_names_in_", None),
    }


def _declares(cls, names) -> bool:
    return all(callable(getattr(cls, name, None)) for name in names)


def iterates(cls) -> bool:
    """Whether ``cls``'s distributed fit is iterative (reducer protocol)."""
    return _declares(cls, ("_distributed_shard", "_fit_distributed"))


def supports_distributed_fit(cls) -> bool:
    return iterates(cls) or _declares(
        cls, ("_shard_statistics", "_merge_statistics", "_fit_from_statistics")
    )


def merge_all(estimator, parts):
    """The statistics of all parts, merged pairwise in a fixed tree (the same numbers on
    every process that merges the same list)."""
    parts = list(parts)
    while len(parts) > 1:
        merged = [
            estimator._merge_statistics(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)
        ]
        if len(parts) % 2:
            merged.append(parts[-1])
        parts = merged
    return parts[0]


def _layout(statistics):
    """((name, shape, kind), ...) of a statistics dict, in name order."""
    layout = []
    for name in sorted(statistics):
        value = statistics[name]
        if isinstance(value, np.ndarray):
            layout.append((name, value.shape, "array"))
        elif isinstance(value, bool | np.bool_):
            raise TypeError(f"statistic {name!r} is a bool")
        elif isinstance(value, int | np.integer):
            layout.append((name, (), "int"))
        else:
            layout.append((name, (), "float"))
    return tuple(layout)


def _pack(statistics, layout):
    return np.concatenate(
        [np.asarray(statistics[name], dtype=np.float64).reshape(-1) for name, _, _ in layout]
        or [np.empty(0)]
    )


def _unpack(buffer, layout):
    out, offset = {}, 0
    for name, shape, kind in layout:
        size = int(np.prod(shape, dtype=np.int64))
        value = buffer[offset : offset + size]
        offset += size
        if kind == "array":
            out[name] = value.reshape(shape).copy()
        elif kind == "int":
            out[name] = int(value[0])
        else:
            out[name] = float(value[0])
    return out


def _describe(value):
    return "None" if value is None else repr(value)


def _disagreement(contexts, layouts, what):
    """The message for shards that do not agree (the same text on every process), or None."""
    reference = contexts[0]
    for i, context in enumerate(contexts[1:], start=1):
        for key in sorted(set(reference) | set(context)):
            a, b = reference.get(key), context.get(key)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                same = a is not None and b is not None and np.array_equal(a, b)
            else:
                same = a == b
            if not same:
                return (
                    f"the {what}s do not agree: {key} is {_describe(b)} on {what} {i} but "
                    f"{_describe(a)} on {what} 0"
                )
        if layouts[i] != layouts[0]:
            return f"the {what}s do not agree: the statistics of {what} {i} differ from {what} 0's"
    return None


def _remote_error(rank, size, kind, message):
    """The exception a rank raises for another rank's failure: the same builtin type
    where it is one (ValueError, TypeError, ...), else RuntimeError."""
    cls = getattr(builtins, kind, None)
    text = f"rank {rank} of {size} failed: {kind}: {message}"
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(text)
        except Exception:  # an exception type that does not take one message
            pass
    return RuntimeError(text)


def _world(comm):
    if comm is not None:
        return comm
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError(
            "skaccel.spmd needs mpi4py and an MPI library (pip install mpi4py mpich)"
        ) from exc
    return MPI.COMM_WORLD


def _raise_if_any_failed(comm, error, headers):
    """Re-raise this rank's error, or raise another rank's on this one (the same on every
    rank: no rank goes on to a collective the others skip)."""
    failed = [(r, h) for r, h in enumerate(headers) if h[0] == "error"]
    if failed:
        if error is not None:
            raise error
        r, (_, kind, message) = failed[0]
        raise _remote_error(r, comm.Get_size(), kind, message)


def _guarded(fn, *args):
    """(result, None) or (None, the exception fn raised)."""
    try:
        return fn(*args), None
    except Exception as exc:  # reported to every rank, re-raised
        return None, exc


def _error_header(error):
    return ("error", type(error).__name__, str(error))


class SpmdReducer:
    """The reducer of an iterative fit over an MPI communicator: this rank holds one
    shard. Sums are all-gathered and added in rank order, so every rank gets the same
    numbers (an MPI Allreduce may round differently on different ranks); a failure of
    ``fn`` on one rank raises on every rank."""

    def __init__(self, comm, shard):
        self.comm, self.shard = comm, shard

    def sum(self, fn, size):
        values, error = _guarded(fn, self.shard)
        local = np.empty(size + 1, dtype=np.float64)
        if error is None:
            local[0] = 0.0
            local[1:] = np.asarray(values, dtype=np.float64).reshape(-1)
        else:
            local[:] = 0.0
            local[0] = 1.0
        gathered = np.empty((self.comm.Get_size(), size + 1), dtype=np.float64)
        self.comm.Allgather(local, gathered)
        if gathered[:, 0].any():
            headers = self.comm.allgather(_error_header(error) if error else ("ok",))
            _raise_if_any_failed(self.comm, error, headers)
        total = gathered[0, 1:].copy()
        for r in range(1, gathered.shape[0]):
            total += gathered[r, 1:]
        return total

    def gather(self, fn):
        value, error = _guarded(fn, self.shard)
        headers = self.comm.allgather(_error_header(error) if error else ("ok", value))
        _raise_if_any_failed(self.comm, error, headers)
        return [h[1] for h in headers]

    def update(self, fn):
        shard, error = _guarded(fn, self.shard)
        headers = self.comm.allgather(_error_header(error) if error else ("ok",))
        _raise_if_any_failed(self.comm, error, headers)
        self.shard = shard


def spmd_fit(estimator, comm, X, y=None, sample_weight=None, *, reset=True):
    """Fit ``estimator`` on the rows of X held by every rank of ``comm`` (None:
    ``MPI.COMM_WORLD``); every rank must call it. Returns the estimator, fitted on every
    rank with the same model."""
    comm = _world(comm)
    size = comm.Get_size()
    namespace = Namespace(X)
    shard = error = None
    iterative = iterates(type(estimator))
    try:
        estimator._validate_params()
        resolve_device(type(estimator).__name__)
        if reset and not iterative:  # an iterative fit resets when done (warm starts)
            estimator._reset_fitted_state()
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        if iterative:
            shard = estimator._distributed_shard(X, y, **kwargs)
            layout = ()
        else:
            shard = estimator._shard_statistics(X, y, **kwargs)
            layout = _layout(shard[0])
    except Exception as exc:  # reported to every rank below, re-raised here
        error = exc
    # One small collective of Python objects (pickled): failures and what must agree.
    header = _error_header(error) if error is not None else ("ok", shard[1], layout)
    headers = comm.allgather(header)
    _raise_if_any_failed(comm, error, headers)
    contexts = [h[1] for h in headers]
    layouts = [h[2] for h in headers]
    message = _disagreement(contexts, layouts, "rank")
    if message is not None:
        raise ValueError(f"{type(estimator).__name__}: {message}")
    if iterative:
        estimator._fit_distributed(SpmdReducer(comm, shard[0]), shard[1], namespace)
        return estimator
    # The statistics: one all-gather of a float64 buffer per rank.
    local = _pack(shard[0], layout)
    gathered = np.empty((size, local.shape[0]), dtype=np.float64)
    comm.Allgather(local, gathered)
    parts = [_unpack(gathered[r], layout) for r in range(size)]
    estimator._fit_from_statistics(merge_all(estimator, parts), shard[1], namespace)
    return estimator


def _bind(signature, args, kwargs):
    bound = signature.bind(None, *args, **kwargs)
    arguments = bound.arguments
    return arguments.get("X"), arguments.get("y"), arguments.get("sample_weight")


def distributed_class(base, module, fit_all, summary, *, keyword=None, doc=""):
    """A subclass of ``base`` (an estimator declaring the protocol) whose ``fit`` runs
    ``fit_all(estimator, extra, X, y, sample_weight)``, ``extra`` the value of the
    keyword-only argument ``keyword`` (None without one). It keeps ``base``'s model type
    (its pickles and model files hold ``base``'s state) and patches nothing."""
    fit_signature = inspect.signature(base.fit)

    @functools.wraps(base.fit)
    def fit(self, *args, **kwargs):
        extra = kwargs.pop(keyword, None) if keyword else None
        X, y, sample_weight = _bind(fit_signature, args, kwargs)
        return fit_all(self, extra, X, y, sample_weight)

    parameters = list(fit_signature.parameters.values())
    if keyword:
        parameters.append(inspect.Parameter(keyword, inspect.Parameter.KEYWORD_ONLY, default=None))
    fit.__signature__ = fit_signature.replace(parameters=parameters)
    fit.__doc__ = f"Fit on all rows ({summary}). {doc}\n\n" + (base.fit.__doc__ or "")
    namespace = {
        "__module__": module,
        "__qualname__": base.__name__,
        "__doc__": (
            f"{base.__name__} fitted over many processes ({summary}).\n\n"
            f"The fitted model is a {base.__module__.split('._')[0]}.{base.__name__} model: "
            "it pickles, saves and predicts like one, in a process without MPI or Dask.\n"
        ),
        "fit": fit,
        "_sklearn_patch": None,
        "_sklearn_tests": (),
    }
    return type(base.__name__, (base,), namespace)


def derive_classes(namespace, module, fit_all, summary, **options):
    """Put a :func:`distributed_class` of every registered estimator declaring the
    protocol into ``namespace`` (a module's globals); returns their names, sorted."""
    from ._registry import MODEL_TYPES, estimator_class

    names = []
    for model_type in sorted(MODEL_TYPES):
        base = estimator_class(model_type)
        if supports_distributed_fit(base):
            namespace[base.__name__] = distributed_class(base, module, fit_all, summary, **options)
            names.append(base.__name__)
    return sorted(names)


# --- Dask -----------------------------------------------------------------------------------


def _reduce_block(cls, params, X, y, sample_weight):
    estimator = cls(**params)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    statistics, context = estimator._shard_statistics(X, y, **kwargs)
    return statistics, [context], [_layout(statistics)]


def _merge_blocks(cls, params, a, b):
    estimator = cls(**params)
    message = _disagreement(a[1] + b[1], a[2] + b[2], "block")
    if message is not None:
        raise ValueError(f"{cls.__name__}: {message}")
    return estimator._merge_statistics(a[0], b[0]), a[1] + b[1], a[2] + b[2]


def _row_blocks(X, y, sample_weight):
    """Delayed (X, y, sample_weight) blocks of the same rows, from dask arrays or
    dataframes (a NumPy y or sample_weight is chunked as X's rows)."""
    import dask.array as da

    def aligned(v, chunks):
        if v is None:
            return [None] * len(chunks)
        if not isinstance(v, da.Array):
            v = da.from_array(np.asarray(v), chunks=(chunks,) + ((-1,) if np.ndim(v) == 2 else ()))
        v = v.rechunk({0: chunks, **({1: -1} if v.ndim == 2 else {})})
        blocks = v.to_delayed()
        return list(blocks[:, 0] if v.ndim == 2 else blocks)

    if isinstance(X, da.Array):
        if X.ndim != 2:
            raise ValueError(f"Expected a 2D dask array, got {X.ndim}D")
        X = X.rechunk({1: -1})
        chunks = X.chunks[0]
        return list(
            zip(
                list(X.to_delayed()[:, 0]),
                aligned(y, chunks),
                aligned(sample_weight, chunks),
                strict=True,
            )
        )
    if hasattr(X, "to_delayed") and hasattr(X, "npartitions"):  # a dask DataFrame
        parts = list(X.to_delayed())

        def partitions(v):
            if v is None:
                return [None] * len(parts)
            if getattr(v, "npartitions", None) != len(parts):
                raise ValueError(
                    "y and sample_weight must be dask collections partitioned as X "
                    f"({len(parts)} partitions)"
                )
            return list(v.to_delayed())

        return list(zip(parts, partitions(y), partitions(sample_weight), strict=True))
    raise TypeError(f"expected a dask array or dask DataFrame, got {type(X).__name__}")


def _shard_block(cls, params, X, y, sample_weight):
    estimator = cls(**params)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    return estimator._distributed_shard(X, y, **kwargs)


def _first(pair):
    return pair[0]


def _second(pair):
    return pair[1]


def _sum_in_order(*values):
    total = np.asarray(values[0], dtype=np.float64).reshape(-1).copy()
    for v in values[1:]:
        total += np.asarray(v, dtype=np.float64).reshape(-1)
    return total


class DaskReducer:
    """The reducer of an iterative fit on a dask collection: one shard per row block,
    persisted on the workers of the active scheduler; each sum is one small graph of a
    task per block plus their sum (in block order)."""

    def __init__(self, shards):
        self.shards = shards

    def sum(self, fn, size):
        import dask

        (total,) = dask.compute(
            dask.delayed(_sum_in_order)(*[dask.delayed(fn)(s) for s in self.shards])
        )
        return total

    def gather(self, fn):
        import dask

        return list(dask.compute(*[dask.delayed(fn)(s) for s in self.shards]))

    def update(self, fn):
        import dask

        self.shards = list(dask.persist(*[dask.delayed(fn)(s) for s in self.shards]))


def _dask_iterative_fit(estimator, X, y, sample_weight):
    import dask

    cls, params = type(estimator), estimator.get_params(deep=False)
    pairs = [
        dask.delayed(_shard_block, pure=True)(cls, params, xb, yb, wb)
        for xb, yb, wb in _row_blocks(X, y, sample_weight)
    ]
    shards = list(dask.persist(*[dask.delayed(_first)(p) for p in pairs]))
    contexts = list(dask.compute(*[dask.delayed(_second)(p) for p in pairs]))
    message = _disagreement(contexts, [()] * len(contexts), "block")
    if message is not None:
        raise ValueError(f"{cls.__name__}: {message}")
    estimator._fit_distributed(DaskReducer(shards), contexts[0], Namespace(None))
    return estimator


def dask_fit(estimator, _unused, X, y=None, sample_weight=None):
    """Fit ``estimator`` on a dask collection: the core's reduction mapped over its row
    blocks (on the workers of the active scheduler), the statistics tree-reduced pairwise,
    the small finishing step here (iterative fits: see :class:`DaskReducer`)."""
    import dask

    estimator._validate_params()
    resolve_device(type(estimator).__name__)
    if iterates(type(estimator)):
        return _dask_iterative_fit(estimator, X, y, sample_weight)
    cls, params = type(estimator), estimator.get_params(deep=False)
    nodes = [
        dask.delayed(_reduce_block, pure=True)(cls, params, xb, yb, wb)
        for xb, yb, wb in _row_blocks(X, y, sample_weight)
    ]
    while len(nodes) > 1:
        merged = [
            dask.delayed(_merge_blocks, pure=True)(cls, params, nodes[i], nodes[i + 1])
            for i in range(0, len(nodes) - 1, 2)
        ]
        nodes = merged + (nodes[-1:] if len(nodes) % 2 else [])
    ((statistics, contexts, _),) = dask.compute(nodes[0])
    estimator._reset_fitted_state()
    context = contexts[0]
    estimator.n_features_in_ = context["n_features_in_"]
    estimator.__dict__.pop("feature_names_in_", None)
    if context.get("feature_names_in_") is not None:
        estimator.feature_names_in_ = context["feature_names_in_"]
    estimator._fit_from_statistics(statistics, context, Namespace(None))
    return estimator

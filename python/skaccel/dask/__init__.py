"""Estimators fitted on Dask collections (``dask.array`` or ``dask.dataframe``).

Every skaccel estimator whose fit reduces X to mergeable statistics has a class of the
same name here (derived from the registry, see ``skaccel._distributed``): its ``fit``
maps the C++ core's reduction over X's row blocks on the workers of the active scheduler
(a ``distributed.Client`` if one is running), tree-reduces the statistics pairwise, and
finishes here. The model is an ordinary model of the estimator's own class; it equals the
in-memory fit on the same rows up to rounding. dask is imported by the first fit, not by
this module. y and sample_weight are dask collections of the same rows (a NumPy y is
chunked as X).
"""

from .._distributed import dask_fit, distributed_class, supports_distributed_fit
from .._registry import MODEL_TYPES, estimator_class

__all__: list[str] = []

for _name in sorted(MODEL_TYPES):
    _base = estimator_class(_name)
    if supports_distributed_fit(_base):
        globals()[_base.__name__] = distributed_class(
            _base,
            __name__,
            dask_fit,
            "each row block of a dask collection is reduced in the core on a worker; the "
            "statistics are tree-reduced",
            doc="X: a dask array or dask DataFrame.",
        )
        __all__.append(_base.__name__)
__all__.sort()
del _name, _base

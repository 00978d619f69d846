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

from .._distributed import dask_fit, derive_classes

__all__ = derive_classes(
    globals(),
    __name__,
    dask_fit,
    "each row block of a dask collection is reduced in the core on a worker; the "
    "statistics are tree-reduced",
    doc="X: a dask array or dask DataFrame.",
)

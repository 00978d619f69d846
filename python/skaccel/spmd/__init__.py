"""Estimators fitted over MPI processes (SPMD: every rank runs the same script on its own
rows), through mpi4py.

Every skaccel estimator whose fit reduces X to mergeable statistics has a class of the
same name here (derived from the registry, see ``skaccel._distributed``): its ``fit``
takes this rank's rows and a ``comm`` keyword (default ``MPI.COMM_WORLD``), reduces the
rows in the C++ core, all-gathers the statistics and merges them in the same order on
every rank, so that every rank holds the same model. That model is an ordinary model of
the estimator's own class (it pickles, saves, loads and predicts without MPI); it equals
the single-process fit on the concatenated rows up to rounding. mpi4py is imported by the
first fit, not by this module.

Run with ``mpiexec -n 4 python script.py``.
"""

from .._distributed import derive_classes, spmd_fit

__all__ = derive_classes(
    globals(),
    __name__,
    spmd_fit,
    "each MPI rank reduces its rows in the core; the statistics are all-gathered",
    keyword="comm",
    doc="Every process calls it with its own rows, the same parameters and the same "
    "columns; a process may hold no rows. ``comm``: the communicator (default "
    "``MPI.COMM_WORLD``).",
)

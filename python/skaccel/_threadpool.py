"""threadpoolctl support for skaccel's own thread pool.

The core does not use OpenMP (its pool is fork-safe, see core/src/common/threading.cpp), so
threadpoolctl would not see it. This controller registers libskaccel with threadpoolctl
under the user API "openmp": ``threadpool_limits(1)`` or ``threadpool_limits(1,
user_api="openmp")`` limit skaccel's default thread count as they limit scikit-learn's
OpenMP code. An explicit ``n_jobs`` still wins.
"""

from __future__ import annotations

import threadpoolctl

try:
    _LibController = threadpoolctl.LibController
except AttributeError:  # threadpoolctl < 3.4: no third-party controllers
    _LibController = None


if _LibController is not None:

    class SkaccelController(_LibController):
        user_api = "openmp"
        internal_api = "skaccel"
        filename_prefixes = ("libskaccel",)

        def get_num_threads(self):
            return self.dynlib.skaccel_get_num_threads()

        def set_num_threads(self, num_threads):
            self.dynlib.skaccel_set_num_threads(int(num_threads))

        def get_version(self):
            import ctypes

            self.dynlib.skaccel_version.restype = ctypes.c_char_p
            return self.dynlib.skaccel_version().decode()


def register() -> None:
    """Make threadpoolctl see skaccel's pool (idempotent)."""
    if _LibController is None or getattr(register, "done", False):
        return
    threadpoolctl.register(SkaccelController)
    register.done = True

#pragma once
// Threads of the core: one pool of skaccel's own (no OpenMP runtime), fork-safe, shared by
// every kernel. An explicit request (n_jobs) wins; else skaccel's thread limit, which
// threadpoolctl sets (user_api "openmp") and OMP_NUM_THREADS seeds.
#include <functional>

namespace skaccel {

// n_jobs semantics follow joblib/scikit-learn: not given or 0 -> the default, -1 -> all
// cores, -k -> all cores + 1 - k, k > 0 -> k (capped at the cores available).
int resolve_n_threads(int n_jobs, bool n_jobs_given);

// The thread count kernels use by default: the limit set by set_default_n_threads(), else
// OMP_NUM_THREADS (its first entry) when set, else hardware_threads().
int default_n_threads();

// Sets the default thread count (threadpoolctl calls it); n <= 0 restores the environment's.
void set_default_n_threads(int n);

// Processors this process may run on (its CPU affinity mask), at least 1.
int hardware_threads();

// Calls task(k) once for every k in [0, n_tasks) and returns when all calls are done.
// The calls run concurrently on the caller's thread and the pool's (at most n_tasks at
// once). How work is split is the caller's, through k: results never depend on how many
// pool threads happened to be free (another thread's kernels may be using them; the caller
// then runs the remaining tasks itself). Nested calls are allowed. The first exception a
// task throws is rethrown here once every task has finished. After fork() the child gets a
// fresh pool: the parent's threads, which the child does not have, are never waited for.
void parallel_tasks(int n_tasks, const std::function<void(int)>& task);

}  // namespace skaccel

// The C entry points threadpoolctl uses (see python/skaccel/_threadpool.py).
extern "C" {
int skaccel_get_num_threads(void);
void skaccel_set_num_threads(int n);
const char* skaccel_version(void);
}

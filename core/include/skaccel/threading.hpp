#pragma once
// Thread-count policy shared by every kernel: an explicit request (n_jobs) wins, else the
// OpenMP default, which threadpoolctl and OMP_NUM_THREADS control.
namespace skaccel {

// n_jobs semantics follow joblib/scikit-learn: None or 0 -> default, -1 -> all
// cores, -k -> all cores + 1 - k, k > 0 -> k (capped at the cores available).
int resolve_n_threads(int n_jobs, bool n_jobs_given);

// The thread count OpenMP would use by default (omp_get_max_threads), 1 without OpenMP.
int default_n_threads();

// Number of logical processors.
int hardware_threads();

// The calling thread's index in the innermost OpenMP team (0 outside one).
int thread_index();

}  // namespace skaccel

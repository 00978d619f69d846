#include "skaccel/threading.hpp"

#include <algorithm>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace skaccel {

int hardware_threads() {
#ifdef _OPENMP
  return std::max(1, omp_get_num_procs());
#else
  return std::max(1u, std::thread::hardware_concurrency());
#endif
}

int default_n_threads() {
#ifdef _OPENMP
  return std::max(1, omp_get_max_threads());
#else
  return 1;
#endif
}

int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

int resolve_n_threads(int n_jobs, bool n_jobs_given) {
  if (!n_jobs_given || n_jobs == 0) return default_n_threads();
  const int cores = hardware_threads();
  if (n_jobs < 0) return std::max(1, cores + 1 + n_jobs);
  return std::min(n_jobs, cores);
}

}  // namespace skaccel

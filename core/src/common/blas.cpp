#include "blas.hpp"

#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "skaccel/errors.hpp"

namespace skaccel::blas {

blas_int checked_int(std::int64_t v) {
  if (v < 0 || v > INT_MAX) {
    throw InvalidArgument("dimension " + std::to_string(v) + " exceeds the 32-bit BLAS interface");
  }
  return static_cast<blas_int>(v);
}

blas_int syevd_upper(bool vectors, std::int64_t n, double* A, std::int64_t lda, double* w) {
  const blas_int n_ = checked_int(n), lda_ = checked_int(lda);
  const char jobz = vectors ? 'V' : 'N';
  blas_int info = 0, lwork = -1, liwork = -1, iwork_query = 0;
  double work_query = 0.0;
  SKACCEL_F77(dsyevd_)
  (&jobz, "U", &n_, A, &lda_, w, &work_query, &lwork, &iwork_query, &liwork, &info, 1, 1);
  if (info != 0) return info;
  lwork = static_cast<blas_int>(work_query) + 1;
  liwork = iwork_query > 0 ? iwork_query : 1;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<blas_int> iwork(static_cast<std::size_t>(liwork));
  SKACCEL_F77(dsyevd_)
  (&jobz, "U", &n_, A, &lda_, w, work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
  return info;
}

blas_int syevr_top(std::int64_t n, std::int64_t k, double* A, std::int64_t lda, double* w,
                   double* Z, std::int64_t ldz) {
  const blas_int n_ = checked_int(n), lda_ = checked_int(lda), ldz_ = checked_int(ldz),
                 il = checked_int(n - k + 1), iu = checked_int(n);
  const double unused = 0.0, abstol = 0.0;
  blas_int found = 0, info = 0, lwork = -1, liwork = -1, iwork_query = 0;
  double work_query = 0.0;
  std::vector<blas_int> isuppz(static_cast<std::size_t>(2 * std::max<std::int64_t>(k, 1)));
  SKACCEL_F77(dsyevr_)
  ("V", "I", "U", &n_, A, &lda_, &unused, &unused, &il, &iu, &abstol, &found, w, Z, &ldz_,
   isuppz.data(), &work_query, &lwork, &iwork_query, &liwork, &info, 1, 1, 1);
  if (info != 0) return info;
  lwork = static_cast<blas_int>(work_query) + 1;
  liwork = std::max<blas_int>(iwork_query, 1);
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<blas_int> iwork(static_cast<std::size_t>(liwork));
  SKACCEL_F77(dsyevr_)
  ("V", "I", "U", &n_, A, &lda_, &unused, &unused, &il, &iu, &abstol, &found, w, Z, &ldz_,
   isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1, 1);
  return info;
}

blas_int gesvd_left(std::int64_t m, std::int64_t n, double* A, std::int64_t lda, double* s,
                    double* U, std::int64_t ldu) {
  const blas_int m_ = checked_int(m), n_ = checked_int(n), lda_ = checked_int(lda),
                 ldu_ = checked_int(ldu), one = 1;
  blas_int info = 0, lwork = -1;
  double query = 0.0, dummy = 0.0;
  SKACCEL_F77(dgesvd_)
  ("S", "N", &m_, &n_, A, &lda_, s, U, &ldu_, &dummy, &one, &query, &lwork, &info, 1, 1);
  if (info != 0) return info;
  lwork = static_cast<blas_int>(query) + 1;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  SKACCEL_F77(dgesvd_)
  ("S", "N", &m_, &n_, A, &lda_, s, U, &ldu_, &dummy, &one, work.data(), &lwork, &info, 1, 1);
  return info;
}

}  // namespace skaccel::blas

#include <mutex>

extern "C" {
int SKACCEL_F77(openblas_get_num_threads)(void);
void SKACCEL_F77(openblas_set_num_threads)(int);
}

namespace skaccel::blas {
namespace {
std::mutex g_scope_mutex;
int g_scope_depth = 0;
int g_saved_threads = 0;
}  // namespace

BlasThreadsScope::BlasThreadsScope(int n_threads) {
  std::lock_guard<std::mutex> lock(g_scope_mutex);
  if (g_scope_depth++ == 0) {
    g_saved_threads = SKACCEL_F77(openblas_get_num_threads)();
    if (g_saved_threads != n_threads) SKACCEL_F77(openblas_set_num_threads)(n_threads);
  }
}

BlasThreadsScope::~BlasThreadsScope() {
  std::lock_guard<std::mutex> lock(g_scope_mutex);
  if (--g_scope_depth == 0 && SKACCEL_F77(openblas_get_num_threads)() != g_saved_threads)
    SKACCEL_F77(openblas_set_num_threads)(g_saved_threads);
}

}  // namespace skaccel::blas

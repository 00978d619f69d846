#pragma once
// Thin, typed wrappers over the Fortran BLAS/LAPACK interface of the linked library.
// All matrices here are column-major in the Fortran sense; callers translate their
// row-major views (a row-major k×p block is a column-major p×k matrix with lda = p).
#include <cstddef>
#include <cstdint>

#ifndef BLAS_SYMBOL_PREFIX
#define BLAS_SYMBOL_PREFIX
#endif
#define SKACCEL_CAT2(a, b) a##b
#define SKACCEL_CAT(a, b) SKACCEL_CAT2(a, b)
#define SKACCEL_F77(name) SKACCEL_CAT(BLAS_SYMBOL_PREFIX, name)

extern "C" {
using blas_int = int;  // LP64 interface (scipy-openblas32, or MKL's lp64)
void SKACCEL_F77(dsyrk_)(const char*, const char*, const blas_int*, const blas_int*, const double*,
                         const double*, const blas_int*, const double*, double*, const blas_int*,
                         std::size_t, std::size_t);
void SKACCEL_F77(ssyrk_)(const char*, const char*, const blas_int*, const blas_int*, const float*,
                         const float*, const blas_int*, const float*, float*, const blas_int*,
                         std::size_t, std::size_t);
void SKACCEL_F77(dgemm_)(const char*, const char*, const blas_int*, const blas_int*,
                         const blas_int*, const double*, const double*, const blas_int*,
                         const double*, const blas_int*, const double*, double*, const blas_int*,
                         std::size_t, std::size_t);
void SKACCEL_F77(sgemm_)(const char*, const char*, const blas_int*, const blas_int*,
                         const blas_int*, const float*, const float*, const blas_int*, const float*,
                         const blas_int*, const float*, float*, const blas_int*, std::size_t,
                         std::size_t);
void SKACCEL_F77(dgemv_)(const char*, const blas_int*, const blas_int*, const double*,
                         const double*, const blas_int*, const double*, const blas_int*,
                         const double*, double*, const blas_int*, std::size_t);
void SKACCEL_F77(sgemv_)(const char*, const blas_int*, const blas_int*, const float*, const float*,
                         const blas_int*, const float*, const blas_int*, const float*, float*,
                         const blas_int*, std::size_t);
double SKACCEL_F77(ddot_)(const blas_int*, const double*, const blas_int*, const double*,
                          const blas_int*);
void SKACCEL_F77(dpotrf_)(const char*, const blas_int*, double*, const blas_int*, blas_int*,
                          std::size_t);
void SKACCEL_F77(dpotrs_)(const char*, const blas_int*, const blas_int*, const double*,
                          const blas_int*, double*, const blas_int*, blas_int*, std::size_t);
void SKACCEL_F77(dgesvd_)(const char*, const char*, const blas_int*, const blas_int*, double*,
                          const blas_int*, double*, double*, const blas_int*, double*,
                          const blas_int*, double*, const blas_int*, blas_int*, std::size_t,
                          std::size_t);
void SKACCEL_F77(dsyevr_)(const char*, const char*, const char*, const blas_int*, double*,
                          const blas_int*, const double*, const double*, const blas_int*,
                          const blas_int*, const double*, blas_int*, double*, double*,
                          const blas_int*, blas_int*, double*, const blas_int*, blas_int*,
                          const blas_int*, blas_int*, std::size_t, std::size_t, std::size_t);
void SKACCEL_F77(dsyevd_)(const char*, const char*, const blas_int*, double*, const blas_int*,
                          double*, double*, const blas_int*, blas_int*, const blas_int*, blas_int*,
                          std::size_t, std::size_t);
}

namespace skaccel::blas {

blas_int checked_int(std::int64_t v);  // throws InvalidArgument beyond the LP64 range

// C (n×n, upper triangle) = A · Aᵀ + beta · C, A n×k with leading dimension lda.
// C (upper) = op(A)·op(A)ᵀ + beta·C, op = A ('N', A n×k) or Aᵀ ('T', A k×n).
inline void syrk_upper(char trans, std::int64_t n, std::int64_t k, const double* A,
                       std::int64_t lda, double beta, double* C, std::int64_t ldc) {
  const blas_int n_ = checked_int(n), k_ = checked_int(k), lda_ = checked_int(lda),
                 ldc_ = checked_int(ldc);
  const double one = 1.0;
  SKACCEL_F77(dsyrk_)("U", &trans, &n_, &k_, &one, A, &lda_, &beta, C, &ldc_, 1, 1);
}
inline void syrk_upper(char trans, std::int64_t n, std::int64_t k, const float* A, std::int64_t lda,
                       float beta, float* C, std::int64_t ldc) {
  const blas_int n_ = checked_int(n), k_ = checked_int(k), lda_ = checked_int(lda),
                 ldc_ = checked_int(ldc);
  const float one = 1.0f;
  SKACCEL_F77(ssyrk_)("U", &trans, &n_, &k_, &one, A, &lda_, &beta, C, &ldc_, 1, 1);
}

inline void gemm(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
                 const double* A, std::int64_t lda, const double* B, std::int64_t ldb, double beta,
                 double* C, std::int64_t ldc) {
  const blas_int m_ = checked_int(m), n_ = checked_int(n), k_ = checked_int(k),
                 lda_ = checked_int(lda), ldb_ = checked_int(ldb), ldc_ = checked_int(ldc);
  SKACCEL_F77(dgemm_)(&ta, &tb, &m_, &n_, &k_, &alpha, A, &lda_, B, &ldb_, &beta, C, &ldc_, 1, 1);
}
inline void gemm(char ta, char tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                 const float* A, std::int64_t lda, const float* B, std::int64_t ldb, float beta,
                 float* C, std::int64_t ldc) {
  const blas_int m_ = checked_int(m), n_ = checked_int(n), k_ = checked_int(k),
                 lda_ = checked_int(lda), ldb_ = checked_int(ldb), ldc_ = checked_int(ldc);
  SKACCEL_F77(sgemm_)(&ta, &tb, &m_, &n_, &k_, &alpha, A, &lda_, B, &ldb_, &beta, C, &ldc_, 1, 1);
}

inline void gemv(char ta, std::int64_t m, std::int64_t n, double alpha, const double* A,
                 std::int64_t lda, const double* x, std::int64_t incx, double beta, double* y,
                 std::int64_t incy) {
  const blas_int m_ = checked_int(m), n_ = checked_int(n), lda_ = checked_int(lda),
                 incx_ = checked_int(incx), incy_ = checked_int(incy);
  SKACCEL_F77(dgemv_)(&ta, &m_, &n_, &alpha, A, &lda_, x, &incx_, &beta, y, &incy_, 1);
}
inline void gemv(char ta, std::int64_t m, std::int64_t n, float alpha, const float* A,
                 std::int64_t lda, const float* x, std::int64_t incx, float beta, float* y,
                 std::int64_t incy) {
  const blas_int m_ = checked_int(m), n_ = checked_int(n), lda_ = checked_int(lda),
                 incx_ = checked_int(incx), incy_ = checked_int(incy);
  SKACCEL_F77(sgemv_)(&ta, &m_, &n_, &alpha, A, &lda_, x, &incx_, &beta, y, &incy_, 1);
}

// Cholesky of the upper triangle in place; returns LAPACK's info (> 0: not positive definite).
// x · y over n contiguous doubles (the library's own order of sums).
inline double dot(std::int64_t n, const double* x, const double* y) {
  const blas_int n_ = checked_int(n), one = 1;
  return SKACCEL_F77(ddot_)(&n_, x, &one, y, &one);
}

inline blas_int potrf_upper(std::int64_t n, double* A, std::int64_t lda) {
  const blas_int n_ = checked_int(n), lda_ = checked_int(lda);
  blas_int info = 0;
  SKACCEL_F77(dpotrf_)("U", &n_, A, &lda_, &info, 1);
  return info;
}

inline blas_int potrs_upper(std::int64_t n, std::int64_t nrhs, const double* A, std::int64_t lda,
                            double* B, std::int64_t ldb) {
  const blas_int n_ = checked_int(n), nrhs_ = checked_int(nrhs), lda_ = checked_int(lda),
                 ldb_ = checked_int(ldb);
  blas_int info = 0;
  SKACCEL_F77(dpotrs_)("U", &n_, &nrhs_, A, &lda_, B, &ldb_, &info, 1);
  return info;
}

// Symmetric eigendecomposition (eigenvalues ascending). With vectors, A is overwritten by
// them (column-major, column j the j-th eigenvector). Returns LAPACK's info.
blas_int syevd_upper(bool vectors, std::int64_t n, double* A, std::int64_t lda, double* w);

// The k largest eigenpairs of the symmetric n×n A (destroyed): values ascending in the
// first k of w (which must hold n), vectors as the columns of the column-major n×k Z.
// LAPACK's info.
blas_int syevr_top(std::int64_t n, std::int64_t k, double* A, std::int64_t lda, double* w,
                   double* Z, std::int64_t ldz);

// Thin SVD of the m×n column-major A (overwritten): singular values s (min(m, n)) and the
// left singular vectors U (m×min(m, n), column-major); no right vectors. LAPACK's info.
blas_int gesvd_left(std::int64_t m, std::int64_t n, double* A, std::int64_t lda, double* s,
                    double* U, std::int64_t ldu);

}  // namespace skaccel::blas

namespace skaccel::blas {

// Sets the BLAS library's own thread count for the lifetime of the scope and restores it
// afterwards. Kernels that parallelize over row blocks with OpenMP use 1, so that each
// thread's BLAS call does not spawn threads of its own; kernels that hand whole blocks to
// one BLAS call use their thread budget. Nested or concurrent scopes keep the first
// scope's setting until the last one ends.
class BlasThreadsScope {
 public:
  explicit BlasThreadsScope(int n_threads);
  ~BlasThreadsScope();
  BlasThreadsScope(const BlasThreadsScope&) = delete;
  BlasThreadsScope& operator=(const BlasThreadsScope&) = delete;
};

}  // namespace skaccel::blas

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "../common/blas.hpp"
#include "skaccel/decomposition.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::decomposition {

Eigen symmetric_eigen(std::vector<double> A, std::int64_t n) {
  if (n <= 0 || A.size() != static_cast<std::size_t>(n * n))
    throw InvalidArgument("symmetric_eigen needs a non-empty square matrix");
  Eigen e;
  e.values.resize(static_cast<std::size_t>(n));
  // Row-major symmetric == column-major symmetric: LAPACK reads it as is.
  const auto info = blas::syevd_upper(true, n, A.data(), n, e.values.data());
  if (info != 0)
    throw NumericalError("eigendecomposition failed (LAPACK dsyevd info=" + std::to_string(info) +
                         ")");
  // LAPACK's column-major vectors -> row-major with eigenvectors as columns.
  e.vectors.resize(A.size());
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) e.vectors[i * n + j] = A[j * n + i];
  return e;
}

Eigen symmetric_eigen_top(std::vector<double> A, std::int64_t n, std::int64_t k) {
  if (n <= 0 || k <= 0 || k > n || A.size() != static_cast<std::size_t>(n * n))
    throw InvalidArgument("symmetric_eigen_top needs a square matrix and 0 < k <= n");
  Eigen e;
  // LAPACK writes all n positions of w (the first k are the eigenvalues asked for).
  std::vector<double> w(static_cast<std::size_t>(n));
  std::vector<double> Z(static_cast<std::size_t>(n * k));
  const auto info = blas::syevr_top(n, k, A.data(), n, w.data(), Z.data(), n);
  if (info != 0)
    throw NumericalError("eigendecomposition failed (LAPACK dsyevr info=" + std::to_string(info) +
                         ")");
  e.values.assign(w.begin(), w.begin() + k);
  e.vectors.resize(Z.size());  // column-major n×k -> row-major n×k
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < k; ++j) e.vectors[i * k + j] = Z[j * n + i];
  return e;
}

template <class T>
RightSingular centered_right_singular(ConstMatrixView<T> X, const std::vector<double>& mean,
                                      int n_threads) {
  const std::int64_t n = X.rows, p = X.cols, k = std::min(n, p);
  if (n <= 0 || p <= 0 || mean.size() != static_cast<std::size_t>(p))
    throw InvalidArgument("centered_right_singular: bad shapes");
  // Row-major (n×p) centred copy == column-major (p×n) Xᵀ = V S Uᵀ: LAPACK's *left*
  // vectors of it are X's right vectors, and come out as row-major Vt (k×p).
  std::vector<double> A(static_cast<std::size_t>(n * p));
  const int parts = static_cast<int>(std::clamp<std::int64_t>(n / 4096, 1, std::max(1, n_threads)));
  parallel_tasks(parts, [&](int k) {
    for (std::int64_t i = n * k / parts; i < n * (k + 1) / parts; ++i)
      for (std::int64_t j = 0; j < p; ++j) A[i * p + j] = static_cast<double>(X(i, j)) - mean[j];
  });
  RightSingular r;
  r.singular_values.resize(static_cast<std::size_t>(k));
  r.vt.resize(static_cast<std::size_t>(k * p));
  blas::BlasThreadsScope blas_threads(std::max(1, n_threads));
  const auto info = blas::gesvd_left(p, n, A.data(), p, r.singular_values.data(), r.vt.data(), p);
  if (info != 0)
    throw NumericalError("SVD failed (LAPACK dgesvd info=" + std::to_string(info) + ")");
  return r;
}

template <class T>
void pca_transform(ConstMatrixView<T> X, ConstMatrixView<T> components, const T* mean,
                   const T* scale, MatrixView<T> out, int n_threads) {
  const std::int64_t k = components.rows, p = components.cols;
  std::vector<T> offset(static_cast<std::size_t>(k));
  for (std::int64_t j = 0; j < k; ++j) {
    T dot = 0;
    for (std::int64_t i = 0; i < p; ++i) dot += mean[i] * components(j, i);
    offset[j] = -dot;
  }
  linear_model::predict<T>(X, components, offset.data(), out, n_threads);
  if (scale)
    for (std::int64_t r = 0; r < out.rows; ++r)
      for (std::int64_t j = 0; j < k; ++j) out(r, j) /= scale[j];
}

template <class T>
std::vector<T> whitening_scale(const T* explained_variance, std::int64_t k) {
  std::vector<T> scale(static_cast<std::size_t>(k));
  for (std::int64_t j = 0; j < k; ++j)
    scale[j] = std::max(std::sqrt(explained_variance[j]), std::numeric_limits<T>::epsilon());
  return scale;
}

template void pca_transform<float>(ConstMatrixView<float>, ConstMatrixView<float>, const float*,
                                   const float*, MatrixView<float>, int);
template void pca_transform<double>(ConstMatrixView<double>, ConstMatrixView<double>, const double*,
                                    const double*, MatrixView<double>, int);
template std::vector<float> whitening_scale<float>(const float*, std::int64_t);
template std::vector<double> whitening_scale<double>(const double*, std::int64_t);

template RightSingular centered_right_singular<float>(ConstMatrixView<float>,
                                                      const std::vector<double>&, int);
template RightSingular centered_right_singular<double>(ConstMatrixView<double>,
                                                       const std::vector<double>&, int);

}  // namespace skaccel::decomposition

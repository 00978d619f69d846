// out = X · coefᵀ + intercept, parallel over contiguous row ranges. Each output row is
// computed by the same BLAS kernel whatever the thread count, so predictions do not
// depend on n_jobs.
#include <algorithm>
#include <vector>

#include "../common/blas.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::linear_model {
namespace {

constexpr std::int64_t kPredictBlock = 8192;    // rows per BLAS call: output stays in cache
constexpr std::int64_t kPredictGrain = 32768;   // rows a thread must get
constexpr std::int64_t kGatherBytes = 4 << 20;  // a gathered block stays in L2/L3

// BLAS reads a block in place when its rows (or columns) are evenly spaced at a positive
// distance of at least their length; any other layout (reversed, overlapping, broadcast,
// other strides) is gathered into a contiguous buffer first.
template <class T>
void predict_rows(ConstMatrixView<T> X, ConstMatrixView<T> coef, const T* intercept,
                  MatrixView<T> out, std::int64_t r0, std::int64_t r1, std::vector<T>& buffer) {
  const std::int64_t p = X.cols, t = coef.rows, rows = r1 - r0;
  T* y = out.row(r0);
  const T* c = coef.data;
  const std::int64_t ldc = std::max<std::int64_t>(coef.row_stride, p);
  const bool row_major = (X.col_stride == 1 || p == 1) && (X.row_stride >= p || rows == 1);
  const bool col_major = X.row_stride == 1 && p > 1 && X.col_stride >= rows;
  if (row_major) {
    const T* x = X.row(r0);
    const std::int64_t ld = rows == 1 ? p : X.row_stride;
    if (t == 1)
      blas::gemv('T', p, rows, T(1), x, ld, c, 1, T(0), y, 1);
    else
      blas::gemm('T', 'N', t, rows, p, T(1), c, ldc, x, ld, T(0), y, t);
  } else if (col_major) {
    const T* x = X.data + r0;
    const std::int64_t ld = X.col_stride;
    if (t == 1)
      blas::gemv('N', rows, p, T(1), x, ld, c, 1, T(0), y, 1);
    else
      blas::gemm('T', 'T', t, rows, p, T(1), c, ldc, x, ld, T(0), y, t);
  } else {
    // The buffer is bounded in bytes, not rows: wide X must not cost block × p scratch.
    const std::int64_t step =
        std::clamp<std::int64_t>(kGatherBytes / (p * std::int64_t(sizeof(T))), 1, rows);
    buffer.resize(static_cast<std::size_t>(step * p));
    for (std::int64_t g0 = 0; g0 < rows; g0 += step) {
      const std::int64_t g = std::min(step, rows - g0);
      for (std::int64_t i = 0; i < g; ++i)
        for (std::int64_t j = 0; j < p; ++j) buffer[i * p + j] = X(r0 + g0 + i, j);
      if (t == 1)
        blas::gemv('T', p, g, T(1), buffer.data(), p, c, 1, T(0), y + g0, 1);
      else
        blas::gemm('T', 'N', t, g, p, T(1), c, ldc, buffer.data(), p, T(0), y + g0 * t, t);
    }
  }
  if (intercept) {
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t k = 0; k < t; ++k) y[i * t + k] += intercept[k];
  }
}

}  // namespace

template <class T>
void predict(ConstMatrixView<T> X, ConstMatrixView<T> coef, const T* intercept, MatrixView<T> out,
             int n_threads) {
  if (coef.cols != X.cols)
    throw InvalidArgument("X has " + std::to_string(X.cols) + " features, the model " +
                          std::to_string(coef.cols));
  if (coef.col_stride != 1 && coef.cols > 1)
    throw InvalidArgument("coef must have contiguous rows");
  if (!out.is_c_contiguous() || out.rows != X.rows || out.cols != coef.rows)
    throw InvalidArgument("output must be a C-contiguous (n_samples, n_targets) array");
  const std::int64_t n = X.rows;
  if (n == 0) return;
  int threads =
      static_cast<int>(std::clamp<std::int64_t>(n / kPredictGrain, 1, std::max(1, n_threads)));
  blas::BlasThreadsScope blas_threads(1);
  parallel_tasks(threads, [&](int k) {
    std::vector<T> buffer;
    const std::int64_t begin = n * k / threads, end = n * (k + 1) / threads;
    for (std::int64_t r0 = begin; r0 < end; r0 += kPredictBlock)
      predict_rows(X, coef, intercept, out, r0, std::min(end, r0 + kPredictBlock), buffer);
  });
}

template void predict<float>(ConstMatrixView<float>, ConstMatrixView<float>, const float*,
                             MatrixView<float>, int);
template void predict<double>(ConstMatrixView<double>, ConstMatrixView<double>, const double*,
                              MatrixView<double>, int);

}  // namespace skaccel::linear_model

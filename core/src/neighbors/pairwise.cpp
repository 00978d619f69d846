// Tiled pairwise distances (skaccel/neighbors.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../common/blas.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::neighbors {
namespace {

// Rows of X and of Y per tile: a tile of products (128 × 512 doubles, 512 KiB) stays in
// L2 between the gemm that writes it and the pass that turns it into distances.
constexpr std::int64_t kTileRows = 128, kTileCols = 512;

void check_shapes(std::int64_t n, std::int64_t m, std::int64_t p_x, std::int64_t p_y,
                  std::int64_t out_rows, std::int64_t out_cols) {
  if (p_x != p_y) throw InvalidArgument("X and Y have different numbers of features");
  if (out_rows != n || out_cols != m) throw InvalidArgument("the output must be X.rows × Y.rows");
}

// The rows of M as a contiguous row-major matrix of C: M itself when it already is one,
// else a converted copy in `storage`.
template <class C, class T>
const C* contiguous_rows(ConstMatrixView<T> M, std::vector<C>& storage, int n_threads) {
  if constexpr (std::is_same_v<C, T>) {
    if (M.is_row_contiguous() && (M.row_stride == M.cols || M.rows <= 1)) return M.data;
  }
  storage.resize(static_cast<std::size_t>(M.rows * M.cols));
  const std::int64_t n = M.rows, p = M.cols;
  const int tasks = static_cast<int>(std::clamp<std::int64_t>(n * p / 65536, 1, n_threads));
  parallel_tasks(tasks, [&](int t) {
    for (std::int64_t i = n * t / tasks; i < n * (t + 1) / tasks; ++i)
      for (std::int64_t j = 0; j < p; ++j) storage[i * p + j] = static_cast<C>(M(i, j));
  });
  return storage.data();
}

// body(i0, rows, j0, cols) for every tile, the tiles shared among the threads.
template <class F>
void for_tiles(std::int64_t n, std::int64_t m, int n_threads, F&& body) {
  const std::int64_t tile_rows = (n + kTileRows - 1) / kTileRows;
  const std::int64_t tile_cols = (m + kTileCols - 1) / kTileCols;
  const std::int64_t tiles = tile_rows * tile_cols;
  if (tiles == 0) return;
  std::atomic<std::int64_t> next{0};
  const int tasks = static_cast<int>(std::clamp<std::int64_t>(tiles, 1, std::max(1, n_threads)));
  blas::BlasThreadsScope blas_threads(1);
  parallel_tasks(tasks, [&](int) {
    for (std::int64_t t = next++; t < tiles; t = next++) {
      const std::int64_t i0 = (t / tile_cols) * kTileRows, j0 = (t % tile_cols) * kTileCols;
      body(i0, std::min(kTileRows, n - i0), j0, std::min(kTileCols, m - j0));
    }
  });
}

// Products of rows in C: euclidean distances in double, cosine in T.
template <class T, DotMetric M>
using ProductType = std::conditional_t<M == DotMetric::euclidean, double, T>;

template <class T, DotMetric M>
void dot_distances_as(ConstMatrixView<T> X, ConstMatrixView<T> Y, const double* x_norms,
                      const double* y_norms, bool squared, bool same, MatrixView<T> out,
                      int n_threads) {
  using C = ProductType<T, M>;
  const std::int64_t n = X.rows, m = Y.rows, p = X.cols;
  std::vector<C> x_storage, y_storage;
  const C* Xc = contiguous_rows<C>(X, x_storage, n_threads);
  const C* Yc = same ? Xc : contiguous_rows<C>(Y, y_storage, n_threads);
  for_tiles(n, m, n_threads,
            [&](std::int64_t i0, std::int64_t rows, std::int64_t j0, std::int64_t cols) {
              thread_local std::vector<C> tile;
              tile.resize(static_cast<std::size_t>(kTileRows * kTileCols));
              // tile (rows × cols, row-major) = α · X[i0:] · Y[j0:]ᵀ: as column-major, cols × rows.
              const C alpha = M == DotMetric::euclidean ? C(-2) : C(1);
              if (p > 0)
                blas::gemm('T', 'N', cols, rows, p, alpha, Yc + j0 * p, p, Xc + i0 * p, p, C(0),
                           tile.data(), cols);
              else
                std::fill(tile.begin(), tile.begin() + rows * cols, C(0));
              for (std::int64_t a = 0; a < rows; ++a) {
                const std::int64_t i = i0 + a;
                const C* products = tile.data() + a * cols;
                for (std::int64_t b = 0; b < cols; ++b) {
                  const std::int64_t j = j0 + b;
                  T d;
                  if constexpr (M == DotMetric::euclidean) {
                    // scikit-learn: distances = −2 x·y; += ‖x‖²; += ‖y‖² (in double for float32,
                    // then cast); maximum(·, 0); the diagonal of X with itself 0; sqrt.
                    d = static_cast<T>((products[b] + x_norms[i]) + y_norms[j]);
                    d = d < T(0) ? T(0) : d;  // NaN stays NaN, as np.maximum keeps it
                    if (same && i == j) d = T(0);
                    if (!squared) d = std::sqrt(d);
                  } else {
                    // scikit-learn: S = x·y; S *= −1; S += 1; clip(S, 0, 2); the diagonal 0.
                    d = T(1) + (-products[b]);
                    d = d < T(0) ? T(0) : (d > T(2) ? T(2) : d);
                    if (same && i == j) d = T(0);
                  }
                  out(i, j) = d;
                }
              }
            });
}

}  // namespace

template <class T>
void dot_distances(ConstMatrixView<T> X, ConstMatrixView<T> Y, const double* x_norms,
                   const double* y_norms, DotMetric metric, bool squared, bool same,
                   MatrixView<T> out, int n_threads) {
  check_shapes(X.rows, Y.rows, X.cols, Y.cols, out.rows, out.cols);
  if (same && (X.rows != Y.rows || X.data != Y.data))
    throw InvalidArgument("same: X and Y must be one matrix");
  if (metric == DotMetric::euclidean) {
    if ((X.rows && !x_norms) || (Y.rows && !y_norms))
      throw InvalidArgument("euclidean distances need the rows' squared norms");
    dot_distances_as<T, DotMetric::euclidean>(X, Y, x_norms, y_norms, squared, same, out,
                                              n_threads);
  } else {
    dot_distances_as<T, DotMetric::cosine>(X, Y, nullptr, nullptr, false, same, out, n_threads);
  }
}

template <class T, class Out>
void manhattan_distances(ConstMatrixView<T> X, ConstMatrixView<T> Y, MatrixView<Out> out,
                         int n_threads) {
  check_shapes(X.rows, Y.rows, X.cols, Y.cols, out.rows, out.cols);
  const std::int64_t n = X.rows, m = Y.rows, p = X.cols;
  std::vector<double> x_storage;
  const double* Xd = contiguous_rows<double>(X, x_storage, n_threads);
  for_tiles(n, m, n_threads,
            [&](std::int64_t i0, std::int64_t rows, std::int64_t j0, std::int64_t cols) {
              // Y's tile transposed (features × cols), so that one feature of every pair in the
              // tile is one contiguous run: the sums vectorise across pairs, each in feature order.
              thread_local std::vector<double> y_columns, sums;
              y_columns.resize(static_cast<std::size_t>(p * kTileCols));
              sums.resize(static_cast<std::size_t>(kTileCols));
              for (std::int64_t b = 0; b < cols; ++b)
                for (std::int64_t f = 0; f < p; ++f)
                  y_columns[f * cols + b] = static_cast<double>(Y(j0 + b, f));
              for (std::int64_t a = 0; a < rows; ++a) {
                const double* x = Xd + (i0 + a) * p;
                double* s = sums.data();
                std::fill(s, s + cols, 0.0);
                for (std::int64_t f = 0; f < p; ++f) {
                  const double xf = x[f];
                  const double* y = y_columns.data() + f * cols;
                  for (std::int64_t b = 0; b < cols; ++b) s[b] += std::fabs(xf - y[b]);
                }
                for (std::int64_t b = 0; b < cols; ++b)
                  out(i0 + a, j0 + b) = static_cast<Out>(s[b]);
              }
            });
}

template void dot_distances<float>(ConstMatrixView<float>, ConstMatrixView<float>, const double*,
                                   const double*, DotMetric, bool, bool, MatrixView<float>, int);
template void dot_distances<double>(ConstMatrixView<double>, ConstMatrixView<double>, const double*,
                                    const double*, DotMetric, bool, bool, MatrixView<double>, int);
template void manhattan_distances<float, float>(ConstMatrixView<float>, ConstMatrixView<float>,
                                                MatrixView<float>, int);
template void manhattan_distances<float, double>(ConstMatrixView<float>, ConstMatrixView<float>,
                                                 MatrixView<double>, int);
template void manhattan_distances<double, float>(ConstMatrixView<double>, ConstMatrixView<double>,
                                                 MatrixView<float>, int);
template void manhattan_distances<double, double>(ConstMatrixView<double>, ConstMatrixView<double>,
                                                  MatrixView<double>, int);

}  // namespace skaccel::neighbors

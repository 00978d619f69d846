#pragma once
// What the neighbour searches share (kneighbors.cpp, kdtree.cpp, radius.cpp): row blocks
// for gemm, the rows' squared norms, and the trees' squared distance.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "../common/blas.hpp"
#include "skaccel/matrix.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::neighbors::detail {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kNoRow = std::numeric_limits<std::int64_t>::max();

// (distance, row) in the order scikit-learn's heaps keep: nearer first, then lower row.
inline bool before(double d1, std::int64_t j1, double d2, std::int64_t j2) {
  return d1 < d2 || (d1 == d2 && j1 < j2);
}

// Offers (d, j) to a binary max-heap of k (distance, row) pairs, the worst at the root
// (hd[0], hj[0]), filled first with sentinels (inf, kNoRow) that every real candidate
// displaces: kept when it comes before the root (a NaN ranks as +inf), sifted down.
inline void heap_offer(double* hd, std::int64_t* hj, std::int64_t k, double d, std::int64_t j) {
  if (std::isnan(d)) d = kInf;
  if (!before(d, j, hd[0], hj[0])) return;
  std::int64_t i = 0;
  for (;;) {
    const std::int64_t l = 2 * i + 1, r = l + 1;
    std::int64_t largest = i;
    double ld = d;
    std::int64_t lj = j;
    if (l < k && before(ld, lj, hd[l], hj[l])) largest = l, ld = hd[l], lj = hj[l];
    if (r < k && before(ld, lj, hd[r], hj[r])) largest = r;
    if (largest == i) break;
    hd[i] = hd[largest];
    hj[i] = hj[largest];
    i = largest;
  }
  hd[i] = d;
  hj[i] = j;
}

// Rows [r0, r0 + rows) of M as a row-major block of U: M's own memory when it is one of U
// (leading dimension returned in *ld), else a copy (converted to U) in `storage`.
template <class U, class T>
const U* block_rows(ConstMatrixView<T> M, std::int64_t r0, std::int64_t rows,
                    std::vector<U>& storage, std::int64_t* ld) {
  if constexpr (std::is_same_v<U, T>) {
    if (M.col_stride == 1 && M.row_stride >= M.cols && M.row_stride > 0) {
      *ld = M.row_stride;
      return M.data + r0 * M.row_stride;
    }
  }
  const std::int64_t p = M.cols;
  storage.resize(static_cast<std::size_t>(std::max<std::int64_t>(rows * p, 1)));
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t f = 0; f < p; ++f) storage[i * p + f] = static_cast<U>(M(r0 + i, f));
  *ld = std::max<std::int64_t>(p, 1);
  return storage.data();
}

// ‖row‖² of every row of M, in double, summed in feature order.
template <class T>
std::vector<double> squared_norms(ConstMatrixView<T> M, int n_threads) {
  std::vector<double> norms(static_cast<std::size_t>(M.rows));
  const std::int64_t n = M.rows;
  const int tasks =
      static_cast<int>(std::clamp<std::int64_t>(n * M.cols / 262144, 1, std::max(1, n_threads)));
  parallel_tasks(tasks, [&](int t) {
    for (std::int64_t i = n * t / tasks; i < n * (t + 1) / tasks; ++i) {
      double s = 0.0;
      for (std::int64_t f = 0; f < M.cols; ++f) {
        const double v = static_cast<double>(M(i, f));
        s += v * v;
      }
      norms[i] = s;
    }
  });
  return norms;
}

// ‖row‖² of every row of M as scikit-learn's pairwise-distance reductions compute it: the
// BLAS ddot of the row (converted to double, contiguous) with itself.
template <class T>
std::vector<double> blas_squared_norms(ConstMatrixView<T> M, int n_threads) {
  std::vector<double> norms(static_cast<std::size_t>(M.rows));
  const std::int64_t n = M.rows, p = M.cols;
  const int tasks =
      static_cast<int>(std::clamp<std::int64_t>(n * p / 262144, 1, std::max(1, n_threads)));
  parallel_tasks(tasks, [&](int t) {
    std::vector<double> row(static_cast<std::size_t>(std::max<std::int64_t>(p, 1)));
    for (std::int64_t i = n * t / tasks; i < n * (t + 1) / tasks; ++i) {
      const double* r = nullptr;
      if constexpr (std::is_same_v<T, double>)
        if (M.col_stride == 1) r = M.data + i * M.row_stride;
      if (r == nullptr) {
        for (std::int64_t f = 0; f < p; ++f) row[f] = static_cast<double>(M(i, f));
        r = row.data();
      }
      norms[i] = p > 0 ? blas::dot(p, r, r) : 0.0;
    }
  });
  return norms;
}

// Σ_f (x_f − y_f)² in double, feature by feature, as scikit-learn's trees sum it (their
// float64 copy of float32 rows: the differences of the converted values).
template <class T>
double squared_distance(ConstMatrixView<T> X, std::int64_t i, ConstMatrixView<T> Y,
                        std::int64_t j) {
  double s = 0.0;
  for (std::int64_t f = 0; f < X.cols; ++f) {
    const double d = static_cast<double>(X(i, f)) - static_cast<double>(Y(j, f));
    s += d * d;
  }
  return s;
}

// One feature's term of a reduced distance and how the terms accumulate (Metric), for the
// searches' templates: `term` of a difference, `add` of a term to the running value, in
// double. Chebyshev's max is fmax's (a NaN term is ignored; the running value never is one).
struct SquaredEuclideanTerms {
  static double term(double d) { return d * d; }
  static double add(double s, double t) { return s + t; }
};
struct ManhattanTerms {
  static double term(double d) { return std::fabs(d); }
  static double add(double s, double t) { return s + t; }
};
struct ChebyshevTerms {
  static double term(double d) { return std::fabs(d); }
  static double add(double s, double t) { return s < t ? t : s; }
};
struct MinkowskiTerms {
  double p;
  double term(double d) const { return std::pow(std::fabs(d), p); }
  static double add(double s, double t) { return s + t; }
};

// The reduced distances (Terms) of up to four queries (n_queries ≤ 4 rows of p values of
// D, row-major) to the `cols` rows of a feature-major tile of Y (feature f of row b at
// y_columns[f · cols + b]): out[a · cols + b], each difference taken in D, the terms
// added in double in feature order. Defined in metric_tiles.cpp (vectorised, with an
// AVX2 clone).
#define SKACCEL_DECLARE_METRIC_TILE(D, Terms)                                    \
  void metric_tile(const D* queries, std::int64_t n_queries, const D* y_columns, \
                   std::int64_t cols, std::int64_t p, const Terms& terms, double* out);
SKACCEL_DECLARE_METRIC_TILE(double, ManhattanTerms)
SKACCEL_DECLARE_METRIC_TILE(float, ManhattanTerms)
SKACCEL_DECLARE_METRIC_TILE(double, ChebyshevTerms)
SKACCEL_DECLARE_METRIC_TILE(float, ChebyshevTerms)
SKACCEL_DECLARE_METRIC_TILE(double, MinkowskiTerms)
SKACCEL_DECLARE_METRIC_TILE(float, MinkowskiTerms)
#undef SKACCEL_DECLARE_METRIC_TILE

// squared_distance's sums (Σ_f (q_f − y_f)² in double, feature by feature) from `query`
// (n_features doubles) to the `count` rows of a feature-major block (a KDTree's leaf:
// block[f · count + r]), into out[0, count). Defined in kdtree.cpp, vectorised over the rows.
void leaf_squared_distances(const double* block, std::int64_t count, std::int64_t n_features,
                            const double* query, double* out);
void leaf_squared_distances(const float* block, std::int64_t count, std::int64_t n_features,
                            const double* query, double* out);

// NumPy's pairwise summation (add.reduce over a contiguous axis) in A: plain below 8
// values, eight running sums up to 128, halves (at a multiple of 8) above.
template <class A>
A numpy_sum(const A* a, std::int64_t n) {
  if (n < 8) {
    A s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    A r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    A s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  std::int64_t half = n / 2;
  half -= half % 8;
  return numpy_sum(a, half) + numpy_sum(a + half, n - half);
}

// body(begin, end) over [0, n) in up to n_threads tasks of at least 4,096 rows.
template <class F>
void for_rows(std::int64_t n, int n_threads, F&& body) {
  const int tasks = static_cast<int>(std::clamp<std::int64_t>(n / 4096, 1, std::max(1, n_threads)));
  parallel_tasks(tasks, [&](int t) { body(n * t / tasks, n * (t + 1) / tasks); });
}

}  // namespace skaccel::neighbors::detail

// k nearest neighbours by brute force, and the votes and means that consume them
// (skaccel/neighbors.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "../common/blas.hpp"
#include "rows.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::neighbors {
namespace {

using detail::block_rows;
using detail::for_rows;
using detail::numpy_sum;
using detail::squared_norms;

// Queries and rows of Y per tile: the tile of products (256 × 512 values, 1 MiB in double,
// about one core's L2) is scanned into the heaps right after the gemm that writes it.
// (128 × 512 and 512 × 256 measured within noise of it on 100,000 × 50.)
constexpr std::int64_t kQueryRows = 256, kBlockRows = 512;
using detail::before;
using detail::kInf;
using detail::kNoRow;

// k candidates per query row as binary max-heaps (the worst at the root), flat arrays.
// Filled with sentinels (inf, kNoRow) that every real candidate displaces.
class Heaps {
 public:
  Heaps(std::int64_t rows, std::int64_t k)
      : k_(k),
        d_(static_cast<std::size_t>(rows * k), kInf),
        j_(static_cast<std::size_t>(rows * k), kNoRow) {}

  double worst(std::int64_t row) const { return d_[row * k_]; }

  // Offers (d, j) to the row's heap (detail::heap_offer).
  void offer(std::int64_t row, double d, std::int64_t j) {
    detail::heap_offer(d_.data() + row * k_, j_.data() + row * k_, k_, d, j);
  }

  // The candidates of `row`, sorted nearest first, appended to `out`.
  void sorted(std::int64_t row, std::vector<std::pair<double, std::int64_t>>& out) const {
    const std::size_t start = out.size();
    for (std::int64_t a = 0; a < k_; ++a) out.emplace_back(d_[row * k_ + a], j_[row * k_ + a]);
    std::sort(
        out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
        [](const auto& x, const auto& y) { return before(x.first, x.second, y.first, y.second); });
  }

 private:
  std::int64_t k_;
  std::vector<double> d_;
  std::vector<std::int64_t> j_;
};

// Offers every row of Y in [y_begin, y_end) to the heaps of X's rows [x_begin, x_end)
// (heap row = X row − x_begin), ranked by −2 x·y + ‖y‖² in double, Y's rows in increasing
// order.
//
// float64 rows: the products are one dgemm per tile. float32 rows: scikit-learn ranks by
// products of the rows converted to double; here one sgemm per tile screens the pairs,
// and a pair whose single-precision rank is within the product's error bound of the
// heap's worst is ranked again by its double product. The bound is the worst-case error
// of a float32 dot product of length p (γ_p Σ|x_f y_f| ≤ γ_p ‖x‖ ‖y‖, doubled, with
// room for the double additions), so every pair the double ranking keeps is kept, and
// the neighbours and their order are the double ranking's.
template <class T>
void search(ConstMatrixView<T> X, std::int64_t x_begin, std::int64_t x_end, ConstMatrixView<T> Y,
            std::int64_t y_begin, std::int64_t y_end, const double* x_norms, const double* y_norms,
            Heaps& heaps) {
  constexpr bool single = std::is_same_v<T, float>;
  const std::int64_t p = X.cols;
  thread_local std::vector<T> tile, x_storage, y_storage;
  tile.resize(static_cast<std::size_t>(kQueryRows * kBlockRows));
  // γ_p = p u / (1 − p u) for float32's unit roundoff u (∞ past any sensible p).
  const double u = std::ldexp(1.0, -24), pu = static_cast<double>(p) * u;
  const double gamma = pu < 0.5 ? pu / (1.0 - pu) : kInf;
  for (std::int64_t i0 = x_begin; i0 < x_end; i0 += kQueryRows) {
    const std::int64_t rows = std::min(kQueryRows, x_end - i0);
    std::int64_t ldx = 0;
    const T* xb = block_rows(X, i0, rows, x_storage, &ldx);
    for (std::int64_t j0 = y_begin; j0 < y_end; j0 += kBlockRows) {
      const std::int64_t cols = std::min(kBlockRows, y_end - j0);
      std::int64_t ldy = 0;
      const T* yb = block_rows(Y, j0, cols, y_storage, &ldy);
      // tile (rows × cols, row-major) = −2 X[i0:] Y[j0:]ᵀ: as column-major, cols × rows.
      if (p > 0)
        blas::gemm('T', 'N', cols, rows, p, T(-2), yb, ldy, xb, ldx, T(0), tile.data(), cols);
      else
        std::fill(tile.begin(), tile.begin() + rows * cols, T(0));
      const double* yn = y_norms + j0;
      double y_max = 0.0;  // the largest ‖y‖ of the block (the screen's error bound)
      // The screen's values in T: −2 x·y (the tile) + ‖y‖² rounded to T.
      thread_local std::vector<T> yn_t;
      yn_t.resize(static_cast<std::size_t>(kBlockRows));
      for (std::int64_t b = 0; b < cols; ++b) yn_t[b] = static_cast<T>(yn[b]);
      if constexpr (single)
        for (std::int64_t b = 0; b < cols; ++b) y_max = std::max(y_max, std::sqrt(yn[b]));
      for (std::int64_t a = 0; a < rows; ++a) {
        const std::int64_t h = i0 + a - x_begin;
        const T* products = tile.data() + a * cols;
        double bound = 0.0;
        if constexpr (single) {
          const double xy = std::sqrt(x_norms[i0 + a]) * y_max;
          bound = 4.0 * gamma * xy + 1e-14 * (2.0 * xy + y_max * y_max);
        }
        double worst = heaps.worst(h);
        double limit = worst + bound;
        // The screen in T rejects a chunk when every value is at least screen_limit: for
        // float32, the limit is raised by the roundings of ‖y‖² and of the sum (u each,
        // relative), then rounded up to a float.
        const auto screen_limit = [&](double l) -> T {
          if constexpr (single) {
            const double slack = 2.0 * u * (std::fabs(l) + y_max * y_max) + u * y_max * y_max;
            const float f = static_cast<float>(l + slack);
            return std::isfinite(l) ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
          } else {
            return l;
          }
        };
        T limit_t = screen_limit(limit);
        // Chunks of 16 pairs are screened at once in T (most are rejected as a whole).
        for (std::int64_t c0 = 0; c0 < cols; c0 += 16) {
          const std::int64_t c1 = std::min(cols, c0 + 16);
          bool any = false;
          for (std::int64_t b = c0; b < c1; ++b) any |= !(products[b] + yn_t[b] >= limit_t);
          if (!any) continue;
          for (std::int64_t b = c0; b < c1; ++b) {
            double s = static_cast<double>(products[b]) + yn[b];
            if (s >= limit) continue;  // (a NaN goes on, ranked as +inf by offer)
            if constexpr (single) {
              const T* x = xb + a * ldx;
              const T* y = yb + b * ldy;
              double dot = 0.0;
              for (std::int64_t f = 0; f < p; ++f)
                dot += static_cast<double>(x[f]) * static_cast<double>(y[f]);
              s = -2.0 * dot + yn[b];
              if (s >= worst) continue;
            }
            heaps.offer(h, s, j0 + b);
            worst = heaps.worst(h);
            limit = worst + bound;
            limit_t = screen_limit(limit);
          }
        }
      }
    }
  }
}

// Offers every row of Y in [y_begin, y_end) to the heaps of X's rows [x_begin, x_end) by
// a reduced distance of Terms (rows.hpp), the differences taken in D (float for the brute
// force's arithmetic on float32 rows, else double) and the reduced distance rounded to
// float32 when `to_float`. A tile of Y is copied feature-major, so that one feature of
// every row of the tile is a contiguous run: the sums (detail::metric_tile) vectorise
// across rows, four queries at a time, each in feature order.
template <class D, class T, class Terms>
void search_metric(ConstMatrixView<T> X, std::int64_t x_begin, std::int64_t x_end,
                   ConstMatrixView<T> Y, std::int64_t y_begin, std::int64_t y_end,
                   const Terms& terms, bool to_float, Heaps& heaps) {
  const std::int64_t p = X.cols;
  // (Per call, not thread_local: each instantiation's thread_local would take a share of
  // the static TLS block that a dlopen'ed library is limited to.)
  std::vector<D> y_columns(static_cast<std::size_t>(std::max<std::int64_t>(p * kBlockRows, 1)));
  constexpr std::int64_t kTileQueries = 4;  // (metric_tile's)
  std::vector<D> x_rows(static_cast<std::size_t>(std::max<std::int64_t>(kTileQueries * p, 1)));
  std::vector<double> sums(static_cast<std::size_t>(kTileQueries * kBlockRows));
  for (std::int64_t j0 = y_begin; j0 < y_end; j0 += kBlockRows) {
    const std::int64_t cols = std::min(kBlockRows, y_end - j0);
    for (std::int64_t b = 0; b < cols; ++b)
      for (std::int64_t f = 0; f < p; ++f) y_columns[f * cols + b] = static_cast<D>(Y(j0 + b, f));
    for (std::int64_t i0 = x_begin; i0 < x_end; i0 += kTileQueries) {
      const std::int64_t rows = std::min(kTileQueries, x_end - i0);
      for (std::int64_t a = 0; a < rows; ++a)
        for (std::int64_t f = 0; f < p; ++f) x_rows[a * p + f] = static_cast<D>(X(i0 + a, f));
      detail::metric_tile(x_rows.data(), rows, y_columns.data(), cols, p, terms, sums.data());
      for (std::int64_t a = 0; a < rows; ++a) {
        double* s = sums.data() + a * cols;
        if (to_float)
          for (std::int64_t b = 0; b < cols; ++b)
            s[b] = static_cast<double>(static_cast<float>(s[b]));
        const std::int64_t h = i0 + a - x_begin;
        double worst = heaps.worst(h);
        for (std::int64_t b = 0; b < cols; ++b) {
          if (s[b] > worst) continue;  // (a NaN goes on, ranked as +inf by offer)
          heaps.offer(h, s[b], j0 + b);
          worst = heaps.worst(h);
        }
      }
    }
  }
}

// The brute-force searches' parallel plan: search(x_begin, x_end, y_begin, y_end, heaps)
// offers those rows of Y to those rows' heaps, finish(i, best) writes row i's k best
// (sorted). Many queries: each thread takes blocks of queries and scans all of Y for
// them. Few: each thread scans a range of Y for all of them, and the ranges' heaps are
// merged in the same order, so the result is the sequential one.
template <class Search, class Finish>
void search_in_parallel(std::int64_t n, std::int64_t m, std::int64_t k, int threads,
                        const Search& search, const Finish& finish) {
  const std::int64_t query_blocks = (n + kQueryRows - 1) / kQueryRows;
  const std::int64_t y_blocks = (m + kBlockRows - 1) / kBlockRows;
  if (threads == 1 || query_blocks >= 2 * threads || y_blocks < 2) {
    std::atomic<std::int64_t> next{0};
    const int tasks = static_cast<int>(std::clamp<std::int64_t>(query_blocks, 1, threads));
    parallel_tasks(tasks, [&](int) {
      std::vector<std::pair<double, std::int64_t>> best;
      for (std::int64_t b = next++; b < query_blocks; b = next++) {
        const std::int64_t i0 = b * kQueryRows, i1 = std::min(n, i0 + kQueryRows);
        Heaps heaps(i1 - i0, k);
        search(i0, i1, std::int64_t{0}, m, heaps);
        for (std::int64_t i = i0; i < i1; ++i) {
          best.clear();
          heaps.sorted(i - i0, best);
          finish(i, best.data());
        }
      }
    });
    return;
  }
  const int tasks = static_cast<int>(std::min<std::int64_t>(threads, y_blocks));
  std::vector<Heaps> parts;
  parts.reserve(static_cast<std::size_t>(tasks));
  for (int t = 0; t < tasks; ++t) parts.emplace_back(n, k);
  parallel_tasks(tasks, [&](int t) {
    const std::int64_t b0 = y_blocks * t / tasks, b1 = y_blocks * (t + 1) / tasks;
    search(std::int64_t{0}, n, b0 * kBlockRows, std::min(m, b1 * kBlockRows), parts[t]);
  });
  std::vector<std::pair<double, std::int64_t>> all;
  for (std::int64_t i = 0; i < n; ++i) {
    all.clear();
    for (const Heaps& h : parts) h.sorted(i, all);
    std::partial_sort(all.begin(), all.begin() + k, all.end(), [](const auto& x, const auto& y) {
      return before(x.first, x.second, y.first, y.second);
    });
    finish(i, all.data());
  }
}

void check_search(std::int64_t n, std::int64_t m, std::int64_t p_x, std::int64_t p_y,
                  std::int64_t k, const MatrixView<double>& distances,
                  const MatrixView<std::int64_t>& indices) {
  if (p_x != p_y) throw InvalidArgument("X and Y have different numbers of features");
  if (k < 1 || k > m) throw InvalidArgument("k must be in [1, Y.rows]");
  if (distances.rows != n || distances.cols != k || indices.rows != n || indices.cols != k)
    throw InvalidArgument("distances and indices must be X.rows × k");
}

}  // namespace

template <class T>
void kneighbors_euclidean(ConstMatrixView<T> X, ConstMatrixView<T> Y, std::int64_t k, bool squared,
                          bool brute_distances, MatrixView<double> distances,
                          MatrixView<std::int64_t> indices, int n_threads) {
  const std::int64_t n = X.rows, m = Y.rows;
  check_search(n, m, X.cols, Y.cols, k, distances, indices);
  if (n == 0) return;
  const int threads = std::max(1, n_threads);
  // scikit-learn's norms (_sqeuclidean_row_norms: BLAS ddot of the rows in double), so
  // that the ranked values and the distances are its own to the last bit.
  const std::vector<double> y_norms = detail::blas_squared_norms(Y, threads);
  const std::vector<double> x_norms = detail::blas_squared_norms(X, threads);
  blas::BlasThreadsScope blas_threads(1);

  const auto finish = [&](std::int64_t i, const std::pair<double, std::int64_t>* best) {
    for (std::int64_t a = 0; a < k; ++a) {
      indices(i, a) = best[a].second;
      if (!brute_distances) {
        // scikit-learn's KDTree and BallTree: the squared differences summed in double.
        const double d = detail::squared_distance(X, i, Y, best[a].second);
        distances(i, a) = squared ? d : std::sqrt(d);
        continue;
      }
      const double d = std::max(best[a].first + x_norms[i], 0.0);
      if (std::is_same_v<T, float>) {
        // scikit-learn's float32 brute force keeps its distances in float32 (the square
        // rounded, then its root), and returns them as float64.
        const float f = static_cast<float>(d);
        distances(i, a) = squared ? f : std::sqrt(f);
      } else {
        distances(i, a) = squared ? d : std::sqrt(d);
      }
    }
  };

  search_in_parallel(
      n, m, k, threads,
      [&](std::int64_t x0, std::int64_t x1, std::int64_t y0, std::int64_t y1, Heaps& heaps) {
        search(X, x0, x1, Y, y0, y1, x_norms.data(), y_norms.data(), heaps);
      },
      finish);
}

template void kneighbors_euclidean<float>(ConstMatrixView<float>, ConstMatrixView<float>,
                                          std::int64_t, bool, bool, MatrixView<double>,
                                          MatrixView<std::int64_t>, int);
template void kneighbors_euclidean<double>(ConstMatrixView<double>, ConstMatrixView<double>,
                                           std::int64_t, bool, bool, MatrixView<double>,
                                           MatrixView<std::int64_t>, int);

template <class T>
void kneighbors_metric(ConstMatrixView<T> X, ConstMatrixView<T> Y, std::int64_t k, Metric metric,
                       bool reduced, bool brute_distances, MatrixView<double> distances,
                       MatrixView<std::int64_t> indices, int n_threads) {
  const std::int64_t n = X.rows, m = Y.rows;
  check_search(n, m, X.cols, Y.cols, k, distances, indices);
  if (metric.kind == MetricKind::minkowski && !(metric.p > 0.0 && std::isfinite(metric.p)))
    throw InvalidArgument("minkowski's p must be positive and finite");
  if (n == 0) return;
  const int threads = std::max(1, n_threads);
  // scikit-learn's float32 brute force (DistanceMetric32) subtracts in float32 and returns
  // the reduced distance and the distance as float32.
  const bool single = brute_distances && std::is_same_v<T, float>;
  const auto run = [&](const auto& terms, const auto& distance) {
    const auto finish = [&](std::int64_t i, const std::pair<double, std::int64_t>* best) {
      for (std::int64_t a = 0; a < k; ++a) {
        indices(i, a) = best[a].second;
        const double d = reduced ? best[a].first : distance(best[a].first);
        distances(i, a) = single ? static_cast<double>(static_cast<float>(d)) : d;
      }
    };
    search_in_parallel(
        n, m, k, threads,
        [&](std::int64_t x0, std::int64_t x1, std::int64_t y0, std::int64_t y1, Heaps& heaps) {
          if (single)
            search_metric<float>(X, x0, x1, Y, y0, y1, terms, true, heaps);
          else
            search_metric<double>(X, x0, x1, Y, y0, y1, terms, false, heaps);
        },
        finish);
  };
  const auto itself = [](double d) { return d; };
  switch (metric.kind) {
    case MetricKind::manhattan:
      return run(detail::ManhattanTerms{}, itself);
    case MetricKind::chebyshev:
      return run(detail::ChebyshevTerms{}, itself);
    case MetricKind::minkowski: {
      const double root = 1.0 / metric.p;
      return run(detail::MinkowskiTerms{metric.p}, [root](double d) { return std::pow(d, root); });
    }
    case MetricKind::euclidean:
      break;
  }
  throw InvalidArgument("kneighbors_metric: the Euclidean metric is kneighbors_euclidean's");
}

template void kneighbors_metric<float>(ConstMatrixView<float>, ConstMatrixView<float>, std::int64_t,
                                       Metric, bool, bool, MatrixView<double>,
                                       MatrixView<std::int64_t>, int);
template void kneighbors_metric<double>(ConstMatrixView<double>, ConstMatrixView<double>,
                                        std::int64_t, Metric, bool, bool, MatrixView<double>,
                                        MatrixView<std::int64_t>, int);

Metric metric_named(const std::string& name, double p) {
  if (name == "euclidean" || name == "l2") return {MetricKind::euclidean, 2.0};
  if (name == "manhattan" || name == "cityblock" || name == "l1")
    return {MetricKind::manhattan, 1.0};
  if (name == "chebyshev" || name == "infinity")
    return {MetricKind::chebyshev, std::numeric_limits<double>::infinity()};
  if (name == "minkowski") {
    if (!(p > 0.0)) throw InvalidArgument("minkowski's p must be positive");
    if (p == 1.0) return {MetricKind::manhattan, 1.0};
    if (p == 2.0) return {MetricKind::euclidean, 2.0};
    if (std::isinf(p)) return {MetricKind::chebyshev, p};
    return {MetricKind::minkowski, p};
  }
  throw InvalidArgument("the core's metrics are euclidean, manhattan, chebyshev and minkowski");
}

// --- votes and means --------------------------------------------------------------------

namespace {

// Row i's neighbour weights as scikit-learn's _get_weights gives them (1 / distance; a
// row with an infinite weight weighs those neighbours 1 and the others 0).
void distance_weights(ConstMatrixView<double> distances, std::int64_t i, double* w) {
  bool any_inf = false;
  for (std::int64_t a = 0; a < distances.cols; ++a) {
    w[a] = 1.0 / distances(i, a);
    any_inf = any_inf || std::isinf(w[a]);
  }
  if (any_inf)
    for (std::int64_t a = 0; a < distances.cols; ++a) w[a] = std::isinf(w[a]) ? 1.0 : 0.0;
}

void check_neighbors(ConstMatrixView<std::int64_t> indices, ConstMatrixView<double> distances,
                     std::int64_t n_labels, NeighborWeights weights) {
  if (weights == NeighborWeights::distance &&
      (distances.rows != indices.rows || distances.cols != indices.cols))
    throw InvalidArgument("distances and indices must have one shape");
  for (std::int64_t i = 0; i < indices.rows; ++i)
    for (std::int64_t a = 0; a < indices.cols; ++a)
      if (indices(i, a) < 0 || indices(i, a) >= n_labels)
        throw InvalidArgument("a neighbour index is out of range");
}

std::int64_t label_of(const std::int64_t* labels, std::int64_t j, std::int64_t n_classes) {
  const std::int64_t c = labels[j];
  if (c < 0 || c >= n_classes) throw InvalidArgument("a class index is out of range");
  return c;
}

}  // namespace

void neighbor_class_probabilities(ConstMatrixView<std::int64_t> indices,
                                  ConstMatrixView<double> distances, const std::int64_t* labels,
                                  std::int64_t n_labels, std::int64_t n_classes,
                                  NeighborWeights weights, MatrixView<double> out, int n_threads) {
  check_neighbors(indices, distances, n_labels, weights);
  if (out.rows != indices.rows || out.cols != n_classes)
    throw InvalidArgument("out must be n_queries × n_classes");
  const std::int64_t k = indices.cols;
  for (std::int64_t j = 0; j < n_labels; ++j) label_of(labels, j, n_classes);
  for_rows(indices.rows, n_threads, [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> w(static_cast<std::size_t>(k), 1.0),
        row(static_cast<std::size_t>(n_classes));
    for (std::int64_t i = begin; i < end; ++i) {
      if (weights == NeighborWeights::distance) distance_weights(distances, i, w.data());
      std::fill(row.begin(), row.end(), 0.0);
      for (std::int64_t a = 0; a < k; ++a) row[labels[indices(i, a)]] += w[a];
      const double total = numpy_sum(row.data(), n_classes);
      for (std::int64_t c = 0; c < n_classes; ++c) out(i, c) = row[c] / total;
    }
  });
}

void neighbor_class_votes(ConstMatrixView<std::int64_t> indices, ConstMatrixView<double> distances,
                          const std::int64_t* labels, std::int64_t n_labels, std::int64_t n_classes,
                          NeighborWeights weights, std::int64_t* out, int n_threads) {
  check_neighbors(indices, distances, n_labels, weights);
  const std::int64_t k = indices.cols;
  for (std::int64_t j = 0; j < n_labels; ++j) label_of(labels, j, n_classes);
  for_rows(indices.rows, n_threads, [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> w(static_cast<std::size_t>(k)), term(static_cast<std::size_t>(k));
    std::vector<std::int64_t> counts(static_cast<std::size_t>(n_classes)), present;
    for (std::int64_t i = begin; i < end; ++i) {
      std::int64_t best = 0;
      if (weights == NeighborWeights::uniform) {
        // The most frequent class, the smallest among equals (scipy's mode).
        std::fill(counts.begin(), counts.end(), 0);
        for (std::int64_t a = 0; a < k; ++a) ++counts[labels[indices(i, a)]];
        for (std::int64_t c = 1; c < n_classes; ++c)
          if (counts[c] > counts[best]) best = c;
      } else {
        // weighted_mode: per class present, the sum over all k neighbours of the weights of
        // that class (the others 0), the first class whose sum exceeds the best so far.
        distance_weights(distances, i, w.data());
        present.clear();
        for (std::int64_t a = 0; a < k; ++a) present.push_back(labels[indices(i, a)]);
        std::sort(present.begin(), present.end());
        present.erase(std::unique(present.begin(), present.end()), present.end());
        double best_sum = 0.0;
        for (const std::int64_t c : present) {
          for (std::int64_t a = 0; a < k; ++a) term[a] = labels[indices(i, a)] == c ? w[a] : 0.0;
          const double s = numpy_sum(term.data(), k);
          if (s > best_sum) best_sum = s, best = c;
        }
      }
      out[i] = best;
    }
  });
}

template <class Y, class Out>
void neighbor_regression(ConstMatrixView<std::int64_t> indices, ConstMatrixView<double> distances,
                         ConstMatrixView<Y> targets, NeighborWeights weights, MatrixView<Out> out,
                         int n_threads) {
  check_neighbors(indices, distances, targets.rows, weights);
  const std::int64_t k = indices.cols, t = targets.cols;
  if (out.rows != indices.rows || out.cols != t)
    throw InvalidArgument("out must be n_queries × n_outputs");
  // np.mean sums float32 targets in float32 and the others in float64; the weighted mean
  // multiplies by float64 weights, so it is float64 throughout.
  using Mean = std::conditional_t<std::is_same_v<Y, float>, float, double>;
  if (weights == NeighborWeights::uniform && !std::is_same_v<Out, Mean>)
    throw InvalidArgument("the uniform mean of these targets has another dtype");
  if (weights == NeighborWeights::distance && !std::is_same_v<Out, double>)
    throw InvalidArgument("the weighted mean is float64");
  for_rows(indices.rows, n_threads, [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> w(static_cast<std::size_t>(k)), term(static_cast<std::size_t>(k));
    std::vector<Mean> values(static_cast<std::size_t>(k));
    for (std::int64_t i = begin; i < end; ++i) {
      if (weights == NeighborWeights::uniform) {
        // np.mean(_y[ind], axis=1): pairwise over k for one output (a contiguous axis),
        // neighbour by neighbour for several; then divided by k.
        for (std::int64_t c = 0; c < t; ++c) {
          Mean s = 0;
          if (t == 1) {
            for (std::int64_t a = 0; a < k; ++a)
              values[a] = static_cast<Mean>(targets(indices(i, a), 0));
            s = numpy_sum(values.data(), k);
          } else {
            s = static_cast<Mean>(targets(indices(i, 0), c));
            for (std::int64_t a = 1; a < k; ++a) s += static_cast<Mean>(targets(indices(i, a), c));
          }
          out(i, c) = static_cast<Out>(s / static_cast<Mean>(k));
        }
      } else {
        // Σ y·w / Σ w, both sums NumPy's over the k neighbours.
        distance_weights(distances, i, w.data());
        const double denominator = numpy_sum(w.data(), k);
        for (std::int64_t c = 0; c < t; ++c) {
          for (std::int64_t a = 0; a < k; ++a)
            term[a] = static_cast<double>(targets(indices(i, a), c)) * w[a];
          out(i, c) = static_cast<Out>(numpy_sum(term.data(), k) / denominator);
        }
      }
    }
  });
}

#define SKACCEL_INSTANTIATE_REGRESSION(Y, Out)                                           \
  template void neighbor_regression<Y, Out>(ConstMatrixView<std::int64_t>,               \
                                            ConstMatrixView<double>, ConstMatrixView<Y>, \
                                            NeighborWeights, MatrixView<Out>, int);
SKACCEL_INSTANTIATE_REGRESSION(double, double)
SKACCEL_INSTANTIATE_REGRESSION(std::int64_t, double)
SKACCEL_INSTANTIATE_REGRESSION(float, float)
SKACCEL_INSTANTIATE_REGRESSION(float, double)
#undef SKACCEL_INSTANTIATE_REGRESSION

}  // namespace skaccel::neighbors

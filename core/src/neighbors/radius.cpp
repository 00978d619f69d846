// Neighbours within a radius, by a kd-tree or by tiles of products (skaccel/neighbors.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
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
using detail::squared_distance;
using detail::squared_norms;

// Queries and rows of Y per tile of products (256 × 512 doubles, 1 MiB: one core's L2).
constexpr std::int64_t kQueryRows = 256, kBlockRows = 512;
// Queries per unit of work of the tree search.
constexpr std::int64_t kTreeBatch = 64;

// Each unit of work (a range of queries) appends its queries' neighbours to its own list;
// the lists are joined in query order at the end.
// With distances, each list has a list of the squared distances beside it.
struct Parts {
  Parts(std::int64_t n, std::int64_t batch, bool with_distances)
      : batch(batch),
        counts(static_cast<std::size_t>(n)),
        lists((n + batch - 1) / batch),
        distance_lists(with_distances ? lists.size() : 0) {}
  std::int64_t batch;
  std::vector<std::int64_t> counts;
  std::vector<std::vector<std::int64_t>> lists;
  std::vector<std::vector<double>> distance_lists;

  // Unit b's distance list, or nullptr without distances.
  std::vector<double>* distances_of(std::int64_t b) {
    return distance_lists.empty() ? nullptr : &distance_lists[b];
  }

  Neighborhoods join() {
    Neighborhoods out;
    out.indptr.assign(counts.size() + 1, 0);
    for (std::size_t i = 0; i < counts.size(); ++i) out.indptr[i + 1] = out.indptr[i] + counts[i];
    out.indices.reserve(static_cast<std::size_t>(out.indptr.back()));
    for (auto& list : lists) {
      out.indices.insert(out.indices.end(), list.begin(), list.end());
      std::vector<std::int64_t>().swap(list);
    }
    if (!distance_lists.empty()) {
      out.distances.reserve(out.indices.size());
      for (auto& list : distance_lists) {
        out.distances.insert(out.distances.end(), list.begin(), list.end());
        std::vector<double>().swap(list);
      }
    }
    return out;
  }
};

// One query's search of the kd-tree: a node is skipped when its box is farther than the
// radius and taken whole when its farthest corner is within it. A row's coordinates lie in
// its node's box and rounding is monotonic, so the box's distances computed in the same
// order bound the row's own, and the result is exactly the rows whose sum is ≤ radius².
// Appends the neighbours of q (n_features doubles) to `list` (their squared distances to
// `distances` unless it is nullptr); returns how many rows' sums it computed, or stops
// (returning more than `budget`) once they exceed `budget`.
template <class T>
std::int64_t search_query(const KDTree<T>& tree, ConstMatrixView<T> Y, const double* q, double r2,
                          std::int64_t budget, std::vector<std::int64_t>& list,
                          std::vector<double>* distances, std::vector<std::int64_t>& stack,
                          std::vector<double>& leaf) {
  const std::int64_t p = tree.n_features, leaves_from = tree.n_nodes / 2;
  std::int64_t computed = 0;
  stack.assign(1, 0);
  while (!stack.empty() && computed <= budget) {
    const std::int64_t node = stack.back();
    stack.pop_back();
    const std::int64_t start = tree.start[node], end = tree.end[node];
    if (end <= start) continue;
    const double* lo = tree.lower.data() + node * p;
    const double* hi = tree.upper.data() + node * p;
    double near = 0.0, far = 0.0;
    for (std::int64_t f = 0; f < p; ++f) {
      const double v = q[f];
      const double d = v < lo[f] ? lo[f] - v : (v > hi[f] ? v - hi[f] : 0.0);
      const double e = std::max(v - lo[f], hi[f] - v);
      near += d * d;
      far += e * e;
    }
    if (!(near <= r2)) continue;  // (a NaN coordinate matches nothing)
    if (far <= r2) {
      for (std::int64_t r = start; r < end; ++r) {
        const std::int64_t j = tree.index[r];
        list.push_back(j);
        if (distances != nullptr) {
          double sum = 0.0;  // the leaves' sums: (q_f − y_f)² in feature order
          for (std::int64_t f = 0; f < p; ++f) {
            const double d = q[f] - static_cast<double>(Y(j, f));
            sum += d * d;
          }
          distances->push_back(sum);
        }
      }
      computed += distances != nullptr ? end - start : 0;
    } else if (node >= leaves_from || end - start < 2) {
      // The leaf's rows are a feature-major block: their sums, a vector of rows at a time.
      const std::int64_t count = end - start;
      if (static_cast<std::int64_t>(leaf.size()) < count)
        leaf.resize(static_cast<std::size_t>(count));
      detail::leaf_squared_distances(tree.points.data() + start * p, count, p, q, leaf.data());
      for (std::int64_t r = 0; r < count; ++r)
        if (leaf[r] <= r2) {
          list.push_back(tree.index[start + r]);
          if (distances != nullptr) distances->push_back(leaf[r]);
        }
      computed += count;
    } else {
      stack.push_back(2 * node + 2);  // the left child is searched first
      stack.push_back(2 * node + 1);
    }
  }
  return computed;
}

template <class T>
void copy_query(ConstMatrixView<T> X, std::int64_t i, std::vector<double>& query) {
  for (std::int64_t f = 0; f < X.cols; ++f) query[f] = static_cast<double>(X(i, f));
}

// Whether the tree beats the tiles on these queries. Both give the same neighbourhoods;
// their costs differ with the data: a tile costs about 0.75 ns per pair whatever the
// rows, the tree about (2 + p / 4) ns per row whose sum it computes (measured on 2 threads,
// 20,000 and 100,000 rows, p = 3 to 12, Gaussian and clustered rows). So the tree is taken
// when a sample of 256 queries computes the sums of fewer than 0.75 / (2 + p / 4) of the
// rows; the sample stops at that budget.
template <class T>
bool tree_pays(const KDTree<T>& tree, ConstMatrixView<T> X, ConstMatrixView<T> Y, double r2,
               bool with_distances) {
  const std::int64_t n = X.rows, m = static_cast<std::int64_t>(tree.index.size());
  const std::int64_t samples = std::min<std::int64_t>(n, 256);
  const double fraction = 0.75 / (2.0 + 0.25 * static_cast<double>(X.cols));
  const auto budget =
      static_cast<std::int64_t>(fraction * static_cast<double>(samples) * static_cast<double>(m));
  std::vector<std::int64_t> list, stack;
  std::vector<double> query(static_cast<std::size_t>(std::max<std::int64_t>(X.cols, 1))), leaf,
      distances;
  std::int64_t computed = 0;
  for (std::int64_t s = 0; s < samples && computed <= budget; ++s) {
    copy_query(X, s * n / samples, query);
    list.clear();
    distances.clear();
    computed += search_query(tree, Y, query.data(), r2, budget - computed, list,
                             with_distances ? &distances : nullptr, stack, leaf);
  }
  return computed <= budget;
}

template <class T>
void tree_search(const KDTree<T>& tree, ConstMatrixView<T> X, ConstMatrixView<T> Y, double r2,
                 Parts& parts, int n_threads) {
  const std::int64_t n = X.rows;
  std::atomic<std::int64_t> next{0};
  const std::int64_t batches = static_cast<std::int64_t>(parts.lists.size());
  const int tasks = static_cast<int>(std::clamp<std::int64_t>(batches, 1, std::max(1, n_threads)));
  parallel_tasks(tasks, [&](int) {
    std::vector<std::int64_t> stack;
    std::vector<double> query(static_cast<std::size_t>(std::max<std::int64_t>(X.cols, 1))), leaf;
    for (std::int64_t b = next++; b < batches; b = next++) {
      std::vector<std::int64_t>& list = parts.lists[b];
      for (std::int64_t i = b * parts.batch; i < std::min(n, (b + 1) * parts.batch); ++i) {
        const std::size_t before = list.size();
        copy_query(X, i, query);
        search_query(tree, Y, query.data(), r2, std::numeric_limits<std::int64_t>::max(), list,
                     parts.distances_of(b), stack, leaf);
        parts.counts[i] = static_cast<std::int64_t>(list.size() - before);
      }
    }
  });
}

// Tiles of −2 x·y by gemm in P, each pair decided while its tile is in cache.
//
// The brute force's arithmetic (P = double, float32 rows converted as scikit-learn's
// brute force converts them): a row is kept when (‖x‖² + (−2 x·y)) + ‖y‖² ≤ radius², with
// scikit-learn's norms (BLAS ddot).
//
// The trees' arithmetic: a pair whose product form is within its error bound of radius²
// is decided by the trees' sum. The bound, c (p + 2) u_P (‖x‖² + ‖y‖²) with c = 8 for
// double and 4 for float32 products (u_P: P's unit roundoff), is above twice the worst-case
// error of either form (the dot product's γ_p ‖x‖ ‖y‖ doubled, the norms' and the sums'
// roundings, the trees' own γ_p on the squared distance, all below (p + 2) u_P (‖x‖ +
// ‖y‖)²). float32 rows take sgemm (half the work of dgemm, the rows read in place).
template <class T, class P>
void brute_search(ConstMatrixView<T> X, ConstMatrixView<T> Y, double r2,
                  RadiusArithmetic arithmetic, Parts& parts, int n_threads) {
  const std::int64_t n = X.rows, m = Y.rows, p = X.cols;
  const int threads = std::max(1, n_threads);
  blas::BlasThreadsScope blas_threads(1);
  // The brute force's own norms (its decisions at eps are reproduced); the trees' arithmetic
  // only needs them within the margin.
  const bool exact = arithmetic == RadiusArithmetic::brute;
  const std::vector<double> x_norms =
      exact ? detail::blas_squared_norms(X, threads) : squared_norms(X, threads);
  const std::vector<double> y_norms =
      exact ? detail::blas_squared_norms(Y, threads) : squared_norms(Y, threads);
  const double relative = std::is_same_v<P, float>
                              ? 4.0 * static_cast<double>(p + 2) * std::ldexp(1.0, -24)
                              : 8.0 * static_cast<double>(p + 2) * std::ldexp(1.0, -53);
  std::atomic<std::int64_t> next{0};
  const std::int64_t batches = static_cast<std::int64_t>(parts.lists.size());
  const int tasks = static_cast<int>(std::clamp<std::int64_t>(batches, 1, threads));
  parallel_tasks(tasks, [&](int) {
    std::vector<P> tile(static_cast<std::size_t>(kQueryRows * kBlockRows));
    std::vector<P> x_storage, y_storage;
    for (std::int64_t b = next++; b < batches; b = next++) {
      std::vector<std::int64_t>& list = parts.lists[b];
      std::vector<double>* distances = parts.distances_of(b);
      const std::int64_t i0 = b * kQueryRows, rows = std::min(kQueryRows, n - i0);
      std::int64_t ldx = 0;
      const P* xb = block_rows<P>(X, i0, rows, x_storage, &ldx);
      // Per query row, its neighbours of every block of Y in turn: gathered per row below.
      std::vector<std::vector<std::int64_t>> found(static_cast<std::size_t>(rows));
      std::vector<std::vector<double>> found_distances(distances ? rows : 0);
      for (std::int64_t j0 = 0; j0 < m; j0 += kBlockRows) {
        const std::int64_t cols = std::min(kBlockRows, m - j0);
        std::int64_t ldy = 0;
        const P* yb = block_rows<P>(Y, j0, cols, y_storage, &ldy);
        if (p > 0)
          blas::gemm('T', 'N', cols, rows, p, P(-2), yb, ldy, xb, ldx, P(0), tile.data(), cols);
        else
          std::fill(tile.begin(), tile.begin() + rows * cols, P(0));
        const double* yn = y_norms.data() + j0;
        const double y_max = *std::max_element(yn, yn + cols);
        for (std::int64_t a = 0; a < rows; ++a) {
          const double xn = x_norms[i0 + a];
          const P* products = tile.data() + a * cols;
          std::vector<std::int64_t>& row_found = found[a];
          // A pair can be kept only when its product form is at most `screen`: radius²,
          // or radius² plus the largest margin of the block.
          const double screen = exact ? r2 : r2 + relative * (xn + y_max);
          // Chunks of 16 pairs are screened at once (most hold no neighbour).
          for (std::int64_t c0 = 0; c0 < cols; c0 += 16) {
            const std::int64_t c1 = std::min(cols, c0 + 16);
            bool any = false;
            for (std::int64_t c = c0; c < c1; ++c)
              any |= (xn + static_cast<double>(products[c])) + yn[c] <= screen;
            if (!any) continue;
            for (std::int64_t c = c0; c < c1; ++c) {
              // max(s, 0) ≤ radius² is s ≤ radius² (radius² ≥ 0), as scikit-learn decides.
              const double s = (xn + static_cast<double>(products[c])) + yn[c];
              if (exact) {
                if (s <= r2) {
                  row_found.push_back(j0 + c);
                  if (distances) found_distances[a].push_back(std::max(s, 0.0));
                }
                continue;
              }
              const double margin = relative * (xn + yn[c]);
              if (s > r2 + margin) continue;
              if (s <= r2 - margin && !distances) {
                row_found.push_back(j0 + c);
                continue;
              }
              const double sum = squared_distance(X, i0 + a, Y, j0 + c);
              if (s <= r2 - margin || sum <= r2) {
                row_found.push_back(j0 + c);
                if (distances) found_distances[a].push_back(sum);
              }
            }
          }
        }
      }
      for (std::int64_t a = 0; a < rows; ++a) {
        parts.counts[i0 + a] = static_cast<std::int64_t>(found[a].size());
        list.insert(list.end(), found[a].begin(), found[a].end());
        if (distances)
          distances->insert(distances->end(), found_distances[a].begin(), found_distances[a].end());
      }
    }
  });
}

}  // namespace

template <class T>
Neighborhoods radius_neighborhoods(ConstMatrixView<T> X, ConstMatrixView<T> Y, double radius,
                                   RadiusArithmetic arithmetic, std::int64_t leaf_size,
                                   int n_threads, bool with_distances,
                                   const KDTree<T>* built_tree) {
  if (X.cols != Y.cols) throw InvalidArgument("X and Y have different numbers of features");
  if (!(radius >= 0.0)) throw InvalidArgument("the radius must be a number ≥ 0");
  if (leaf_size < 1) throw InvalidArgument("leaf_size must be at least 1");
  // scikit-learn's float32 reduction squares the radius in float32 (EuclideanDistance32's
  // _dist_to_rdist); its trees and its float64 reduction in double.
  const float radius32 = static_cast<float>(radius);
  const double r2 = arithmetic == RadiusArithmetic::brute && std::is_same_v<T, float>
                        ? static_cast<double>(radius32 * radius32)
                        : radius * radius;
  if (X.rows == 0 || Y.rows == 0) return Parts(X.rows, kQueryRows, with_distances).join();
  if (arithmetic == RadiusArithmetic::tree) {
    if (built_tree != nullptr && (static_cast<std::int64_t>(built_tree->index.size()) != Y.rows ||
                                  built_tree->n_features != Y.cols))
      throw InvalidArgument("the tree was not built on Y");
    // The tree is cheap to build (O(m log m)) next to the tiles' m × n pairs.
    KDTree<T> own;
    if (built_tree == nullptr) own = build_kdtree<T>(Y, leaf_size);
    const KDTree<T>& tree = built_tree != nullptr ? *built_tree : own;
    if (tree_pays(tree, X, Y, r2, with_distances)) {
      Parts parts(X.rows, kTreeBatch, with_distances);
      tree_search<T>(tree, X, Y, r2, parts, n_threads);
      return parts.join();
    }
  }
  Parts parts(X.rows, kQueryRows, with_distances);
  if (std::is_same_v<T, float> && arithmetic == RadiusArithmetic::tree)
    brute_search<T, float>(X, Y, r2, arithmetic, parts, n_threads);
  else
    brute_search<T, double>(X, Y, r2, arithmetic, parts, n_threads);
  return parts.join();
}

template Neighborhoods radius_neighborhoods<float>(ConstMatrixView<float>, ConstMatrixView<float>,
                                                   double, RadiusArithmetic, std::int64_t, int,
                                                   bool, const KDTree<float>*);
template Neighborhoods radius_neighborhoods<double>(ConstMatrixView<double>,
                                                    ConstMatrixView<double>, double,
                                                    RadiusArithmetic, std::int64_t, int, bool,
                                                    const KDTree<double>*);

}  // namespace skaccel::neighbors

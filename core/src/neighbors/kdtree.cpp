// A kd-tree over the rows of a matrix and its k-nearest-neighbour queries
// (skaccel/neighbors.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "../common/vector_clones.hpp"
#include "rows.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::neighbors {
namespace {

using detail::before;
using detail::ChebyshevTerms;
using detail::kInf;
using detail::kNoRow;
using detail::ManhattanTerms;
using detail::MinkowskiTerms;
using detail::SquaredEuclideanTerms;
// Up to how many features kneighbors searches by the tree (measured in kneighbors()), and
// up to how many for 100,000 rows or more.
constexpr std::int64_t kTreeMaxFeatures = 8, kLargeTreeMaxFeatures = 10;

// The leaf's reduced distances (Terms: rows.hpp), one feature at a time over a vector of
// rows: every row's sum still runs over the features in order (this file is compiled
// without contraction into fused multiply-adds, so each square is rounded before it is
// added, as scikit-learn's trees do).
template <class T, class Terms>
inline __attribute__((always_inline)) void leaf_distances(const T* block, std::int64_t count,
                                                          std::int64_t p, const double* query,
                                                          const Terms& terms, double* out) {
  // Eight rows at a time, their sums held in registers over the features.
  constexpr std::int64_t kRows = 8;
  std::int64_t r0 = 0;
  for (; r0 + kRows <= count; r0 += kRows) {
    double sums[kRows] = {};
    for (std::int64_t f = 0; f < p; ++f) {
      const T* column = block + f * count + r0;
      const double q = query[f];
#pragma omp simd
      for (std::int64_t r = 0; r < kRows; ++r) {
        sums[r] = terms.add(sums[r], terms.term(q - static_cast<double>(column[r])));
      }
    }
    for (std::int64_t r = 0; r < kRows; ++r) out[r0 + r] = sums[r];
  }
  for (std::int64_t r = r0; r < count; ++r) {
    double sum = 0.0;
    for (std::int64_t f = 0; f < p; ++f) {
      sum = terms.add(sum, terms.term(query[f] - static_cast<double>(block[f * count + r])));
    }
    out[r] = sum;
  }
}

// The reduced distance from the query to a box: a lower bound of its rows' reduced
// distances (each term of a gap no larger than the row's difference, as the roundings
// keep it), used only to prune (within a relative margin far above its roundoff, so it may
// be summed in any order).
template <class Terms = SquaredEuclideanTerms>
inline __attribute__((always_inline)) double box_distance(const double* lo, const double* hi,
                                                          const double* q, std::int64_t p,
                                                          const Terms& terms = Terms{}) {
  const auto gap = [&](std::int64_t f) {
    const double below = lo[f] - q[f], above = q[f] - hi[f];
    const double d = below > above ? below : above;
    return d > 0.0 ? d : 0.0;
  };
  double s = 0.0;
  if constexpr (std::is_same_v<Terms, SquaredEuclideanTerms> ||
                std::is_same_v<Terms, ManhattanTerms>) {
#pragma omp simd reduction(+ : s)
    for (std::int64_t f = 0; f < p; ++f) s += terms.term(gap(f));
  } else {
    for (std::int64_t f = 0; f < p; ++f) s = terms.add(s, terms.term(gap(f)));
  }
  return s;
}

// What one thread keeps between queries.
struct QueryScratch {
  std::vector<double> hd, leaf;
  std::vector<std::int64_t> hj;
  std::vector<std::pair<double, std::int64_t>> stack;
};

// The k nearest rows of the tree to `q` (n_features doubles) into hd/hj, a max-heap of
// (squared distance, row) with the worst at the root.
template <class T, class Terms>
inline __attribute__((always_inline)) void search_body(const KDTree<T>& tree, const double* q,
                                                       std::int64_t k, const Terms& terms,
                                                       QueryScratch& s) {
  const std::int64_t p = tree.n_features;
  const std::int64_t leaves_from = tree.n_nodes / 2;  // nodes ≥ this have no children
  double* hd = s.hd.data();
  std::int64_t* hj = s.hj.data();
  std::fill(hd, hd + k, kInf);
  std::fill(hj, hj + k, kNoRow);
  const auto offer = [&](double d, std::int64_t j) { detail::heap_offer(hd, hj, k, d, j); };
  // Depth first, the nearer child first; a node is skipped when its box is farther than
  // the worst kept (with a margin for the boxes' roundoff: equal distances of lower rows
  // must still be found).
  s.stack.clear();
  s.stack.emplace_back(box_distance(tree.lower.data(), tree.upper.data(), q, p, terms), 0);
  while (!s.stack.empty()) {
    const auto [bound, node] = s.stack.back();
    s.stack.pop_back();
    if (bound > hd[0] * (1.0 + 1e-12) + 1e-300) continue;
    const std::int64_t start = tree.start[node], count = tree.end[node] - start;
    if (count <= 0) continue;
    if (node >= leaves_from || count < 2) {
      if (static_cast<std::int64_t>(s.leaf.size()) < count)
        s.leaf.resize(static_cast<std::size_t>(count));
      double* leaf = s.leaf.data();
      leaf_distances(tree.points.data() + start * p, count, p, q, terms, leaf);
      // Most rows are farther than the worst kept: screened 8 at a time (a NaN, ranked
      // last, and an infinite distance pass the screen, so the heap still fills).
      const std::int64_t* rows = tree.index.data() + start;
      for (std::int64_t c0 = 0; c0 < count; c0 += 8) {
        const std::int64_t c1 = std::min(count, c0 + 8);
        const double worst = hd[0];
        bool any = false;
        for (std::int64_t c = c0; c < c1; ++c) any |= !(leaf[c] > worst);
        if (!any) continue;
        for (std::int64_t c = c0; c < c1; ++c) offer(leaf[c], rows[c]);
      }
      continue;
    }
    const std::int64_t l = 2 * node + 1, r = l + 1;
    const double dl =
        box_distance(tree.lower.data() + l * p, tree.upper.data() + l * p, q, p, terms);
    const double dr =
        box_distance(tree.lower.data() + r * p, tree.upper.data() + r * p, q, p, terms);
    // Pushed farther first, so the nearer is taken next.
    if (dl <= dr) {
      s.stack.emplace_back(dr, r);
      s.stack.emplace_back(dl, l);
    } else {
      s.stack.emplace_back(dl, l);
      s.stack.emplace_back(dr, r);
    }
  }
}

// The query's search compiled for the machine's vector unit (an AVX2/FMA clone; the sums
// that reach the results are not contracted, see above).
#define SKACCEL_SEARCH_QUERY(T, Terms)                                                            \
  SKACCEL_VECTOR_CLONES void search_query(const KDTree<T>& tree, const double* q, std::int64_t k, \
                                          const Terms& terms, QueryScratch& s) {                  \
    search_body(tree, q, k, terms, s);                                                            \
  }
SKACCEL_SEARCH_QUERY(double, SquaredEuclideanTerms)
SKACCEL_SEARCH_QUERY(float, SquaredEuclideanTerms)
SKACCEL_SEARCH_QUERY(double, ManhattanTerms)
SKACCEL_SEARCH_QUERY(float, ManhattanTerms)
SKACCEL_SEARCH_QUERY(double, ChebyshevTerms)
SKACCEL_SEARCH_QUERY(float, ChebyshevTerms)
SKACCEL_SEARCH_QUERY(double, MinkowskiTerms)
SKACCEL_SEARCH_QUERY(float, MinkowskiTerms)
#undef SKACCEL_SEARCH_QUERY

// The rows of X sorted by the leaf each falls in (descending to the nearer child's box),
// by counting.
template <class T>
std::vector<std::int64_t> leaf_order(const KDTree<T>& tree, ConstMatrixView<T> X, int tasks) {
  const std::int64_t n = X.rows, p = X.cols, leaves_from = tree.n_nodes / 2;
  std::vector<std::int64_t> leaf_of(static_cast<std::size_t>(n));
  parallel_tasks(tasks, [&](int t) {
    std::vector<double> q(static_cast<std::size_t>(std::max<std::int64_t>(p, 1)));
    for (std::int64_t i = n * t / tasks; i < n * (t + 1) / tasks; ++i) {
      for (std::int64_t f = 0; f < p; ++f) q[f] = static_cast<double>(X(i, f));
      std::int64_t node = 0;
      while (node < leaves_from && tree.end[node] - tree.start[node] >= 2) {
        const std::int64_t l = 2 * node + 1, r = l + 1;
        const double dl =
            box_distance(tree.lower.data() + l * p, tree.upper.data() + l * p, q.data(), p);
        const double dr =
            box_distance(tree.lower.data() + r * p, tree.upper.data() + r * p, q.data(), p);
        node = dr < dl ? r : l;
      }
      leaf_of[i] = node;
    }
  });
  std::vector<std::int64_t> first(static_cast<std::size_t>(tree.n_nodes + 1), 0);
  for (std::int64_t i = 0; i < n; ++i) ++first[leaf_of[i] + 1];
  for (std::int64_t v = 0; v < tree.n_nodes; ++v) first[v + 1] += first[v];
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[first[leaf_of[i]]++] = i;
  return order;
}

}  // namespace

namespace detail {
SKACCEL_VECTOR_CLONES void leaf_squared_distances(const double* block, std::int64_t count,
                                                  std::int64_t n_features, const double* query,
                                                  double* out) {
  leaf_distances(block, count, n_features, query, SquaredEuclideanTerms{}, out);
}
SKACCEL_VECTOR_CLONES void leaf_squared_distances(const float* block, std::int64_t count,
                                                  std::int64_t n_features, const double* query,
                                                  double* out) {
  leaf_distances(block, count, n_features, query, SquaredEuclideanTerms{}, out);
}
}  // namespace detail

template <class T>
KDTree<T> build_kdtree(ConstMatrixView<T> Y, std::int64_t leaf_size) {
  if (leaf_size < 1) throw InvalidArgument("leaf_size must be at least 1");
  const std::int64_t n = Y.rows, p = Y.cols;
  if (n < 1) throw InvalidArgument("a kd-tree needs at least one row");
  KDTree<T> tree;
  // scikit-learn's layout: a complete binary tree of n_levels levels, node i's children
  // 2i + 1 and 2i + 2, each node's rows a contiguous range of the permutation, split at
  // the middle position.
  const double ratio = std::max(1.0, static_cast<double>(n - 1) / static_cast<double>(leaf_size));
  const std::int64_t levels =
      std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(std::log2(ratio))) + 1, 40);
  tree.n_nodes = (std::int64_t{1} << levels) - 1;
  tree.n_features = p;
  tree.index.resize(static_cast<std::size_t>(n));
  std::iota(tree.index.begin(), tree.index.end(), std::int64_t{0});
  tree.start.resize(static_cast<std::size_t>(tree.n_nodes));
  tree.end.resize(static_cast<std::size_t>(tree.n_nodes));
  tree.lower.assign(static_cast<std::size_t>(tree.n_nodes * p), 0.0);
  tree.upper.assign(static_cast<std::size_t>(tree.n_nodes * p), 0.0);
  tree.points.resize(static_cast<std::size_t>(n * p));
  const auto build = [&](std::int64_t node, std::int64_t begin, std::int64_t end,
                         const auto& self) -> void {
    tree.start[node] = begin;
    tree.end[node] = end;
    double* lo = tree.lower.data() + node * p;
    double* hi = tree.upper.data() + node * p;
    std::fill(lo, lo + p, kInf);
    std::fill(hi, hi + p, -kInf);
    for (std::int64_t r = begin; r < end; ++r)
      for (std::int64_t f = 0; f < p; ++f) {
        const double v = static_cast<double>(Y(tree.index[r], f));
        lo[f] = std::min(lo[f], v);
        hi[f] = std::max(hi[f], v);
      }
    const std::int64_t left = 2 * node + 1;
    // A leaf; the nodes below a range too small to split stay empty (never visited). Its
    // range's order is final: its rows are copied, feature-major, into its block.
    if (left >= tree.n_nodes || end - begin < 2) {
      T* block = tree.points.data() + begin * p;
      const std::int64_t count = end - begin;
      for (std::int64_t r = 0; r < count; ++r)
        for (std::int64_t f = 0; f < p; ++f) block[f * count + r] = Y(tree.index[begin + r], f);
      return;
    }
    std::int64_t split = 0;  // the dimension of the largest spread
    for (std::int64_t f = 1; f < p; ++f)
      if (hi[f] - lo[f] > hi[split] - lo[split]) split = f;
    const std::int64_t mid = begin + (end - begin) / 2;
    std::nth_element(tree.index.begin() + begin, tree.index.begin() + mid, tree.index.begin() + end,
                     [&](std::int64_t a, std::int64_t b) {
                       const T va = Y(a, split), vb = Y(b, split);
                       return va < vb || (va == vb && a < b);
                     });
    self(left, begin, mid, self);
    self(left + 1, mid, end, self);
  };
  build(0, 0, n, build);
  return tree;
}

namespace {

// kdtree_kneighbors by one metric's Terms; distance(reduced) gives the distance.
template <class T, class Terms, class Distance>
void tree_search(const KDTree<T>& tree, ConstMatrixView<T> X, ConstMatrixView<T> Y, std::int64_t k,
                 bool reduced, const Terms& terms, MatrixView<double> distances,
                 MatrixView<std::int64_t> indices, int n_threads, Distance distance) {
  const std::int64_t n = X.rows, m = Y.rows, p = X.cols;
  if (Y.cols != p || tree.n_features != p)
    throw InvalidArgument("X, Y and the tree have different numbers of features");
  if (static_cast<std::int64_t>(tree.index.size()) != m)
    throw InvalidArgument("the tree was not built on Y");
  if (k < 1 || k > m) throw InvalidArgument("k must be in [1, Y.rows]");
  if (distances.rows != n || distances.cols != k || indices.rows != n || indices.cols != k)
    throw InvalidArgument("distances and indices must be X.rows × k");
  constexpr std::int64_t kBatch = 64;
  const int tasks = static_cast<int>(
      std::clamp<std::int64_t>((n + kBatch - 1) / kBatch, 1, std::max(1, n_threads)));
  // The queries are searched in the order of the leaves they fall in: consecutive queries
  // then visit the same nodes and leaves, which stay in cache (each query's result is its
  // own, whatever the order).
  const std::vector<std::int64_t> order = leaf_order(tree, X, tasks);
  std::atomic<std::int64_t> next{0};
  parallel_tasks(tasks, [&](int) {
    QueryScratch scratch;
    scratch.hd.resize(static_cast<std::size_t>(k));
    scratch.hj.resize(static_cast<std::size_t>(k));
    std::vector<double> query(static_cast<std::size_t>(std::max<std::int64_t>(p, 1)));
    std::vector<std::pair<double, std::int64_t>> best;
    for (std::int64_t b0 = next.fetch_add(kBatch); b0 < n; b0 = next.fetch_add(kBatch)) {
      for (std::int64_t position = b0; position < std::min(n, b0 + kBatch); ++position) {
        const std::int64_t i = order[position];
        for (std::int64_t f = 0; f < p; ++f) query[f] = static_cast<double>(X(i, f));
        search_query(tree, query.data(), k, terms, scratch);
        best.clear();
        for (std::int64_t a = 0; a < k; ++a) best.emplace_back(scratch.hd[a], scratch.hj[a]);
        std::sort(best.begin(), best.end(), [](const auto& x, const auto& y) {
          return before(x.first, x.second, y.first, y.second);
        });
        for (std::int64_t a = 0; a < k; ++a) {
          distances(i, a) = reduced ? best[a].first : distance(best[a].first);
          indices(i, a) = best[a].second;
        }
      }
    }
  });
}

}  // namespace

template <class T>
void kdtree_kneighbors(const KDTree<T>& tree, ConstMatrixView<T> X, ConstMatrixView<T> Y,
                       std::int64_t k, bool squared, MatrixView<double> distances,
                       MatrixView<std::int64_t> indices, int n_threads, Metric metric) {
  switch (metric.kind) {
    case MetricKind::euclidean:
      return tree_search(tree, X, Y, k, squared, SquaredEuclideanTerms{}, distances, indices,
                         n_threads, [](double d) { return std::sqrt(d); });
    case MetricKind::manhattan:
      return tree_search(tree, X, Y, k, squared, ManhattanTerms{}, distances, indices, n_threads,
                         [](double d) { return d; });
    case MetricKind::chebyshev:
      return tree_search(tree, X, Y, k, squared, ChebyshevTerms{}, distances, indices, n_threads,
                         [](double d) { return d; });
    case MetricKind::minkowski: {
      const double root = 1.0 / metric.p;
      return tree_search(tree, X, Y, k, squared, MinkowskiTerms{metric.p}, distances, indices,
                         n_threads, [root](double d) { return std::pow(d, root); });
    }
  }
  throw InvalidArgument("unknown metric");
}

namespace {
// The innermost KeptTreeScope of this thread: its tree (a KDTree<float> or KDTree<double>,
// as kept_float_of_thread tells) and the rows it was built on.
thread_local const void* kept_tree_of_thread = nullptr;
thread_local const void* kept_rows_of_thread = nullptr;
thread_local bool kept_float_of_thread = false;
}  // namespace

template <class T>
KeptTreeScope<T>::KeptTreeScope(const KDTree<T>& tree, const T* rows)
    : previous_tree_(kept_tree_of_thread),
      previous_rows_(kept_rows_of_thread),
      previous_float_(kept_float_of_thread) {
  kept_tree_of_thread = &tree;
  kept_rows_of_thread = rows;
  kept_float_of_thread = std::is_same_v<T, float>;
}

template <class T>
KeptTreeScope<T>::~KeptTreeScope() {
  kept_tree_of_thread = previous_tree_;
  kept_rows_of_thread = previous_rows_;
  kept_float_of_thread = previous_float_;
}

template <class T>
const KDTree<T>* kept_tree(const T* rows, std::int64_t n_rows, std::int64_t n_features) {
  if (rows == nullptr || kept_rows_of_thread != static_cast<const void*>(rows) ||
      kept_float_of_thread != std::is_same_v<T, float>)
    return nullptr;
  const auto* tree = static_cast<const KDTree<T>*>(kept_tree_of_thread);
  if (static_cast<std::int64_t>(tree->index.size()) != n_rows || tree->n_features != n_features)
    return nullptr;
  return tree;
}

template class KeptTreeScope<float>;
template class KeptTreeScope<double>;
template const KDTree<float>* kept_tree<float>(const float*, std::int64_t, std::int64_t);
template const KDTree<double>* kept_tree<double>(const double*, std::int64_t, std::int64_t);

bool kdtree_pays(std::int64_t n_queries, std::int64_t n_features, std::int64_t n_rows, bool built) {
  // The search's crossovers are measured in kneighbors() below; a build costs about as
  // much as brute force for 1,000 queries.
  const bool few_features =
      n_features <= kTreeMaxFeatures || (n_features <= kLargeTreeMaxFeatures && n_rows >= 100000);
  return few_features && n_rows > 0 && (built || n_queries >= 1000);
}

template <class T>
void kneighbors(ConstMatrixView<T> X, ConstMatrixView<T> Y, std::int64_t k, bool squared,
                SearchAlgorithm algorithm, std::int64_t leaf_size, MatrixView<double> distances,
                MatrixView<std::int64_t> indices, int n_threads, Metric metric) {
  // The tree pays for its build (about 0.1 s for 200,000 rows) over many queries in few
  // dimensions. Measured on Gaussian rows, 5,000 queries, k = 10, 2 threads (tree / brute
  // force, seconds, float64; float32 alike): 200,000 rows: p = 4: 0.07 / 0.55; 6: 0.08 /
  // 0.55; 8: 0.15 / 0.55; 10: 0.30 / 0.56; 11: 0.62 / 0.62; 12: 0.81 / 0.57. 100,000 rows:
  // 10: 0.18 / 0.32. 20,000 rows: 8: 0.043 / 0.074; 9: 0.065 / 0.061; 10: 0.083 / 0.067.
  // Beyond, brute force with the trees' distances gives the same neighbours (up to the
  // order of distances equal within roundoff).
  const bool use_tree =
      algorithm == SearchAlgorithm::kd_tree && kdtree_pays(X.rows, X.cols, Y.rows, /*built=*/false);
  // Other metrics take the Euclidean crossovers (not measured for them on their own).
  if (!use_tree && metric.kind != MetricKind::euclidean) {
    kneighbors_metric<T>(X, Y, k, metric, squared, algorithm == SearchAlgorithm::brute, distances,
                         indices, n_threads);
  } else if (!use_tree) {
    kneighbors_euclidean<T>(X, Y, k, squared, algorithm == SearchAlgorithm::brute, distances,
                            indices, n_threads);
  } else {
    if (X.cols != Y.cols) throw InvalidArgument("X and Y have different numbers of features");
    if (k < 1 || k > Y.rows) throw InvalidArgument("k must be in [1, Y.rows]");
    const KDTree<T> tree = build_kdtree<T>(Y, leaf_size);
    kdtree_kneighbors<T>(tree, X, Y, k, squared, distances, indices, n_threads, metric);
  }
}

template void kneighbors<float>(ConstMatrixView<float>, ConstMatrixView<float>, std::int64_t, bool,
                                SearchAlgorithm, std::int64_t, MatrixView<double>,
                                MatrixView<std::int64_t>, int, Metric);
template void kneighbors<double>(ConstMatrixView<double>, ConstMatrixView<double>, std::int64_t,
                                 bool, SearchAlgorithm, std::int64_t, MatrixView<double>,
                                 MatrixView<std::int64_t>, int, Metric);
template KDTree<float> build_kdtree<float>(ConstMatrixView<float>, std::int64_t);
template KDTree<double> build_kdtree<double>(ConstMatrixView<double>, std::int64_t);
template void kdtree_kneighbors<float>(const KDTree<float>&, ConstMatrixView<float>,
                                       ConstMatrixView<float>, std::int64_t, bool,
                                       MatrixView<double>, MatrixView<std::int64_t>, int, Metric);
template void kdtree_kneighbors<double>(const KDTree<double>&, ConstMatrixView<double>,
                                        ConstMatrixView<double>, std::int64_t, bool,
                                        MatrixView<double>, MatrixView<std::int64_t>, int, Metric);

}  // namespace skaccel::neighbors

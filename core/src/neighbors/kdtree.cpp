// A kd-tree over the rows of a matrix and its k-nearest-neighbour queries
// (skaccel/neighbors.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "rows.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::neighbors {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kNoRow = std::numeric_limits<std::int64_t>::max();

inline bool before(double d1, std::int64_t j1, double d2, std::int64_t j2) {
  return d1 < d2 || (d1 == d2 && j1 < j2);
}

using detail::squared_distance;

}  // namespace

template <class T>
KDTree build_kdtree(ConstMatrixView<T> Y, std::int64_t leaf_size) {
  if (leaf_size < 1) throw InvalidArgument("leaf_size must be at least 1");
  const std::int64_t n = Y.rows, p = Y.cols;
  if (n < 1) throw InvalidArgument("a kd-tree needs at least one row");
  KDTree tree;
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
    // A leaf; the nodes below a range too small to split stay empty (never visited).
    if (left >= tree.n_nodes || end - begin < 2) return;
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

template <class T>
void kdtree_kneighbors(const KDTree& tree, ConstMatrixView<T> X, ConstMatrixView<T> Y,
                       std::int64_t k, bool squared, MatrixView<double> distances,
                       MatrixView<std::int64_t> indices, int n_threads) {
  const std::int64_t n = X.rows, m = Y.rows, p = X.cols;
  if (Y.cols != p || tree.n_features != p)
    throw InvalidArgument("X, Y and the tree have different numbers of features");
  if (static_cast<std::int64_t>(tree.index.size()) != m)
    throw InvalidArgument("the tree was not built on Y");
  if (k < 1 || k > m) throw InvalidArgument("k must be in [1, Y.rows]");
  if (distances.rows != n || distances.cols != k || indices.rows != n || indices.cols != k)
    throw InvalidArgument("distances and indices must be X.rows × k");
  const std::int64_t leaves_from = tree.n_nodes / 2;  // nodes ≥ this have no children
  std::atomic<std::int64_t> next{0};
  constexpr std::int64_t kBatch = 64;
  const int tasks = static_cast<int>(
      std::clamp<std::int64_t>((n + kBatch - 1) / kBatch, 1, std::max(1, n_threads)));
  parallel_tasks(tasks, [&](int) {
    std::vector<double> hd(static_cast<std::size_t>(k));
    std::vector<std::int64_t> hj(static_cast<std::size_t>(k));
    std::vector<std::pair<double, std::int64_t>> stack, best;
    std::vector<std::int64_t> nodes;
    for (std::int64_t b0 = next.fetch_add(kBatch); b0 < n; b0 = next.fetch_add(kBatch)) {
      for (std::int64_t i = b0; i < std::min(n, b0 + kBatch); ++i) {
        std::fill(hd.begin(), hd.end(), kInf);
        std::fill(hj.begin(), hj.end(), kNoRow);
        // A max-heap of (squared distance, row), the worst at the root.
        const auto offer = [&](double d, std::int64_t j) {
          if (std::isnan(d)) d = kInf;
          if (!before(d, j, hd[0], hj[0])) return;
          std::int64_t a = 0;
          for (;;) {
            const std::int64_t l = 2 * a + 1, r = l + 1;
            std::int64_t largest = a;
            double ld = d;
            std::int64_t lj = j;
            if (l < k && before(ld, lj, hd[l], hj[l])) largest = l, ld = hd[l], lj = hj[l];
            if (r < k && before(ld, lj, hd[r], hj[r])) largest = r;
            if (largest == a) break;
            hd[a] = hd[largest];
            hj[a] = hj[largest];
            a = largest;
          }
          hd[a] = d;
          hj[a] = j;
        };
        // The squared distance from the query to a node's box (a lower bound for its rows).
        const auto box_distance = [&](std::int64_t node) {
          const double* lo = tree.lower.data() + node * p;
          const double* hi = tree.upper.data() + node * p;
          double s = 0.0;
          for (std::int64_t f = 0; f < p; ++f) {
            const double v = static_cast<double>(X(i, f));
            const double d = v < lo[f] ? lo[f] - v : (v > hi[f] ? v - hi[f] : 0.0);
            s += d * d;
          }
          return s;
        };
        // Depth first, the nearer child first; a node is skipped when its box is farther
        // than the worst kept (with a margin for the boxes' roundoff: equal distances of
        // lower rows must still be found).
        stack.clear();
        stack.emplace_back(box_distance(0), 0);
        while (!stack.empty()) {
          const auto [bound, node] = stack.back();
          stack.pop_back();
          if (bound > hd[0] * (1.0 + 1e-12) + 1e-300) continue;
          if (tree.end[node] <= tree.start[node]) continue;
          if (node >= leaves_from || tree.end[node] - tree.start[node] < 2) {
            for (std::int64_t r = tree.start[node]; r < tree.end[node]; ++r) {
              const std::int64_t j = tree.index[r];
              offer(squared_distance(X, i, Y, j), j);
            }
            continue;
          }
          const std::int64_t l = 2 * node + 1, r = l + 1;
          const double dl = box_distance(l), dr = box_distance(r);
          // Pushed farther first, so the nearer is taken next.
          if (dl <= dr) {
            stack.emplace_back(dr, r);
            stack.emplace_back(dl, l);
          } else {
            stack.emplace_back(dl, l);
            stack.emplace_back(dr, r);
          }
        }
        best.clear();
        for (std::int64_t a = 0; a < k; ++a) best.emplace_back(hd[a], hj[a]);
        std::sort(best.begin(), best.end(), [](const auto& x, const auto& y) {
          return before(x.first, x.second, y.first, y.second);
        });
        for (std::int64_t a = 0; a < k; ++a) {
          distances(i, a) = squared ? best[a].first : std::sqrt(best[a].first);
          indices(i, a) = best[a].second;
        }
      }
    }
  });
}

template <class T>
void kneighbors(ConstMatrixView<T> X, ConstMatrixView<T> Y, std::int64_t k, bool squared,
                SearchAlgorithm algorithm, std::int64_t leaf_size, MatrixView<double> distances,
                MatrixView<std::int64_t> indices, int n_threads) {
  // The tree pays for its build (about 0.1 s for 200,000 rows) over many queries in few
  // dimensions. Measured on 200,000 Gaussian rows, 5,000 queries, k = 10, 2 threads
  // (tree / brute force, seconds): p = 3: 0.12 / 0.69; 5: 0.25 / 0.65; 6: 0.46 / 0.63;
  // 7: 0.78 / 0.70; 8: 1.5 / 0.71. Beyond it, brute force with the trees' distances gives
  // the same neighbours (up to the order of distances equal within roundoff).
  const bool use_tree = algorithm == SearchAlgorithm::kd_tree && X.cols <= 6 && X.rows >= 1000;
  if (!use_tree) {
    kneighbors_euclidean<T>(X, Y, k, squared, algorithm == SearchAlgorithm::brute, distances,
                            indices, n_threads);
  } else {
    if (X.cols != Y.cols) throw InvalidArgument("X and Y have different numbers of features");
    if (k < 1 || k > Y.rows) throw InvalidArgument("k must be in [1, Y.rows]");
    const KDTree tree = build_kdtree<T>(Y, leaf_size);
    kdtree_kneighbors<T>(tree, X, Y, k, squared, distances, indices, n_threads);
  }
}

template void kneighbors<float>(ConstMatrixView<float>, ConstMatrixView<float>, std::int64_t, bool,
                                SearchAlgorithm, std::int64_t, MatrixView<double>,
                                MatrixView<std::int64_t>, int);
template void kneighbors<double>(ConstMatrixView<double>, ConstMatrixView<double>, std::int64_t,
                                 bool, SearchAlgorithm, std::int64_t, MatrixView<double>,
                                 MatrixView<std::int64_t>, int);
template KDTree build_kdtree<float>(ConstMatrixView<float>, std::int64_t);
template KDTree build_kdtree<double>(ConstMatrixView<double>, std::int64_t);
template void kdtree_kneighbors<float>(const KDTree&, ConstMatrixView<float>,
                                       ConstMatrixView<float>, std::int64_t, bool,
                                       MatrixView<double>, MatrixView<std::int64_t>, int);
template void kdtree_kneighbors<double>(const KDTree&, ConstMatrixView<double>,
                                        ConstMatrixView<double>, std::int64_t, bool,
                                        MatrixView<double>, MatrixView<std::int64_t>, int);

}  // namespace skaccel::neighbors

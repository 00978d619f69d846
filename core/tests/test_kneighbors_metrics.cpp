// k nearest neighbours by the Minkowski family's other metrics (skaccel/neighbors.hpp:
// kneighbors_metric, the kd-tree's search by them, metric_named) against explicit
// references in the arithmetic each search states: every pair's reduced distance summed
// in feature order, in double (the trees', and float64 brute force) or from float32
// differences rounded to float32 (the float32 brute force); the lower row first among
// equal reduced distances.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"

using namespace skaccel;
using namespace skaccel::neighbors;

namespace {

// Values on a coarse grid (many equal distances) or Gaussian.
template <class T>
std::vector<T> rows(std::int64_t n, std::int64_t p, unsigned seed, bool grid) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  std::vector<T> v(static_cast<std::size_t>(n * p));
  for (auto& x : v) x = static_cast<T>(grid ? std::round(2.0 * N(rng)) : N(rng));
  return v;
}

// The reduced distance of one pair in the stated arithmetic.
template <class T>
double reduced(const T* x, const T* y, std::int64_t p, Metric metric, bool single) {
  double s = 0.0;
  for (std::int64_t f = 0; f < p; ++f) {
    const double d = single
                         ? static_cast<double>(static_cast<float>(x[f]) - static_cast<float>(y[f]))
                         : static_cast<double>(x[f]) - static_cast<double>(y[f]);
    switch (metric.kind) {
      case MetricKind::manhattan:
        s += std::fabs(d);
        break;
      case MetricKind::chebyshev:
        s = std::max(s, std::fabs(d));
        break;
      case MetricKind::minkowski:
        s += std::pow(std::fabs(d), metric.p);
        break;
      case MetricKind::euclidean:
        s += d * d;
        break;
    }
  }
  return single ? static_cast<double>(static_cast<float>(s)) : s;
}

double distance_of(double r, Metric metric, bool single) {
  const double d = metric.kind == MetricKind::minkowski ? std::pow(r, 1.0 / metric.p) : r;
  return single ? static_cast<double>(static_cast<float>(d)) : d;
}

struct Result {
  std::vector<double> d;
  std::vector<std::int64_t> i;
};

// Query i's k nearest by the reference (reduced distance, then row).
template <class T>
void expect_reference(const std::vector<T>& X, const std::vector<T>& Y, std::int64_t p,
                      std::int64_t k, Metric metric, bool single, bool want_reduced,
                      const Result& r, const std::string& what) {
  const std::int64_t n = static_cast<std::int64_t>(X.size()) / p,
                     m = static_cast<std::int64_t>(Y.size()) / p;
  std::vector<double> key(static_cast<std::size_t>(m));
  std::vector<std::int64_t> order(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < m; ++j)
      key[j] = reduced(X.data() + i * p, Y.data() + j * p, p, metric, single);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return key[a] < key[b]; });
    for (std::int64_t a = 0; a < k; ++a) {
      ASSERT_EQ(r.i[i * k + a], order[a]) << what << " query " << i << " rank " << a;
      const double expected =
          want_reduced ? key[order[a]] : distance_of(key[order[a]], metric, single);
      ASSERT_EQ(r.d[i * k + a], expected) << what << " query " << i << " rank " << a;
    }
  }
}

const std::vector<Metric> kMetrics = {{MetricKind::manhattan, 1.0},
                                      {MetricKind::chebyshev, INFINITY},
                                      {MetricKind::minkowski, 3.0},
                                      {MetricKind::minkowski, 0.5},
                                      {MetricKind::minkowski, 1.5}};

}  // namespace

TEST(KNeighborsMetric, BruteForceInBothArithmeticsAndBothParallelAxes) {
  // 300 queries: the rows of Y are shared among 3 threads (their heaps merged); 1,100: the
  // queries are. Float32 rows: the brute force's float32 arithmetic, or the trees' double.
  for (const Metric& metric : kMetrics)
    for (const auto& [n, m, p, grid] : std::vector<std::array<std::int64_t, 4>>{
             {300, 2100, 5, 1}, {1100, 700, 3, 1}, {40, 1500, 13, 0}, {5, 9, 1, 0}}) {
      const std::int64_t k = std::min<std::int64_t>(7, m);
      const auto Xf = rows<float>(n, p, 1, grid), Yf = rows<float>(m, p, 2, grid);
      const auto Xd = rows<double>(n, p, 3, grid), Yd = rows<double>(m, p, 4, grid);
      for (int threads : {1, 3})
        for (bool want_reduced : {false, true}) {
          const std::string what = "p=" + std::to_string(metric.p) + " n=" + std::to_string(n) +
                                   " threads=" + std::to_string(threads);
          Result r{std::vector<double>(n * k), std::vector<std::int64_t>(n * k)};
          const auto out_d = MatrixView<double>::row_major(r.d.data(), n, k);
          const auto out_i = MatrixView<std::int64_t>::row_major(r.i.data(), n, k);
          for (bool brute : {true, false}) {
            kneighbors_metric<float>(ConstMatrixView<float>::row_major(Xf.data(), n, p),
                                     ConstMatrixView<float>::row_major(Yf.data(), m, p), k, metric,
                                     want_reduced, brute, out_d, out_i, threads);
            expect_reference(Xf, Yf, p, k, metric, brute, want_reduced, r, what + " float32");
          }
          kneighbors_metric<double>(ConstMatrixView<double>::row_major(Xd.data(), n, p),
                                    ConstMatrixView<double>::row_major(Yd.data(), m, p), k, metric,
                                    want_reduced, true, out_d, out_i, threads);
          expect_reference(Xd, Yd, p, k, metric, false, want_reduced, r, what + " float64");
        }
    }
}

TEST(KNeighborsMetric, StridedRowsGiveTheContiguousResult) {
  // X column-major and Y every other row of a larger matrix.
  const std::int64_t n = 50, m = 800, p = 6, k = 5;
  const Metric metric{MetricKind::manhattan, 1.0};
  const auto X = rows<float>(n, p, 5, true), Ybig = rows<float>(2 * m, p, 6, true);
  std::vector<float> Xcol(X.size()), Y(static_cast<std::size_t>(m * p));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t f = 0; f < p; ++f) Xcol[f * n + i] = X[i * p + f];
  for (std::int64_t j = 0; j < m; ++j) std::copy_n(Ybig.data() + 2 * j * p, p, Y.data() + j * p);
  Result r{std::vector<double>(n * k), std::vector<std::int64_t>(n * k)};
  kneighbors_metric<float>(ConstMatrixView<float>{Xcol.data(), n, p, 1, n},
                           ConstMatrixView<float>{Ybig.data(), m, p, 2 * p, 1}, k, metric, false,
                           true, MatrixView<double>::row_major(r.d.data(), n, k),
                           MatrixView<std::int64_t>::row_major(r.i.data(), n, k), 2);
  expect_reference(X, Y, p, k, metric, true, false, r, "strided");
}

TEST(KNeighborsMetric, TheKdTreeGivesTheTreesArithmetic) {
  // From 1,000 queries in few features kneighbors searches by a kd-tree; a kept tree is
  // searched directly (leaf sizes 1, 30 and one leaf; grid values: duplicates and ties).
  for (const Metric& metric : kMetrics) {
    if (metric.p < 1.0) continue;  // scikit-learn's trees refuse 0 < p < 1
    for (const auto& [m, p, leaf] :
         std::vector<std::array<std::int64_t, 3>>{{3000, 4, 30}, {700, 2, 1}, {400, 6, 500}}) {
      const std::int64_t n = 1100, k = 6;
      const auto X = rows<double>(n, p, 7, true), Y = rows<double>(m, p, 8, true);
      const auto Xf = rows<float>(n, p, 9, false), Yf = rows<float>(m, p, 10, false);
      Result r{std::vector<double>(n * k), std::vector<std::int64_t>(n * k)};
      const auto out_d = MatrixView<double>::row_major(r.d.data(), n, k);
      const auto out_i = MatrixView<std::int64_t>::row_major(r.i.data(), n, k);
      const std::string what = "p=" + std::to_string(metric.p) + " leaf=" + std::to_string(leaf);
      kneighbors<double>(ConstMatrixView<double>::row_major(X.data(), n, p),
                         ConstMatrixView<double>::row_major(Y.data(), m, p), k, false,
                         SearchAlgorithm::kd_tree, leaf, out_d, out_i, 2, metric);
      expect_reference(X, Y, p, k, metric, false, false, r, what + " float64");
      const auto yf = ConstMatrixView<float>::row_major(Yf.data(), m, p);
      const KDTree<float> tree = build_kdtree<float>(yf, leaf);
      kdtree_kneighbors<float>(tree, ConstMatrixView<float>::row_major(Xf.data(), n, p), yf, k,
                               true, out_d, out_i, 3, metric);
      expect_reference(Xf, Yf, p, k, metric, false, true, r, what + " float32 kept tree");
    }
  }
}

TEST(KNeighborsMetric, NamesAndBadArguments) {
  EXPECT_EQ(metric_named("cityblock", 2.0).kind, MetricKind::manhattan);
  EXPECT_EQ(metric_named("l1", 2.0).kind, MetricKind::manhattan);
  EXPECT_EQ(metric_named("infinity", 2.0).kind, MetricKind::chebyshev);
  EXPECT_EQ(metric_named("minkowski", 1.0).kind, MetricKind::manhattan);
  EXPECT_EQ(metric_named("minkowski", INFINITY).kind, MetricKind::chebyshev);
  EXPECT_EQ(metric_named("minkowski", 2.0).kind, MetricKind::euclidean);
  EXPECT_EQ(metric_named("minkowski", 2.5).p, 2.5);
  EXPECT_THROW(metric_named("minkowski", 0.0), InvalidArgument);
  EXPECT_THROW(metric_named("minkowski", NAN), InvalidArgument);
  EXPECT_THROW(metric_named("cosine", 2.0), InvalidArgument);
  const std::vector<double> X(12, 0.0);
  std::vector<double> d(4);
  std::vector<std::int64_t> idx(4);
  const auto x = ConstMatrixView<double>::row_major(X.data(), 4, 3);
  const auto out_d = MatrixView<double>::row_major(d.data(), 4, 1);
  const auto out_i = MatrixView<std::int64_t>::row_major(idx.data(), 4, 1);
  EXPECT_THROW(kneighbors_metric<double>(x, x, 1, {MetricKind::minkowski, -1.0}, false, true, out_d,
                                         out_i, 1),
               InvalidArgument);
  EXPECT_THROW(kneighbors_metric<double>(x, x, 1, {MetricKind::euclidean, 2.0}, false, true, out_d,
                                         out_i, 1),
               InvalidArgument);
  EXPECT_THROW(kneighbors_metric<double>(x, x, 5, {MetricKind::manhattan, 1.0}, false, true, out_d,
                                         out_i, 1),
               InvalidArgument);
}

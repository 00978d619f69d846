// Brute-force k nearest neighbours and the votes and means over them
// (skaccel/neighbors.hpp) against plain references: sorted explicit distances, the lower
// row first among equal ones; both parallel axes; strides; argument checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"

using namespace skaccel;
using namespace skaccel::neighbors;

namespace {

std::vector<double> normal(std::int64_t n, unsigned seed, double scale = 1.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, scale);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = N(rng);
  return v;
}

// The k nearest rows of Y to row i of X by explicit distances, ties by row.
std::vector<std::int64_t> reference(const std::vector<double>& X, const std::vector<double>& Y,
                                    std::int64_t p, std::int64_t i, std::int64_t k,
                                    std::vector<double>* distances) {
  const std::int64_t m = static_cast<std::int64_t>(Y.size()) / p;
  std::vector<double> d(static_cast<std::size_t>(m));
  for (std::int64_t j = 0; j < m; ++j) {
    double s = 0.0;
    for (std::int64_t f = 0; f < p; ++f)
      s += (X[i * p + f] - Y[j * p + f]) * (X[i * p + f] - Y[j * p + f]);
    d[j] = std::sqrt(s);
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return d[a] < d[b]; });
  order.resize(static_cast<std::size_t>(k));
  distances->clear();
  for (auto j : order) distances->push_back(d[j]);
  return order;
}

struct Result {
  std::vector<double> d;
  std::vector<std::int64_t> i;
};

Result search(const std::vector<double>& X, const std::vector<double>& Y, std::int64_t p,
              std::int64_t k, int threads) {
  const std::int64_t n = static_cast<std::int64_t>(X.size()) / p,
                     m = static_cast<std::int64_t>(Y.size()) / p;
  Result r{std::vector<double>(n * k), std::vector<std::int64_t>(n * k)};
  kneighbors_euclidean<double>(ConstMatrixView<double>::row_major(X.data(), n, p),
                               ConstMatrixView<double>::row_major(Y.data(), m, p), k, false, true,
                               MatrixView<double>::row_major(r.d.data(), n, k),
                               MatrixView<std::int64_t>::row_major(r.i.data(), n, k), threads);
  return r;
}

}  // namespace

TEST(KNeighbors, EqualsSortedExplicitDistances) {
  const std::int64_t p = 7;
  for (const auto& [n, m, k] : std::vector<std::array<std::int64_t, 3>>{
           {300, 1300, 5}, {3, 2000, 17}, {129, 513, 513}, {1, 1, 1}}) {
    const auto X = normal(n * p, 1), Y = normal(m * p, 2);
    for (int threads : {1, 2, 4}) {
      const Result r = search(X, Y, p, k, threads);
      std::vector<double> expected_d;
      for (std::int64_t i = 0; i < n; ++i) {
        const auto expected = reference(X, Y, p, i, k, &expected_d);
        for (std::int64_t a = 0; a < k; ++a) {
          EXPECT_NEAR(r.d[i * k + a], expected_d[a], 1e-12) << n << " " << m << " " << k;
          // Distinct random distances: the order is the reference's.
          if (a + 1 < k && expected_d[a + 1] - expected_d[a] > 1e-9)
            EXPECT_EQ(r.i[i * k + a], expected[a]);
        }
      }
    }
  }
}

TEST(KNeighbors, BothParallelAxesGiveTheSequentialResult) {
  const std::int64_t p = 4, m = 3000, k = 9;
  const auto Y = normal(m * p, 5);
  for (std::int64_t n : {2, 1000}) {
    const auto X = normal(n * p, 6);
    const Result one = search(X, Y, p, k, 1), many = search(X, Y, p, k, 3);
    EXPECT_EQ(one.i, many.i);
    EXPECT_EQ(one.d, many.d);
  }
}

TEST(KNeighbors, EqualDistancesTakeTheLowerRowFirst) {
  // Y is every row of a small set four times over: each query's neighbours come in
  // groups of equal distances, rows in increasing order, across tiles and threads.
  const std::int64_t p = 3, base = 200, copies = 4, k = 12;
  const auto B = normal(base * p, 7);
  std::vector<double> Y;
  for (int c = 0; c < copies; ++c) Y.insert(Y.end(), B.begin(), B.end());
  const auto X = normal(50 * p, 8);
  for (int threads : {1, 2}) {
    const Result r = search(X, Y, p, k, threads);
    for (std::int64_t i = 0; i < 50; ++i)
      for (std::int64_t a = 0; a < k; a += copies)
        for (std::int64_t c = 1; c < copies; ++c)
          EXPECT_EQ(r.i[i * k + a + c], r.i[i * k + a] + c * base);
  }
}

TEST(KNeighbors, StridedFloat32RowsAndFloat32Distances) {
  const std::int64_t n = 40, m = 700, p = 5, k = 4;
  const auto Xd = normal(n * p, 9), Yd = normal(m * p, 10);
  // Column-major X, and Y read with a row stride of 2p (every other row of a wider
  // buffer).
  std::vector<float> X(n * p), Y(2 * m * p, 1e30f);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t f = 0; f < p; ++f) X[f * n + i] = static_cast<float>(Xd[i * p + f]);
  for (std::int64_t j = 0; j < m; ++j)
    for (std::int64_t f = 0; f < p; ++f) Y[j * 2 * p + f] = static_cast<float>(Yd[j * p + f]);
  std::vector<double> d(n * k);
  std::vector<std::int64_t> idx(n * k);
  kneighbors_euclidean<float>(ConstMatrixView<float>(X.data(), n, p, 1, n),
                              ConstMatrixView<float>(Y.data(), m, p, 2 * p, 1), k, false, true,
                              MatrixView<double>::row_major(d.data(), n, k),
                              MatrixView<std::int64_t>::row_major(idx.data(), n, k), 2);
  std::vector<double> Xf(X.size()), Yf(m * p), expected_d;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t f = 0; f < p; ++f) Xf[i * p + f] = X[f * n + i];
  for (std::int64_t j = 0; j < m; ++j)
    for (std::int64_t f = 0; f < p; ++f) Yf[j * p + f] = Y[j * 2 * p + f];
  for (std::int64_t i = 0; i < n; ++i) {
    const auto expected = reference(Xf, Yf, p, i, k, &expected_d);
    for (std::int64_t a = 0; a < k; ++a) {
      EXPECT_EQ(idx[i * k + a], expected[a]);
      EXPECT_EQ(d[i * k + a], static_cast<double>(static_cast<float>(d[i * k + a])));
      EXPECT_NEAR(d[i * k + a], expected_d[a], 1e-5);
    }
  }
}

TEST(KNeighbors, RejectsBadArguments) {
  const std::vector<double> X(6), Y(6);
  std::vector<double> d(6);
  std::vector<std::int64_t> i(6);
  const auto x = ConstMatrixView<double>::row_major(X.data(), 3, 2);
  const auto y = ConstMatrixView<double>::row_major(Y.data(), 3, 2);
  auto out_d = MatrixView<double>::row_major(d.data(), 3, 2);
  auto out_i = MatrixView<std::int64_t>::row_major(i.data(), 3, 2);
  EXPECT_THROW(kneighbors_euclidean<double>(x, y, 0, false, true, out_d, out_i, 1),
               InvalidArgument);
  EXPECT_THROW(kneighbors_euclidean<double>(x, y, 4, false, true, out_d, out_i, 1),
               InvalidArgument);
  EXPECT_THROW(kneighbors_euclidean<double>(x, y, 3, false, true, out_d, out_i, 1),
               InvalidArgument);
  EXPECT_THROW(kneighbors_euclidean<double>(x, ConstMatrixView<double>::row_major(Y.data(), 2, 3),
                                            2, false, true, out_d, out_i, 1),
               InvalidArgument);
}

TEST(NeighborVotes, UniformAndDistanceWeights) {
  // Two queries, three neighbours each; labels of the training rows 0..3.
  const std::vector<std::int64_t> labels = {0, 1, 1, 2};
  const std::vector<std::int64_t> ind = {0, 1, 3, 2, 3, 0};
  const std::vector<double> dist = {1.0, 2.0, 4.0, 0.0, 1.0, 1.0};
  const auto I = ConstMatrixView<std::int64_t>::row_major(ind.data(), 2, 3);
  const auto D = ConstMatrixView<double>::row_major(dist.data(), 2, 3);
  std::vector<double> proba(6);
  neighbor_class_probabilities(I, D, labels.data(), 4, 3, NeighborWeights::uniform,
                               MatrixView<double>::row_major(proba.data(), 2, 3), 1);
  EXPECT_EQ(proba, (std::vector<double>{1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3}));
  neighbor_class_probabilities(I, D, labels.data(), 4, 3, NeighborWeights::distance,
                               MatrixView<double>::row_major(proba.data(), 2, 3), 1);
  // Row 1 has a zero distance: that neighbour (class 1) takes the whole weight.
  EXPECT_DOUBLE_EQ(proba[0], 1.0 / 1.75);
  EXPECT_DOUBLE_EQ(proba[1], 0.5 / 1.75);
  EXPECT_DOUBLE_EQ(proba[2], 0.25 / 1.75);
  EXPECT_EQ(std::vector<double>(proba.begin() + 3, proba.end()), (std::vector<double>{0, 1, 0}));
  std::vector<std::int64_t> votes(2);
  neighbor_class_votes(I, D, labels.data(), 4, 3, NeighborWeights::uniform, votes.data(), 1);
  EXPECT_EQ(votes, (std::vector<std::int64_t>{0, 0}));  // three-way ties: the smallest class
  neighbor_class_votes(I, D, labels.data(), 4, 3, NeighborWeights::distance, votes.data(), 1);
  EXPECT_EQ(votes, (std::vector<std::int64_t>{0, 1}));
  const std::vector<std::int64_t> bad = {0, 1, 4, 2, 3, 0};
  EXPECT_THROW(neighbor_class_votes(ConstMatrixView<std::int64_t>::row_major(bad.data(), 2, 3), D,
                                    labels.data(), 4, 3, NeighborWeights::uniform, votes.data(), 1),
               InvalidArgument);
}

TEST(NeighborRegression, MeansInNumPysOrder) {
  const std::vector<double> y = {1.0, 2.0, 4.0, 8.0};
  const std::vector<std::int64_t> ind = {0, 1, 2, 3, 3, 3};
  const std::vector<double> dist = {1.0, 1.0, 2.0, 0.5, 0.5, 0.5};
  const auto I = ConstMatrixView<std::int64_t>::row_major(ind.data(), 2, 3);
  const auto D = ConstMatrixView<double>::row_major(dist.data(), 2, 3);
  std::vector<double> out(2);
  neighbor_regression<double, double>(I, D, ConstMatrixView<double>::row_major(y.data(), 4, 1),
                                      NeighborWeights::uniform,
                                      MatrixView<double>::row_major(out.data(), 2, 1), 1);
  EXPECT_EQ(out, (std::vector<double>{7.0 / 3.0, 8.0}));
  neighbor_regression<double, double>(I, D, ConstMatrixView<double>::row_major(y.data(), 4, 1),
                                      NeighborWeights::distance,
                                      MatrixView<double>::row_major(out.data(), 2, 1), 1);
  EXPECT_DOUBLE_EQ(out[0], (1.0 + 2.0 + 4.0 * 0.5) / 2.5);
  EXPECT_EQ(out[1], 8.0);
  // float32 targets: NumPy's uniform mean is float32 (a float64 output is refused), the
  // weighted one float64.
  const std::vector<float> y32 = {1.0f, 2.0f, 4.0f, 8.0f};
  const auto Y32 = ConstMatrixView<float>::row_major(y32.data(), 4, 1);
  std::vector<float> out32(2);
  neighbor_regression<float, float>(I, D, Y32, NeighborWeights::uniform,
                                    MatrixView<float>::row_major(out32.data(), 2, 1), 1);
  EXPECT_EQ(out32, (std::vector<float>{7.0f / 3.0f, 8.0f}));
  const auto double_mean = [&] {
    neighbor_regression<float, double>(I, D, Y32, NeighborWeights::uniform,
                                       MatrixView<double>::row_major(out.data(), 2, 1), 1);
  };
  EXPECT_THROW(double_mean(), InvalidArgument);
}

TEST(KNeighbors, TreeDistancesAreExactDifferences) {
  // The distances of scikit-learn's trees: a query equal to a training row is at 0
  // exactly (the ranking's ‖x‖² − 2x·y + ‖y‖² leaves roundoff there).
  const std::int64_t p = 3, m = 40, k = 3;
  const auto Y = normal(m * p, 11, 10.0);
  std::vector<double> d(m * k);
  std::vector<std::int64_t> idx(m * k);
  kneighbors_euclidean<double>(ConstMatrixView<double>::row_major(Y.data(), m, p),
                               ConstMatrixView<double>::row_major(Y.data(), m, p), k, false, false,
                               MatrixView<double>::row_major(d.data(), m, k),
                               MatrixView<std::int64_t>::row_major(idx.data(), m, k), 2);
  std::vector<double> expected_d;
  for (std::int64_t i = 0; i < m; ++i) {
    EXPECT_EQ(idx[i * k], i);
    EXPECT_EQ(d[i * k], 0.0);
    const auto expected = reference(Y, Y, p, i, k, &expected_d);
    for (std::int64_t a = 0; a < k; ++a) EXPECT_EQ(d[i * k + a], expected_d[a]);
  }
}

TEST(KDTree, GivesTheBruteForceNeighboursWithExactDistances) {
  for (const auto& [m, p, leaf, k] : std::vector<std::array<std::int64_t, 4>>{
           {1000, 3, 30, 5}, {257, 8, 1, 9}, {40, 2, 30, 40}, {1, 4, 30, 1}, {600, 5, 7, 1}}) {
    const auto Y = normal(m * p, 12, 3.0), X = normal(70 * p, 13, 3.0);
    const auto y = ConstMatrixView<double>::row_major(Y.data(), m, p);
    const KDTree<double> tree = build_kdtree<double>(y, leaf);
    std::vector<std::int64_t> sorted = tree.index;
    std::sort(sorted.begin(), sorted.end());
    for (std::int64_t j = 0; j < m; ++j) ASSERT_EQ(sorted[j], j);  // a permutation
    for (int threads : {1, 3}) {
      std::vector<double> d(70 * k);
      std::vector<std::int64_t> idx(70 * k);
      kdtree_kneighbors<double>(tree, ConstMatrixView<double>::row_major(X.data(), 70, p), y, k,
                                false, MatrixView<double>::row_major(d.data(), 70, k),
                                MatrixView<std::int64_t>::row_major(idx.data(), 70, k), threads);
      std::vector<double> expected_d;
      for (std::int64_t i = 0; i < 70; ++i) {
        const auto expected = reference(X, Y, p, i, k, &expected_d);
        for (std::int64_t a = 0; a < k; ++a) {
          EXPECT_EQ(idx[i * k + a], expected[a]) << m << " " << leaf << " " << i;
          EXPECT_EQ(d[i * k + a], expected_d[a]);
        }
      }
    }
  }
}

TEST(KDTree, Float32RowsAndColumnMajorQueriesGiveTheSumsOfTheirDoubles) {
  // kneighbors takes the tree from 1,000 queries on (8 features here): float32 rows are
  // summed as their float64 values, whatever the layout of X.
  for (const auto& [m, p, leaf] :
       std::vector<std::array<std::int64_t, 3>>{{3000, 8, 30}, {2500, 3, 1}, {1200, 8, 500}}) {
    const std::int64_t n = 1100, k = 6;
    const auto Yd = normal(m * p, 21), Xd = normal(n * p, 22);
    std::vector<float> Yf(Yd.begin(), Yd.end()), Xcol(static_cast<std::size_t>(n * p));
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t f = 0; f < p; ++f) Xcol[f * n + i] = static_cast<float>(Xd[i * p + f]);
    const std::vector<double> Y(Yf.begin(), Yf.end());
    std::vector<double> X(static_cast<std::size_t>(n * p));
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t f = 0; f < p; ++f) X[i * p + f] = Xcol[f * n + i];
    std::vector<double> d(n * k);
    std::vector<std::int64_t> idx(n * k);
    kneighbors<float>(ConstMatrixView<float>{Xcol.data(), n, p, 1, n},
                      ConstMatrixView<float>::row_major(Yf.data(), m, p), k, false,
                      SearchAlgorithm::kd_tree, leaf, MatrixView<double>::row_major(d.data(), n, k),
                      MatrixView<std::int64_t>::row_major(idx.data(), n, k), 2);
    std::vector<double> expected_d;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto expected = reference(X, Y, p, i, k, &expected_d);
      for (std::int64_t a = 0; a < k; ++a) {
        ASSERT_EQ(idx[i * k + a], expected[a]) << m << " " << p << " " << i;
        ASSERT_EQ(d[i * k + a], expected_d[a]);
      }
    }
  }
}

TEST(KDTree, DuplicatesTakeTheLowerRowFirst) {
  // Every row four times: the tree splits among equal values; the result is still the
  // brute-force order (distance, then row).
  const std::int64_t p = 2, base = 100, k = 8;
  const auto B = normal(base * p, 14);
  std::vector<double> Y;
  for (int c = 0; c < 4; ++c) Y.insert(Y.end(), B.begin(), B.end());
  const auto y = ConstMatrixView<double>::row_major(Y.data(), 4 * base, p);
  const KDTree<double> tree = build_kdtree<double>(y, 3);
  const auto X = normal(30 * p, 15);
  std::vector<double> d(30 * k);
  std::vector<std::int64_t> idx(30 * k);
  kdtree_kneighbors<double>(tree, ConstMatrixView<double>::row_major(X.data(), 30, p), y, k, false,
                            MatrixView<double>::row_major(d.data(), 30, k),
                            MatrixView<std::int64_t>::row_major(idx.data(), 30, k), 2);
  for (std::int64_t i = 0; i < 30; ++i)
    for (std::int64_t a = 0; a < k; a += 4)
      for (std::int64_t c = 1; c < 4; ++c) EXPECT_EQ(idx[i * k + a + c], idx[i * k + a] + c * base);
}

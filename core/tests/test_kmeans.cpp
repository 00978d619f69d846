// k-means kernels (skaccel/cluster.hpp) against a brute-force reference: nearest centers by
// explicit distances, per-cluster sums and weights, inertia; layouts, offsets and threads.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "skaccel/cluster.hpp"
#include "skaccel/errors.hpp"

using namespace skaccel;
using namespace skaccel::cluster;

namespace {

struct Case {
  std::int64_t n, p, k;
  std::vector<double> X, centers, w, offset;
};

Case make(std::int64_t n, std::int64_t p, std::int64_t k, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  std::uniform_real_distribution<double> U(0.5, 2.0);
  Case c{n,
         p,
         k,
         std::vector<double>(n * p),
         std::vector<double>(k * p),
         std::vector<double>(n),
         std::vector<double>(p)};
  for (auto& v : c.offset) v = 50.0 * N(rng);
  for (auto& v : c.centers) v = 3.0 * N(rng);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t home = static_cast<std::int64_t>(rng() % static_cast<unsigned>(k));
    for (std::int64_t j = 0; j < p; ++j)
      c.X[i * p + j] = c.offset[j] + c.centers[home * p + j] + N(rng);
    c.w[i] = U(rng);
  }
  return c;
}

std::vector<std::int32_t> nearest(const Case& c) {
  std::vector<std::int32_t> out(c.n);
  for (std::int64_t i = 0; i < c.n; ++i) {
    double best = INFINITY;
    for (std::int64_t q = 0; q < c.k; ++q) {
      double d = 0.0;
      for (std::int64_t j = 0; j < c.p; ++j) {
        const double v = c.X[i * c.p + j] - c.offset[j] - c.centers[q * c.p + j];
        d += v * v;
      }
      if (d < best) {
        best = d;
        out[i] = static_cast<std::int32_t>(q);
      }
    }
  }
  return out;
}

}  // namespace

// (n, p, k): the register kernel of small problems (rows and centers not multiples of its
// tiles), and the gemm path of larger ones (k·p·8 bytes beyond 24 KiB).
class AssignmentCases : public ::testing::TestWithParam<std::tuple<int, int, int>> {};
INSTANTIATE_TEST_SUITE_P(KMeans, AssignmentCases,
                         ::testing::Values(std::make_tuple(5000, 7, 6),
                                           std::make_tuple(5001, 20, 13),
                                           std::make_tuple(4001, 9, 20),
                                           std::make_tuple(3003, 70, 60)));

TEST_P(AssignmentCases, AssignmentAndSumsMatchTheBruteForce) {
  const auto [n, p, k] = GetParam();
  const Case c = make(n, p, k, 1);
  const auto expect = nearest(c);
  std::vector<double> F(c.n * c.p);
  for (std::int64_t i = 0; i < c.n; ++i)
    for (std::int64_t j = 0; j < c.p; ++j) F[j * c.n + i] = c.X[i * c.p + j];
  const ConstMatrixView<double> layouts[] = {
      ConstMatrixView<double>::row_major(c.X.data(), c.n, c.p),
      ConstMatrixView<double>(F.data(), c.n, c.p, 1, c.n)};
  for (const auto& X : layouts)
    for (int threads : {1, 2, 3}) {
      std::vector<std::int32_t> labels(c.n, -1);
      LloydSums sums;
      assign_and_sum<double>(X, c.offset.data(), c.w.data(), 1, c.centers.data(), c.k,
                             labels.data(), &sums, threads);
      ASSERT_EQ(labels, expect);
      std::vector<double> ref(c.k * c.p, 0.0), weight(c.k, 0.0);
      for (std::int64_t i = 0; i < c.n; ++i) {
        weight[expect[i]] += c.w[i];
        for (std::int64_t j = 0; j < c.p; ++j)
          ref[expect[i] * c.p + j] += c.w[i] * (c.X[i * c.p + j] - c.offset[j]);
      }
      for (std::int64_t q = 0; q < c.k; ++q) EXPECT_NEAR(sums.weights[q], weight[q], 1e-9);
      for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(sums.sums[i], ref[i], 1e-8);
      double total = 0.0;
      for (std::int64_t i = 0; i < c.n; ++i)
        for (std::int64_t j = 0; j < c.p; ++j) {
          const double v = c.X[i * c.p + j] - c.offset[j] - c.centers[expect[i] * c.p + j];
          total += c.w[i] * v * v;
        }
      EXPECT_NEAR(inertia<double>(X, c.offset.data(), c.w.data(), 1, c.centers.data(), c.k,
                                  labels.data(), threads),
                  total, 1e-9 * total);
    }
}

TEST(KMeans, FloatInputAndNoOffset) {
  Case c = make(3000, 4, 5, 2);
  std::fill(c.offset.begin(), c.offset.end(), 0.0);
  for (std::int64_t i = 0; i < c.n; ++i)  // the data without the offset
    for (std::int64_t j = 0; j < c.p; ++j) c.X[i * c.p + j] -= 0.0;
  const auto expect = nearest(c);
  std::vector<float> Xf(c.X.begin(), c.X.end()), Cf(c.centers.begin(), c.centers.end());
  std::vector<std::int32_t> labels(c.n);
  assign_and_sum<float>(ConstMatrixView<float>::row_major(Xf.data(), c.n, c.p), nullptr, nullptr, 1,
                        Cf.data(), c.k, labels.data(), nullptr, 2);
  std::int64_t same = 0;
  for (std::int64_t i = 0; i < c.n; ++i) same += labels[i] == expect[i];
  EXPECT_GE(same, c.n - 3);  // float32 rounding may flip a near tie
}

TEST(KMeans, FirstMinimumWinsTiesAndBadLabelsThrow) {
  // Two identical centers: every row goes to the first (scikit-learn's argmin).
  std::vector<double> X = {0.0, 1.0, 2.0, 3.0}, C = {1.5, 1.5};
  std::vector<std::int32_t> labels(4, -1);
  assign_and_sum<double>(ConstMatrixView<double>::row_major(X.data(), 4, 1), nullptr, nullptr, 1,
                         C.data(), 2, labels.data(), nullptr, 1);
  for (auto l : labels) EXPECT_EQ(l, 0);
  labels[2] = 5;
  EXPECT_THROW(inertia<double>(ConstMatrixView<double>::row_major(X.data(), 4, 1), nullptr, nullptr,
                               1, C.data(), 2, labels.data(), 1),
               InvalidArgument);
  EXPECT_THROW(assign_and_sum<double>(ConstMatrixView<double>::row_major(X.data(), 4, 1), nullptr,
                                      nullptr, 1, C.data(), 0, labels.data(), nullptr, 1),
               InvalidArgument);
}

TEST(KMeans, FarthestRowsAreFarthestFirstLowerIndexAmongEquals) {
  // 1-D rows, one center at 0 (label 0 for all): distances 1, 9, 1, 0, 9.
  const std::vector<double> X{1, 3, -1, 0, -3}, center{0};
  const std::vector<std::int32_t> labels(5, 0);
  const auto far = farthest_rows<double>(ConstMatrixView<double>::row_major(X.data(), 5, 1),
                                         nullptr, center.data(), 1, labels.data(), 3, 2);
  EXPECT_EQ(far.rows, (std::vector<std::int64_t>{1, 4, 0}));
  EXPECT_EQ(far.distances, (std::vector<double>{9, 9, 1}));
  // More than there are rows: every row; an offset shifts the rows.
  const double shift = 1;
  const auto all = farthest_rows<double>(ConstMatrixView<double>::row_major(X.data(), 5, 1), &shift,
                                         center.data(), 1, labels.data(), 9, 1);
  EXPECT_EQ(all.rows, (std::vector<std::int64_t>{4, 1, 2, 3, 0}));
}

TEST(KMeans, AverageCentersGivesAnEmptyClusterTheHeaviestsPlace) {
  LloydSums sums;
  sums.sums = {2, 4, 0, 0, 9, 3};  // k=3, p=2
  sums.weights = {2, 0, 3};
  const std::vector<double> old{0, 0, 1, 1, 0, 0};
  std::vector<double> out(6);
  const double shift = average_centers<double>(sums, old.data(), 3, 2, out.data());
  // cluster 1 is empty and before the heaviest (2): it takes the heaviest's sums.
  EXPECT_EQ(out, (std::vector<double>{1, 2, 9, 3, 3, 1}));
  EXPECT_DOUBLE_EQ(shift, 1 + 4 + 64 + 4 + 9 + 1);
}

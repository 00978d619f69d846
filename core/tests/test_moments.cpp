#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "skaccel/linear_model.hpp"
#include "skaccel/moments.hpp"

using namespace skaccel;

namespace {

std::vector<double> random_matrix(std::int64_t n, std::int64_t p, double offset, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  std::vector<double> X(static_cast<std::size_t>(n * p));
  for (auto& v : X) v = offset + N(rng);
  return X;
}

}  // namespace

TEST(ColumnStatistics, MatchTwoPassReferenceAndMergeExactly) {
  const std::int64_t n = 100001, p = 5;
  const auto X = random_matrix(n, p, 1e6, 1);
  std::vector<double> w(n);
  for (std::int64_t i = 0; i < n; ++i) w[i] = 0.5 + (i % 7) * 0.25;
  auto view = ConstMatrixView<double>::row_major(X.data(), n, p);
  const auto s = moments::column_statistics<double>(view, w.data(), 1, 2);
  for (std::int64_t j = 0; j < p; ++j) {
    long double W = 0, mean = 0, m2 = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (std::int64_t i = 0; i < n; ++i) W += w[i], mean += w[i] * X[i * p + j];
    mean /= W;
    for (std::int64_t i = 0; i < n; ++i) {
      const long double d = X[i * p + j] - mean;
      m2 += w[i] * d * d;
      lo = std::min(lo, X[i * p + j]);
      hi = std::max(hi, X[i * p + j]);
    }
    EXPECT_NEAR(s.mean[j], static_cast<double>(mean), 1e-9);
    EXPECT_NEAR(s.m2[j] / static_cast<double>(m2), 1.0, 1e-9);  // no cancellation at 1e6
    EXPECT_EQ(s.min[j], lo);
    EXPECT_EQ(s.max[j], hi);
  }
  // Two halves merged give the whole.
  const std::int64_t h = 40000;
  const auto a = moments::column_statistics<double>(
      ConstMatrixView<double>::row_major(X.data(), h, p), w.data(), 1, 1);
  const auto b = moments::column_statistics<double>(
      ConstMatrixView<double>::row_major(X.data() + h * p, n - h, p), w.data() + h, 1, 1);
  const auto m = moments::merge(a, b);
  EXPECT_EQ(m.n_samples, n);
  for (std::int64_t j = 0; j < p; ++j) {
    EXPECT_NEAR(m.mean[j], s.mean[j], 1e-9);
    EXPECT_NEAR(m.m2[j] / s.m2[j], 1.0, 1e-10);
  }
}

TEST(NormalEquations, MergeOfBatchesEqualsOnePass) {
  const std::int64_t n = 3000, p = 6, t = 2;
  const auto X = random_matrix(n, p, 50.0, 2);
  const auto Y = random_matrix(n, t, -3.0, 3);
  auto stats = [&](std::int64_t r0, std::int64_t r1, std::int64_t targets) {
    return linear_model::accumulate_normal_equations<double>(
        ConstMatrixView<double>(X.data() + r0 * p, r1 - r0, p, p, 1),
        ConstMatrixView<double>(targets ? Y.data() + r0 * t : nullptr, r1 - r0, targets, targets,
                                1),
        nullptr, 1, true, 1);
  };
  for (std::int64_t targets : {std::int64_t{0}, t}) {
    const auto whole = stats(0, n, targets);
    auto merged = stats(0, 1, targets);
    for (std::int64_t r = 1; r < n; r += 701)
      merged = linear_model::merge(merged, stats(r, std::min(n, r + 701), targets));
    EXPECT_EQ(merged.n_samples, n);
    for (std::size_t i = 0; i < whole.gram.size(); ++i)
      EXPECT_NEAR(merged.gram[i], whole.gram[i], 1e-9 * std::abs(whole.gram[0]));
    for (std::size_t i = 0; i < whole.xty.size(); ++i)
      EXPECT_NEAR(merged.xty[i], whole.xty[i], 1e-9 * std::abs(whole.gram[0]));
    for (std::int64_t j = 0; j < p; ++j) EXPECT_NEAR(merged.x_mean[j], whole.x_mean[j], 1e-12);
  }
}

// The chunked kernel (row-contiguous X, four columns at a time over a tile of rows) gives
// the plain row loop's numbers (the path of column-strided X) to the bit: tails, tiles,
// weights, float input, NaN (skipped by min and max, propagated by the sums) and infinity.
template <class T>
void expect_chunked_equals_plain(bool weighted) {
  const std::int64_t n = 1000, p = 7;
  const auto X64 = random_matrix(n, p, 3.0, 5);
  std::vector<T> X(X64.begin(), X64.end()), strided(static_cast<std::size_t>(2 * n * p));
  X[10 * p + 2] = std::numeric_limits<T>::quiet_NaN();
  X[500 * p + 5] = std::numeric_limits<T>::infinity();
  X[700 * p + 1] = -std::numeric_limits<T>::infinity();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < p; ++j) strided[i * 2 * p + 2 * j] = X[i * p + j];
  std::vector<T> w(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) w[i] = static_cast<T>(0.5 + (i % 5) * 0.3);
  const T* sw = weighted ? w.data() : nullptr;
  const auto chunked =
      moments::column_statistics<T>(ConstMatrixView<T>::row_major(X.data(), n, p), sw, 1, 2);
  const auto plain =
      moments::column_statistics<T>(ConstMatrixView<T>(strided.data(), n, p, 2 * p, 2), sw, 1, 2);
  auto same_bits = [](const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
  };
  EXPECT_TRUE(same_bits(chunked.mean, plain.mean));
  EXPECT_TRUE(same_bits(chunked.m2, plain.m2));
  EXPECT_TRUE(same_bits(chunked.min, plain.min));
  EXPECT_TRUE(same_bits(chunked.max, plain.max));
  EXPECT_TRUE(std::isnan(chunked.mean[2]));
  EXPECT_FALSE(std::isnan(chunked.min[2]));  // NaN skipped
  EXPECT_EQ(chunked.max[5], INFINITY);
  EXPECT_EQ(chunked.min[1], -INFINITY);
}

TEST(ColumnStatistics, ChunkedKernelEqualsThePlainLoopBitForBit) {
  for (bool weighted : {false, true}) {
    expect_chunked_equals_plain<double>(weighted);
    expect_chunked_equals_plain<float>(weighted);
  }
}

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "skaccel/decomposition.hpp"
#include "skaccel/linear_model.hpp"

using namespace skaccel;

namespace {

std::vector<double> random_matrix(std::int64_t n, std::int64_t p, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  std::vector<double> X(static_cast<std::size_t>(n * p));
  for (auto& v : X) v = 3.0 + N(rng);
  return X;
}

}  // namespace

TEST(Decomposition, TopEigenpairsEqualTheTailOfTheFullDecomposition) {
  const std::int64_t n = 400, p = 30, k = 5;
  const auto X = random_matrix(n, p, 4);
  const auto ne = linear_model::accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(X.data(), n, p),
      ConstMatrixView<double>(nullptr, n, 0, 0, 0), nullptr, 1, true, 1);
  const auto all = decomposition::symmetric_eigen(ne.gram, p);
  const auto top = decomposition::symmetric_eigen_top(ne.gram, p, k);
  ASSERT_EQ(top.values.size(), static_cast<std::size_t>(k));
  for (std::int64_t j = 0; j < k; ++j) {
    EXPECT_NEAR(top.values[j], all.values[p - k + j], 1e-9 * all.values.back());
    // Same vector up to sign.
    double dot = 0;
    for (std::int64_t i = 0; i < p; ++i)
      dot += top.vectors[i * k + j] * all.vectors[i * p + p - k + j];
    EXPECT_NEAR(std::abs(dot), 1.0, 1e-9);
  }
  EXPECT_THROW(decomposition::symmetric_eigen_top(ne.gram, p, p + 1), InvalidArgument);
}

TEST(Decomposition, CenteredSvdMatchesTheGramEigenvalues) {
  const std::int64_t n = 300, p = 12;
  const auto X = random_matrix(n, p, 5);
  const auto ne = linear_model::accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(X.data(), n, p),
      ConstMatrixView<double>(nullptr, n, 0, 0, 0), nullptr, 1, true, 1);
  const auto svd = decomposition::centered_right_singular<double>(
      ConstMatrixView<double>::row_major(X.data(), n, p), ne.x_mean, 2);
  const auto eig = decomposition::symmetric_eigen(ne.gram, p);
  for (std::int64_t j = 0; j < p; ++j)
    EXPECT_NEAR(svd.singular_values[j] * svd.singular_values[j], eig.values[p - 1 - j],
                1e-9 * eig.values.back());
  // Rows of Vt are orthonormal.
  for (std::int64_t a = 0; a < p; ++a)
    for (std::int64_t b = 0; b < p; ++b) {
      double dot = 0;
      for (std::int64_t i = 0; i < p; ++i) dot += svd.vt[a * p + i] * svd.vt[b * p + i];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-12);
    }
}

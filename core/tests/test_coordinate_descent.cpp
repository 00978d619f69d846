// Elastic-net coordinate descent (skaccel/coordinate_descent.hpp): the optimality
// conditions at the solution, the two paths taking the same steps, every layout of X the
// residual path reads, weights, warm starts and bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "skaccel/coordinate_descent.hpp"
#include "skaccel/errors.hpp"

using namespace skaccel;
using namespace skaccel::linear_model;

namespace {

struct Data {
  std::int64_t n, p;
  std::vector<double> X;  // row-major
  std::vector<double> y, w;
};

Data make(std::int64_t n, std::int64_t p, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  std::uniform_real_distribution<double> U(0.2, 2.0);
  Data d{n, p, std::vector<double>(n * p), std::vector<double>(n), std::vector<double>(n)};
  for (auto& x : d.X) x = N(rng) + 3.0;  // non-zero means: the centring matters
  for (std::int64_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (std::int64_t j = 0; j < std::min<std::int64_t>(p, 4); ++j) s += (j + 1) * d.X[i * p + j];
    d.y[i] = s + 0.3 * N(rng);
    d.w[i] = U(rng);
  }
  double total = 0.0;
  for (double v : d.w) total += v;
  for (double& v : d.w) v *= static_cast<double>(n) / total;  // as ElasticNet.fit rescales
  return d;
}

EnetOptions options(const Data& d, double alpha, double l1_ratio) {
  EnetOptions o;
  o.l1 = alpha * l1_ratio * static_cast<double>(d.n);
  o.l2 = alpha * (1.0 - l1_ratio) * static_cast<double>(d.n);
  o.tol = 1e-10;
  o.max_iter = 100000;
  return o;
}

// The optimality conditions of the cd_fast objective at the fit's coefficients, with the
// centred, √w-scaled data formed explicitly: z_jᵀr − l2 w_j = l1 sign(w_j) where w_j ≠ 0
// (≥ 0 constrained: ≤ l1 where w_j = 0 and positive), |z_jᵀr| ≤ l1 where w_j = 0.
void expect_optimal(const Data& d, const ElasticNetFit& fit, const EnetOptions& o, bool weighted) {
  const std::int64_t n = d.n, p = d.p;
  std::vector<double> r(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const double s = weighted ? std::sqrt(d.w[i]) : 1.0;
    double pred = 0.0;
    for (std::int64_t j = 0; j < p; ++j) pred += (d.X[i * p + j] - fit.x_mean[j]) * fit.coef[j];
    r[i] = s * ((d.y[i] - fit.y_mean[0]) - pred);
  }
  for (std::int64_t j = 0; j < p; ++j) {
    double g = 0.0;
    for (std::int64_t i = 0; i < n; ++i)
      g += (weighted ? std::sqrt(d.w[i]) : 1.0) * (d.X[i * p + j] - fit.x_mean[j]) * r[i];
    const double w = fit.coef[j];
    const double slack = 1e-6 * static_cast<double>(n);
    if (w != 0.0)
      EXPECT_NEAR(g - o.l2 * w, o.l1 * (w > 0 ? 1.0 : -1.0), slack) << "feature " << j;
    else if (o.positive)
      EXPECT_LE(g, o.l1 + slack) << "feature " << j;
    else
      EXPECT_LE(std::fabs(g), o.l1 + slack) << "feature " << j;
  }
}

ElasticNetFit fit(const Data& d, bool gram, bool weighted, const EnetOptions& o,
                  std::vector<double> start = {}, ConstMatrixView<double> X = {}) {
  if (!X.data) X = ConstMatrixView<double>::row_major(d.X.data(), d.n, d.p);
  if (start.empty()) start.assign(d.p, 0.0);
  auto f =
      fit_elastic_net<double>(X, ConstMatrixView<double>(d.y.data(), d.n, 1, 1, 1),
                              weighted ? d.w.data() : nullptr, 1, true, gram, start, {7u}, o, 2);
  EXPECT_TRUE(f.has_value());
  return *f;
}

}  // namespace

TEST(CoordinateDescent, BothPathsReachTheOptimumInTheSameSteps) {
  const Data d = make(300, 12, 1);
  for (bool weighted : {false, true})
    for (double l1_ratio : {1.0, 0.5, 0.0}) {
      const EnetOptions o = options(d, 0.05, l1_ratio);
      const ElasticNetFit g = fit(d, true, weighted, o), r = fit(d, false, weighted, o);
      ASSERT_TRUE(g.targets[0].converged && r.targets[0].converged);
      EXPECT_EQ(g.targets[0].n_iter, r.targets[0].n_iter);
      for (std::int64_t j = 0; j < d.p; ++j) EXPECT_NEAR(g.coef[j], r.coef[j], 1e-9);
      expect_optimal(d, g, o, weighted);
      expect_optimal(d, r, o, weighted);
    }
}

TEST(CoordinateDescent, PositiveAndRandomSelection) {
  const Data d = make(200, 8, 2);
  EnetOptions o = options(d, 0.02, 0.8);
  o.positive = true;
  o.random = true;
  for (bool gram : {true, false}) {
    const ElasticNetFit f = fit(d, gram, false, o);
    ASSERT_TRUE(f.targets[0].converged);
    for (double c : f.coef) EXPECT_GE(c, 0.0);
    expect_optimal(d, f, o, false);
  }
}

TEST(CoordinateDescent, ResidualPathReadsEveryLayout) {
  const Data d = make(150, 6, 3);
  const EnetOptions o = options(d, 0.1, 0.7);
  const ElasticNetFit ref = fit(d, false, true, o);
  std::vector<double> F(d.n * d.p), wide(d.n * d.p * 2);
  for (std::int64_t i = 0; i < d.n; ++i)
    for (std::int64_t j = 0; j < d.p; ++j) {
      F[j * d.n + i] = d.X[i * d.p + j];
      wide[i * 2 * d.p + 2 * j] = d.X[i * d.p + j];
    }
  const ConstMatrixView<double> views[] = {
      ConstMatrixView<double>(F.data(), d.n, d.p, 1, d.n),                // F-ordered
      ConstMatrixView<double>(wide.data(), d.n, d.p, 2 * d.p, 2),         // strided
      ConstMatrixView<double>(F.data() + (d.n - 1), d.n, d.p, -1, d.n)};  // reversed rows
  for (int v = 0; v < 3; ++v) {
    std::vector<double> y = d.y, w = d.w;
    if (v == 2) {  // the reversed view pairs row i with y[n − 1 − i]
      std::reverse(y.begin(), y.end());
      std::reverse(w.begin(), w.end());
    }
    auto f =
        fit_elastic_net<double>(views[v], ConstMatrixView<double>(y.data(), d.n, 1, 1, 1), w.data(),
                                1, true, false, std::vector<double>(d.p, 0.0), {7u}, o, 1);
    ASSERT_TRUE(f.has_value());
    for (std::int64_t j = 0; j < d.p; ++j) EXPECT_NEAR(f->coef[j], ref.coef[j], 1e-9) << v;
  }
}

TEST(CoordinateDescent, WarmStartAtTheOptimumTakesNoIteration) {
  const Data d = make(200, 5, 4);
  EnetOptions o = options(d, 0.05, 0.5);
  const ElasticNetFit first = fit(d, true, false, o);
  o.tol = 1e-6;
  for (bool gram : {true, false}) {
    const ElasticNetFit again = fit(d, gram, false, o, first.coef);
    EXPECT_EQ(again.targets[0].n_iter, 0);
    EXPECT_TRUE(again.targets[0].converged);
  }
}

TEST(CoordinateDescent, UnconvergedFitsReportMaxIter) {
  const Data d = make(100, 10, 5);
  EnetOptions o = options(d, 1e-6, 0.5);
  o.max_iter = 2;
  o.tol = 0.0;
  const ElasticNetFit f = fit(d, false, false, o);
  EXPECT_FALSE(f.targets[0].converged);
  EXPECT_EQ(f.targets[0].n_iter, 2);
}

TEST(CoordinateDescent, NonFiniteInputAndBadArguments) {
  Data d = make(50, 3, 6);
  d.X[7] = std::nan("");
  const EnetOptions o = options(d, 0.1, 0.5);
  for (bool gram : {true, false}) {
    auto f = fit_elastic_net<double>(ConstMatrixView<double>::row_major(d.X.data(), d.n, d.p),
                                     ConstMatrixView<double>(d.y.data(), d.n, 1, 1, 1), nullptr, 1,
                                     true, gram, std::vector<double>(d.p, 0.0), {1u}, o, 1);
    EXPECT_FALSE(f.has_value());
  }
  d = make(50, 3, 6);
  const auto X = ConstMatrixView<double>::row_major(d.X.data(), d.n, d.p);
  const auto Y = ConstMatrixView<double>(d.y.data(), d.n, 1, 1, 1);
  EXPECT_THROW(fit_elastic_net<double>(X, Y, nullptr, 1, true, true, {0.0}, {1u}, o, 1),
               InvalidArgument);
  EnetOptions bad = o;
  bad.max_iter = 0;
  EXPECT_THROW(fit_elastic_net<double>(X, Y, nullptr, 1, true, true, std::vector<double>(3, 0.0),
                                       {1u}, bad, 1),
               InvalidArgument);
}

// The logistic losses' passes (skaccel/logistic.hpp) against a plain reference: loss and
// gradient summed row by row in long double, Hessian-vector products against the full
// Hessians, every layout the kernels read, zero rows and bad labels.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/logistic.hpp"

using namespace skaccel;
using namespace skaccel::linear_model;

namespace {

struct Data {
  std::int64_t n, p, K;  // K: classes (2: binary)
  std::vector<double> X, y, w, coef;
};

Data make(std::int64_t n, std::int64_t p, std::int64_t classes, bool intercept, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  std::uniform_real_distribution<double> U(0.2, 2.0);
  Data d{n, p, classes, std::vector<double>(n * p), std::vector<double>(n), std::vector<double>(n),
         {}};
  for (auto& x : d.X) x = N(rng);
  for (std::int64_t i = 0; i < n; ++i) {
    d.y[i] = static_cast<double>(rng() % static_cast<unsigned>(classes));
    d.w[i] = U(rng);
  }
  const std::int64_t rows = classes == 2 ? 1 : classes, dof = p + (intercept ? 1 : 0);
  d.coef.resize(rows * dof);
  for (auto& c : d.coef) c = 0.5 * N(rng);
  return d;
}

LogisticProblem<double> problem(const Data& d, ConstMatrixView<double> X, bool intercept,
                                bool weighted) {
  LogisticProblem<double> pr;
  pr.X = X;
  pr.y = d.y.data();
  pr.sample_weight = weighted ? d.w.data() : nullptr;
  pr.n_classes = d.K;
  pr.fit_intercept = intercept;
  return pr;
}

// Σ s·loss and its gradient, one row at a time in long double.
long double reference(const Data& d, bool intercept, bool weighted, std::vector<double>& grad) {
  const std::int64_t K = d.K == 2 ? 1 : d.K, dof = d.p + (intercept ? 1 : 0);
  grad.assign(K * dof, 0.0);
  std::vector<long double> g(K * dof, 0.0L), z(K);
  long double loss = 0.0L;
  for (std::int64_t i = 0; i < d.n; ++i) {
    const long double s = weighted ? d.w[i] : 1.0L;
    for (std::int64_t k = 0; k < K; ++k) {
      z[k] = intercept ? d.coef[k * dof + d.p] : 0.0L;
      for (std::int64_t j = 0; j < d.p; ++j) z[k] += d.X[i * d.p + j] * d.coef[k * dof + j];
    }
    std::vector<long double> r(K);
    if (K == 1) {
      loss += s * (std::log1p(std::exp(z[0])) - d.y[i] * z[0]);
      r[0] = s * (1.0L / (1.0L + std::exp(-z[0])) - d.y[i]);
    } else {
      long double sum = 0.0L;
      for (std::int64_t k = 0; k < K; ++k) sum += std::exp(z[k]);
      loss += s * (std::log(sum) - z[static_cast<std::int64_t>(d.y[i])]);
      for (std::int64_t k = 0; k < K; ++k)
        r[k] = s * (std::exp(z[k]) / sum - (k == static_cast<std::int64_t>(d.y[i]) ? 1 : 0));
    }
    for (std::int64_t k = 0; k < K; ++k) {
      for (std::int64_t j = 0; j < d.p; ++j) g[k * dof + j] += r[k] * d.X[i * d.p + j];
      if (intercept) g[k * dof + d.p] += r[k];
    }
  }
  for (std::size_t q = 0; q < g.size(); ++q) grad[q] = static_cast<double>(g[q]);
  return loss;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double rtol) {
  ASSERT_EQ(got.size(), want.size());
  const double scale = std::max(max_abs(want), 1.0);
  for (std::size_t q = 0; q < got.size(); ++q) EXPECT_NEAR(got[q], want[q], rtol * scale) << q;
}

class LogisticKernels : public ::testing::TestWithParam<std::tuple<int, bool, bool>> {};

TEST_P(LogisticKernels, LossAndGradientEqualTheRowByRowSums) {
  const auto [classes, intercept, weighted] = GetParam();
  const Data d = make(3000, 7, classes, intercept, 1);
  std::vector<double> want;
  const long double loss = reference(d, intercept, weighted, want);
  const auto C = ConstMatrixView<double>::row_major(d.X.data(), d.n, d.p);
  // Every layout: C order, F order (a copy), reversed rows, every other column of a wider X.
  std::vector<double> F(d.n * d.p), wide(d.n * d.p * 2, 7.0);
  for (std::int64_t i = 0; i < d.n; ++i)
    for (std::int64_t j = 0; j < d.p; ++j) {
      F[j * d.n + i] = d.X[i * d.p + j];
      wide[i * d.p * 2 + 2 * j] = d.X[i * d.p + j];
    }
  std::vector<double> reversed(d.X.rbegin(), d.X.rend());  // row i at n-1-i, columns reversed
  std::vector<double> rows_reversed(d.n * d.p);
  for (std::int64_t i = 0; i < d.n; ++i)
    for (std::int64_t j = 0; j < d.p; ++j)
      rows_reversed[(d.n - 1 - i) * d.p + j] = d.X[i * d.p + j];
  const std::vector<ConstMatrixView<double>> layouts = {
      C, ConstMatrixView<double>(F.data(), d.n, d.p, 1, d.n),
      ConstMatrixView<double>(rows_reversed.data() + (d.n - 1) * d.p, d.n, d.p, -d.p, 1),
      ConstMatrixView<double>(wide.data(), d.n, d.p, 2 * d.p, 2)};
  for (std::size_t l = 0; l < layouts.size(); ++l) {
    SCOPED_TRACE("layout " + std::to_string(l));
    for (int threads : {1, 2, 3}) {
      const auto pr = problem(d, layouts[l], intercept, weighted);
      std::vector<double> grad(want.size());
      const double got = logistic_loss_gradient(pr, d.coef.data(), grad.data(), nullptr, threads);
      EXPECT_NEAR(got, static_cast<double>(loss), 1e-12 * std::abs(static_cast<double>(loss)));
      expect_close(grad, want, 1e-12);
    }
  }
}

TEST_P(LogisticKernels, HessianProductsEqualTheFullHessianTimesAVector) {
  const auto [classes, intercept, weighted] = GetParam();
  const Data d = make(2000, 5, classes, intercept, 2);
  const auto pr =
      problem(d, ConstMatrixView<double>::row_major(d.X.data(), d.n, d.p), intercept, weighted);
  const std::int64_t K = d.K == 2 ? 1 : d.K, dof = d.p + (intercept ? 1 : 0), m = K * dof;
  std::vector<double> pointwise(d.n * K), grad(m), g2(m), H(m * m), v(m), want(m, 0.0), got(m);
  logistic_loss_gradient(pr, d.coef.data(), grad.data(), pointwise.data(), 2);
  if (d.K == 2) {
    double nonpositive = -1;
    logistic_gradient_hessian(pr, d.coef.data(), g2.data(), H.data(), &nonpositive, 2);
    EXPECT_EQ(nonpositive, 0.0);
  } else {
    logistic_multinomial_hessian(pr, d.coef.data(), g2.data(), H.data(), 2);
  }
  expect_close(g2, grad, 1e-13);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> N(0.0, 1.0);
  for (auto& x : v) x = N(rng);
  // v and the products are K×dof row-major; the Hessian orders parameter (k, j) at j·K + k.
  for (std::int64_t k = 0; k < K; ++k)
    for (std::int64_t j = 0; j < dof; ++j)
      for (std::int64_t l = 0; l < K; ++l)
        for (std::int64_t i = 0; i < dof; ++i)
          want[k * dof + j] += H[(j * K + k) * m + (i * K + l)] * v[l * dof + i];
  logistic_hessian_product(pr, pointwise.data(), v.data(), got.data(), 2);
  expect_close(got, want, 1e-12);
  for (std::int64_t a = 0; a < m; ++a)
    for (std::int64_t b = 0; b < a; ++b) EXPECT_EQ(H[a * m + b], H[b * m + a]);
}

INSTANTIATE_TEST_SUITE_P(BinaryAndMultinomial, LogisticKernels,
                         ::testing::Combine(::testing::Values(2, 4), ::testing::Bool(),
                                            ::testing::Bool()));

TEST(LogisticKernels, ZeroRowsGiveZeroSums) {
  const Data d = make(0, 3, 3, true, 4);
  const auto pr = problem(d, ConstMatrixView<double>(nullptr, 0, 3, 3, 1), true, false);
  std::vector<double> grad(3 * 4, 1.0);
  EXPECT_EQ(logistic_loss_gradient(pr, d.coef.data(), grad.data(), nullptr, 2), 0.0);
  EXPECT_EQ(max_abs(grad), 0.0);
}

TEST(LogisticKernels, LabelsOutsideTheClassesAreRefused) {
  for (int classes : {2, 3}) {
    Data d = make(100, 3, classes, true, 5);
    const auto X = ConstMatrixView<double>::row_major(d.X.data(), d.n, d.p);
    for (double bad : {-1.0, 0.5, static_cast<double>(classes), std::nan("")}) {
      d.y[17] = bad;
      const auto pr = problem(d, X, true, false);
      std::vector<double> grad(d.coef.size());
      EXPECT_THROW(logistic_loss_gradient(pr, d.coef.data(), grad.data(), nullptr, 2),
                   InvalidArgument)
          << classes << " classes, label " << bad;
    }
  }
}

}  // namespace

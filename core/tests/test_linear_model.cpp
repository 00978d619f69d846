#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"

using namespace skaccel;
using namespace skaccel::linear_model;

namespace {

struct Problem {
  std::int64_t n, p, t;
  std::vector<double> X, Y, w;  // row-major
};

Problem make_problem(std::int64_t n, std::int64_t p, std::int64_t t, double offset,
                     unsigned seed = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  std::uniform_real_distribution<double> U(0.1, 2.0);
  Problem pr{
      n, p, t, std::vector<double>(n * p), std::vector<double>(n * t), std::vector<double>(n)};
  std::vector<double> beta(p * t);
  for (auto& b : beta) b = N(rng);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < p; ++j) pr.X[i * p + j] = offset + N(rng);
    for (std::int64_t k = 0; k < t; ++k) {
      double v = 3.0 + 0.01 * N(rng);
      for (std::int64_t j = 0; j < p; ++j) v += pr.X[i * p + j] * beta[k * p + j];
      pr.Y[i * t + k] = v;
    }
    pr.w[i] = U(rng);
  }
  return pr;
}

// Reference: two-pass centred statistics in long double.
NormalEquations reference(const Problem& pr, bool weighted, bool center) {
  const auto n = pr.n, p = pr.p, t = pr.t;
  NormalEquations ne;
  ne.n_samples = n, ne.n_features = p, ne.n_targets = t, ne.centered = center;
  long double sw = 0;
  std::vector<long double> mx(p, 0), my(t, 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const long double wi = weighted ? pr.w[i] : 1.0;
    sw += wi;
    for (std::int64_t j = 0; j < p; ++j) mx[j] += wi * pr.X[i * p + j];
    for (std::int64_t k = 0; k < t; ++k) my[k] += wi * pr.Y[i * t + k];
  }
  for (auto& v : mx) v = center ? v / sw : 0;
  for (auto& v : my) v = center ? v / sw : 0;
  ne.weight_sum = static_cast<double>(sw);
  ne.gram.assign(p * p, 0), ne.xty.assign(p * t, 0);
  std::vector<long double> g(p * p, 0), c(p * t, 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const long double wi = weighted ? pr.w[i] : 1.0;
    for (std::int64_t a = 0; a < p; ++a) {
      const long double xa = pr.X[i * p + a] - mx[a];
      for (std::int64_t b = 0; b < p; ++b) g[a * p + b] += wi * xa * (pr.X[i * p + b] - mx[b]);
      for (std::int64_t k = 0; k < t; ++k) c[a * t + k] += wi * xa * (pr.Y[i * t + k] - my[k]);
    }
  }
  for (std::size_t i = 0; i < g.size(); ++i) ne.gram[i] = static_cast<double>(g[i]);
  for (std::size_t i = 0; i < c.size(); ++i) ne.xty[i] = static_cast<double>(c[i]);
  for (auto v : mx) ne.x_mean.push_back(static_cast<double>(v));
  for (auto v : my) ne.y_mean.push_back(static_cast<double>(v));
  return ne;
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double scale = 0, diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    scale = std::max(scale, std::abs(b[i]));
    diff = std::max(diff, std::abs(a[i] - b[i]));
  }
  return diff / std::max(scale, 1e-300);
}

class HyperparameterGuard {
 public:
  ~HyperparameterGuard() { reset_fit_hyperparameters(); }
};

}  // namespace

struct AccumulateCase {
  bool weighted, center;
  int threads;
  std::int64_t block;
};

class Accumulate : public ::testing::TestWithParam<AccumulateCase> {};

TEST_P(Accumulate, MatchesTwoPassReference) {
  const auto c = GetParam();
  HyperparameterGuard guard;
  FitHyperparameters hp = default_fit_hyperparameters();
  hp.cpu_macro_block = c.block;
  hp.cpu_grain_size = 16;
  set_fit_hyperparameters(hp);
  const auto pr = make_problem(1003, 7, 2, 5.0);
  auto X = ConstMatrixView<double>::row_major(pr.X.data(), pr.n, pr.p);
  auto Y = ConstMatrixView<double>::row_major(pr.Y.data(), pr.n, pr.t);
  const auto ne = accumulate_normal_equations<double>(X, Y, c.weighted ? pr.w.data() : nullptr, 1,
                                                      c.center, c.threads);
  const auto ref = reference(pr, c.weighted, c.center);
  EXPECT_NEAR(ne.weight_sum, ref.weight_sum, 1e-9 * ref.weight_sum);
  EXPECT_LT(max_rel_diff(ne.gram, ref.gram), 1e-12);
  EXPECT_LT(max_rel_diff(ne.xty, ref.xty), 1e-12);
  if (c.center) {
    EXPECT_LT(max_rel_diff(ne.x_mean, ref.x_mean), 1e-13);
    EXPECT_LT(max_rel_diff(ne.y_mean, ref.y_mean), 1e-13);
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, Accumulate,
                         ::testing::Values(AccumulateCase{false, false, 1, 1024},
                                           AccumulateCase{false, true, 1, 64},
                                           AccumulateCase{true, true, 2, 100},
                                           AccumulateCase{true, false, 3, 7},
                                           AccumulateCase{true, true, 4, 1}));

TEST(Accumulate, WideDataUsesOneAccumulatorWithSameResult) {
  HyperparameterGuard guard;
  const auto pr = make_problem(500, 12, 3, -2.0);
  auto X = ConstMatrixView<double>::row_major(pr.X.data(), pr.n, pr.p);
  auto Y = ConstMatrixView<double>::row_major(pr.Y.data(), pr.n, pr.t);
  FitHyperparameters hp = default_fit_hyperparameters();
  hp.cpu_max_cols_batched = 4;  // 12 columns: "wide"
  hp.cpu_macro_block = 64;
  set_fit_hyperparameters(hp);
  const auto wide = accumulate_normal_equations<double>(X, Y, pr.w.data(), 1, true, 2);
  const auto ref = reference(pr, true, true);
  EXPECT_LT(max_rel_diff(wide.gram, ref.gram), 1e-12);
  EXPECT_LT(max_rel_diff(wide.xty, ref.xty), 1e-12);
}

TEST(Accumulate, LargeOffsetDoesNotCancel) {
  // |mean| = 1e8 with unit spread: the naive Σxxᵀ − n·x̄x̄ᵀ would lose every digit.
  const auto pr = make_problem(4000, 3, 1, 1e8);
  auto X = ConstMatrixView<double>::row_major(pr.X.data(), pr.n, pr.p);
  auto Y = ConstMatrixView<double>::row_major(pr.Y.data(), pr.n, pr.t);
  const auto ne = accumulate_normal_equations<double>(X, Y, nullptr, 1, true, 2);
  const auto ref = reference(pr, false, true);
  EXPECT_LT(max_rel_diff(ne.gram, ref.gram), 1e-6);
}

TEST(Accumulate, StridedAndFloatInput) {
  const auto pr = make_problem(300, 4, 1, 1.0);
  // Column-major copy of X, and float copies.
  std::vector<double> Xf(pr.n * pr.p);
  std::vector<float> X32(pr.n * pr.p), Y32(pr.n);
  for (std::int64_t i = 0; i < pr.n; ++i) {
    for (std::int64_t j = 0; j < pr.p; ++j) {
      Xf[j * pr.n + i] = pr.X[i * pr.p + j];
      X32[i * pr.p + j] = static_cast<float>(pr.X[i * pr.p + j]);
    }
    Y32[i] = static_cast<float>(pr.Y[i]);
  }
  auto Y = ConstMatrixView<double>::row_major(pr.Y.data(), pr.n, 1);
  const auto c_order = accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(pr.X.data(), pr.n, pr.p), Y, nullptr, 1, true, 1);
  const auto f_order = accumulate_normal_equations<double>(
      ConstMatrixView<double>(Xf.data(), pr.n, pr.p, 1, pr.n), Y, nullptr, 1, true, 1);
  EXPECT_EQ(c_order.gram, f_order.gram);
  const auto single = accumulate_normal_equations<float>(
      ConstMatrixView<float>::row_major(X32.data(), pr.n, pr.p),
      ConstMatrixView<float>::row_major(Y32.data(), pr.n, 1), nullptr, 1, true, 1);
  EXPECT_LT(max_rel_diff(single.gram, c_order.gram), 1e-6);
}

// Every layout of the same data gives the same statistics: to the bit where the BLAS
// calls see rows (C order and every other row read in place; reversed rows and every other
// column gathered), to roundoff for F order read in place (the BLAS's transposed calls sum
// in another order); for means within one standard deviation of zero (no shift: X is read
// in place where BLAS can address it) and far from it (shifted, always gathered).
TEST(Accumulate, EveryLayoutGivesTheSameStatisticsAtAnyOffset) {
  for (double offset : {0.0, 0.5, 3.0, 1e8}) {
    const auto pr = make_problem(2500, 5, 2, offset, 7);
    const std::int64_t n = pr.n, p = pr.p;
    std::vector<double> f_order(n * p), every_other_row(2 * n * p), every_other_col(2 * n * p),
        reversed(n * p);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < p; ++j) {
        const double v = pr.X[i * p + j];
        f_order[j * n + i] = v;
        every_other_row[2 * i * p + j] = v;
        every_other_col[i * 2 * p + 2 * j] = v;
        reversed[(n - 1 - i) * p + j] = v;
      }
    const std::vector<ConstMatrixView<double>> layouts{
        ConstMatrixView<double>::row_major(pr.X.data(), n, p),
        ConstMatrixView<double>(f_order.data(), n, p, 1, n),
        ConstMatrixView<double>(every_other_row.data(), n, p, 2 * p, 1),
        ConstMatrixView<double>(reversed.data() + (n - 1) * p, n, p, -p, 1),
        ConstMatrixView<double>(every_other_col.data(), n, p, 2 * p, 2)};
    auto Y = ConstMatrixView<double>::row_major(pr.Y.data(), n, pr.t);
    const auto ref = reference(pr, false, true);
    const auto first = accumulate_normal_equations<double>(layouts[0], Y, nullptr, 1, true, 2);
    EXPECT_LT(max_rel_diff(first.gram, ref.gram), offset > 10 ? 1e-7 : 1e-12) << offset;
    EXPECT_LT(max_rel_diff(first.xty, ref.xty), offset > 10 ? 1e-7 : 1e-12) << offset;
    EXPECT_LT(max_rel_diff(first.x_mean, ref.x_mean), 1e-13) << offset;
    for (std::size_t k = 1; k < layouts.size(); ++k) {
      const auto ne = accumulate_normal_equations<double>(layouts[k], Y, nullptr, 1, true, 2);
      if (k == 1 && offset < 1.0) {  // F order, read in place
        EXPECT_LT(max_rel_diff(ne.gram, first.gram), 1e-14) << offset;
        EXPECT_LT(max_rel_diff(ne.xty, first.xty), 1e-14) << offset;
        EXPECT_LT(max_rel_diff(ne.x_mean, first.x_mean), 1e-13) << offset;
        continue;
      }
      EXPECT_EQ(ne.gram, first.gram) << "offset " << offset << ", layout " << k;
      EXPECT_EQ(ne.xty, first.xty) << "offset " << offset << ", layout " << k;
      EXPECT_EQ(ne.x_mean, first.x_mean) << "offset " << offset << ", layout " << k;
    }
    // Unit weights: the same values gathered as √1·x, the same statistics.
    const std::vector<double> ones(static_cast<std::size_t>(n), 1.0);
    const auto weighted =
        accumulate_normal_equations<double>(layouts[0], Y, ones.data(), 1, true, 2);
    EXPECT_EQ(weighted.gram, first.gram) << offset;
    EXPECT_EQ(weighted.x_mean, first.x_mean) << offset;
  }
}

TEST(Accumulate, NonFiniteInputIsReported) {
  auto pr = make_problem(50, 3, 1, 0.0);
  pr.X[17] = std::nan("");
  const auto ne = accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(pr.X.data(), pr.n, pr.p),
      ConstMatrixView<double>::row_major(pr.Y.data(), pr.n, 1), nullptr, 1, true, 1);
  EXPECT_FALSE(all_finite(ne));
}

TEST(Accumulate, RejectsMismatchedShapes) {
  std::vector<double> X(6), Y(2);
  EXPECT_THROW(accumulate_normal_equations<double>(
                   ConstMatrixView<double>::row_major(X.data(), 3, 2),
                   ConstMatrixView<double>::row_major(Y.data(), 2, 1), nullptr, 1, true, 1),
               InvalidArgument);
}

TEST(Solve, RecoversCoefficientsAndIntercept) {
  const auto pr = make_problem(2000, 5, 2, 3.0, 7);
  const auto ne = accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(pr.X.data(), pr.n, pr.p),
      ConstMatrixView<double>::row_major(pr.Y.data(), pr.n, pr.t), nullptr, 1, true, 2);
  const auto s = solve_least_squares(ne, 1e-6);
  EXPECT_TRUE(s.used_cholesky);
  EXPECT_EQ(s.rank, 5);
  ASSERT_EQ(s.singular.size(), 5u);
  EXPECT_GE(s.singular[0], s.singular[4]);
  // Residuals are ~0.01: the fitted plane predicts within a few hundredths.
  for (std::int64_t i = 0; i < 20; ++i) {
    for (std::int64_t k = 0; k < pr.t; ++k) {
      double pred = s.intercept[k];
      for (std::int64_t j = 0; j < pr.p; ++j) pred += s.coef[k * pr.p + j] * pr.X[i * pr.p + j];
      EXPECT_NEAR(pred, pr.Y[i * pr.t + k], 0.06);
    }
  }
}

TEST(Solve, RankDeficientGivesMinimumNorm) {
  // Column 2 duplicates column 0: the minimum-norm solution splits the weight equally.
  const std::int64_t n = 200;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> N(0.0, 1.0);
  std::vector<double> X(n * 3), Y(n);
  for (std::int64_t i = 0; i < n; ++i) {
    X[i * 3] = N(rng), X[i * 3 + 1] = N(rng), X[i * 3 + 2] = X[i * 3];
    Y[i] = 2.0 * X[i * 3] - X[i * 3 + 1] + 1.0;
  }
  const auto ne = accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(X.data(), n, 3),
      ConstMatrixView<double>::row_major(Y.data(), n, 1), nullptr, 1, true, 1);
  const auto s = solve_least_squares(ne, 1e-6);
  EXPECT_FALSE(s.used_cholesky);
  EXPECT_EQ(s.rank, 2);
  EXPECT_NEAR(s.coef[0], 1.0, 1e-10);
  EXPECT_NEAR(s.coef[1], -1.0, 1e-10);
  EXPECT_NEAR(s.coef[2], 1.0, 1e-10);
  EXPECT_NEAR(s.intercept[0], 1.0, 1e-10);
}

TEST(Solve, RidgeCholeskyEqualsEigenAndHandlesPerTargetAlpha) {
  const auto pr = make_problem(300, 6, 3, 1.0, 11);
  const auto ne = accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(pr.X.data(), pr.n, pr.p),
      ConstMatrixView<double>::row_major(pr.Y.data(), pr.n, pr.t), pr.w.data(), 1, true, 1);
  for (const std::vector<double>& alpha :
       {std::vector<double>{0.5}, std::vector<double>{0.1, 10.0, 1e3}}) {
    const auto chol = solve_ridge(ne, alpha, RidgeSolver::cholesky);
    const auto eig = solve_ridge(ne, alpha, RidgeSolver::eigen);
    EXPECT_LT(max_rel_diff(chol.coef, eig.coef), 1e-10);
    EXPECT_LT(max_rel_diff(chol.intercept, eig.intercept), 1e-10);
  }
  // Larger alpha shrinks the coefficients of its own target only.
  const auto s = solve_ridge(ne, {0.1, 10.0, 1e6}, RidgeSolver::cholesky);
  double norm2 = 0;
  for (std::int64_t j = 0; j < pr.p; ++j) norm2 += s.coef[2 * pr.p + j] * s.coef[2 * pr.p + j];
  EXPECT_LT(std::sqrt(norm2), 0.1);
  EXPECT_THROW(solve_ridge(ne, {1.0, 2.0}, RidgeSolver::cholesky), InvalidArgument);
  EXPECT_THROW(solve_ridge(ne, {-1.0}, RidgeSolver::cholesky), InvalidArgument);
}

TEST(Solve, RidgeCholeskyReportsSingularSystem) {
  std::vector<double> X = {1, 1, 2, 2, 3, 3}, Y = {1, 2, 3};
  const auto ne = accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(X.data(), 3, 2),
      ConstMatrixView<double>::row_major(Y.data(), 3, 1), nullptr, 1, true, 1);
  EXPECT_THROW(solve_ridge(ne, {0.0}, RidgeSolver::cholesky), NumericalError);
  const auto s = solve_ridge(ne, {0.0}, RidgeSolver::eigen);
  EXPECT_NEAR(s.coef[0], 0.5, 1e-12);
  EXPECT_NEAR(s.coef[1], 0.5, 1e-12);
}

template <class T>
void check_predict_layouts() {
  const std::int64_t n = 70001, p = 5;
  std::vector<T> X(n * p), Xf(n * p), coef = {1, -2, 0.5, 3, 0.25}, coef3(3 * p), b = {1.5, -1, 0};
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < p; ++j) {
      X[i * p + j] = static_cast<T>((i * 7 + j * 3) % 11) - T(5);
      Xf[j * n + i] = X[i * p + j];
    }
  for (std::int64_t k = 0; k < 3; ++k)
    for (std::int64_t j = 0; j < p; ++j) coef3[k * p + j] = coef[j] * static_cast<T>(k + 1);
  std::vector<T> out(n), out_f(n), out3(n * 3), out3_f(n * 3);
  auto Xc = ConstMatrixView<T>::row_major(X.data(), n, p);
  auto XF = ConstMatrixView<T>(Xf.data(), n, p, 1, n);
  predict<T>(Xc, ConstMatrixView<T>::row_major(coef.data(), 1, p), b.data(),
             MatrixView<T>::row_major(out.data(), n, 1), 2);
  predict<T>(XF, ConstMatrixView<T>::row_major(coef.data(), 1, p), b.data(),
             MatrixView<T>::row_major(out_f.data(), n, 1), 2);
  predict<T>(Xc, ConstMatrixView<T>::row_major(coef3.data(), 3, p), b.data(),
             MatrixView<T>::row_major(out3.data(), n, 3), 2);
  predict<T>(XF, ConstMatrixView<T>::row_major(coef3.data(), 3, p), b.data(),
             MatrixView<T>::row_major(out3_f.data(), n, 3), 1);
  for (std::int64_t i = 0; i < n; i += 997) {
    T ref = b[0];
    for (std::int64_t j = 0; j < p; ++j) ref += X[i * p + j] * coef[j];
    EXPECT_EQ(out[i], ref);
    EXPECT_EQ(out_f[i], ref);
    for (std::int64_t k = 0; k < 3; ++k) {
      T r = b[k];
      for (std::int64_t j = 0; j < p; ++j) r += X[i * p + j] * coef3[k * p + j];
      EXPECT_EQ(out3[i * 3 + k], r);
      EXPECT_EQ(out3_f[i * 3 + k], r);
    }
  }
}

TEST(Predict, AllLayoutsDoubleAndFloat) {
  check_predict_layouts<double>();
  check_predict_layouts<float>();
}

TEST(Predict, ResultDoesNotDependOnThreadCount) {
  const auto pr = make_problem(100000, 9, 1, 0.0);
  std::vector<double> coef(9, 0.37), a(pr.n), b(pr.n);
  auto X = ConstMatrixView<double>::row_major(pr.X.data(), pr.n, pr.p);
  predict<double>(X, ConstMatrixView<double>::row_major(coef.data(), 1, 9), nullptr,
                  MatrixView<double>::row_major(a.data(), pr.n, 1), 1);
  predict<double>(X, ConstMatrixView<double>::row_major(coef.data(), 1, 9), nullptr,
                  MatrixView<double>::row_major(b.data(), pr.n, 1), 2);
  EXPECT_EQ(a, b);
}

// Wide X in a layout BLAS cannot read (reversed rows) is gathered a few rows at a time
// (a bounded buffer), and gives what the contiguous copy gives, for one and several targets.
TEST(Predict, WideGatheredInputMatchesContiguous) {
  const std::int64_t n = 700, p = 9000;  // 4 MiB of scratch holds 58 rows of 9000 doubles
  const auto pr = make_problem(n, p, 3, 0.0);
  std::vector<double> reversed(pr.X.size()), coef(3 * p);
  for (std::int64_t i = 0; i < n; ++i) std::copy_n(&pr.X[i * p], p, &reversed[(n - 1 - i) * p]);
  for (std::int64_t k = 0; k < 3 * p; ++k) coef[k] = 0.001 * static_cast<double>(k % 97) - 0.04;
  const std::vector<double> b = {0.5, -1.0, 2.0};
  for (std::int64_t t : {1, 3}) {
    std::vector<double> a(n * t), r(n * t);
    auto C = ConstMatrixView<double>::row_major(coef.data(), t, p);
    predict<double>(ConstMatrixView<double>::row_major(pr.X.data(), n, p), C, b.data(),
                    MatrixView<double>::row_major(a.data(), n, t), 2);
    predict<double>(ConstMatrixView<double>(&reversed[(n - 1) * p], n, p, -p, 1), C, b.data(),
                    MatrixView<double>::row_major(r.data(), n, t), 2);
    for (std::int64_t i = 0; i < n * t; ++i) EXPECT_NEAR(r[i], a[i], 1e-9 * (1 + std::abs(a[i])));
  }
}

TEST(Predict, RejectsWrongFeatureCount) {
  std::vector<double> X(6), coef(3), out(2);
  EXPECT_THROW(predict<double>(ConstMatrixView<double>::row_major(X.data(), 2, 3),
                               ConstMatrixView<double>::row_major(coef.data(), 1, 2), nullptr,
                               MatrixView<double>::row_major(out.data(), 2, 1), 1),
               InvalidArgument);
}

TEST(Hyperparameters, SetGetResetAndValidate) {
  HyperparameterGuard guard;
  FitHyperparameters hp = get_fit_hyperparameters();
  hp.cpu_macro_block = 77;
  set_fit_hyperparameters(hp);
  EXPECT_EQ(get_fit_hyperparameters().cpu_macro_block, 77);
  reset_fit_hyperparameters();
  EXPECT_EQ(get_fit_hyperparameters().cpu_macro_block,
            default_fit_hyperparameters().cpu_macro_block);
  hp.cpu_grain_size = 0;
  EXPECT_THROW(set_fit_hyperparameters(hp), InvalidArgument);
}

// Products of |x| ~ 1e-162 underflow double, of float32 blocks ~ 1e-25 underflow float,
// of 1e200 overflow: the kernel rescales by a power of two and the solvers unscale.
template <class T>
void expect_exact_fit_at_scale(double scale) {
  const std::int64_t n = 40, p = 3;
  std::vector<T> X(n * p), y(n);
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return (static_cast<double>(state >> 8) / (1 << 24)) - 0.5;
  };
  for (auto& v : X) v = static_cast<T>(next() * scale);
  for (std::int64_t i = 0; i < n; ++i)
    y[i] = static_cast<T>(1.0 * X[i * p] - 2.0 * X[i * p + 1] + 3.0 * X[i * p + 2] + 0.5 * scale);
  const auto ne = accumulate_normal_equations<T>(ConstMatrixView<T>::row_major(X.data(), n, p),
                                                 ConstMatrixView<T>::row_major(y.data(), n, 1),
                                                 nullptr, 1, true, 2);
  ASSERT_TRUE(all_finite(ne));
  const Solution s = solve_least_squares(ne, 1e-6);
  const double tol = sizeof(T) == 4 ? 1e-3 : 1e-8;
  EXPECT_EQ(s.rank, 3) << scale;
  EXPECT_NEAR(s.coef[0], 1.0, tol) << scale;
  EXPECT_NEAR(s.coef[1], -2.0, tol) << scale;
  EXPECT_NEAR(s.coef[2], 3.0, tol) << scale;
  EXPECT_NEAR(s.intercept[0] / scale, 0.5, tol) << scale;
  const Solution r = solve_ridge(ne, {0.0}, RidgeSolver::eigen);
  EXPECT_NEAR(r.coef[2], 3.0, tol) << scale;
}

TEST(NormalEquations, RescalesDataWhoseProductsLeaveTheRange) {
  for (double scale : {1e-300, 1e-200, 1e-162, 1e-100, 1.0, 1e100, 1e200, 1e300})
    expect_exact_fit_at_scale<double>(scale);
  for (double scale : {1e-30, 1e-25, 1e-18, 1.0, 1e18, 1e25, 1e30})
    expect_exact_fit_at_scale<float>(scale);
}

// The rescale decision is the largest gathered magnitude's: where the gram's diagonal
// cannot bound it (one value among zeros: max diag = max², far below n·bound), the exact
// maximum decides, at the edges of the range in both directions.
template <class T>
double x_scale_of_one_value_among_zeros(double value) {
  const std::int64_t n = 64, p = 2;
  std::vector<T> X(static_cast<std::size_t>(n * p), T(0)), y(static_cast<std::size_t>(n), T(0));
  X[17 * p + 1] = static_cast<T>(value);
  const auto ne = accumulate_normal_equations<T>(ConstMatrixView<T>::row_major(X.data(), n, p),
                                                 ConstMatrixView<T>::row_major(y.data(), n, 1),
                                                 nullptr, 1, false, 2);
  const double scaled = static_cast<double>(static_cast<T>(value)) * ne.x_scale;
  EXPECT_EQ(ne.gram[p * p - 1], scaled * scaled) << value;  // kept exactly, scaled or not
  return ne.x_scale;
}

TEST(NormalEquations, TheLargestMagnitudeDecidesTheRescaleWhereTheDiagonalCannot) {
  for (double v : {std::ldexp(1.0, -478), std::ldexp(1.0, -480), 1.5 * std::ldexp(1.0, 479),
                   -1.5 * std::ldexp(1.0, 479)})
    EXPECT_EQ(x_scale_of_one_value_among_zeros<double>(v), 1.0) << v;
  for (double v : {std::ldexp(1.0, -482), std::ldexp(1.0, 481), -std::ldexp(1.0, 500)})
    EXPECT_NE(x_scale_of_one_value_among_zeros<double>(v), 1.0) << v;
  for (double v : {std::ldexp(1.0, -50), 1.5 * std::ldexp(1.0, 49)})
    EXPECT_EQ(x_scale_of_one_value_among_zeros<float>(v), 1.0) << v;
  for (double v : {std::ldexp(1.0, -52), std::ldexp(1.0, 51), -std::ldexp(1.0, 60)})
    EXPECT_NE(x_scale_of_one_value_among_zeros<float>(v), 1.0) << v;
}

TEST(NormalEquations, MomentsOfScaledDataSayTheirScale) {
  std::vector<double> X{1e-200, 3e-200, -2e-200, 5e-200};
  const auto ne = accumulate_normal_equations<double>(
      ConstMatrixView<double>::row_major(X.data(), 4, 1),
      ConstMatrixView<double>(nullptr, 4, 0, 0, 0), nullptr, 1, true, 1);
  EXPECT_NE(ne.x_scale, 1.0);
  EXPECT_NEAR(ne.x_mean[0] / ne.x_scale, 1.75e-200, 1e-212);
  NormalEquations plain = ne;
  plain.x_scale = 1.0;
  EXPECT_THROW(merge(ne, plain), InvalidArgument);
}

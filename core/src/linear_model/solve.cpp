// Solving the p×p normal equations.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../common/blas.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"

namespace skaccel::linear_model {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

void check_solvable(const NormalEquations& ne) {
  const auto p = ne.n_features, t = ne.n_targets;
  if (p <= 0 || t <= 0 || ne.gram.size() != static_cast<std::size_t>(p * p) ||
      ne.xty.size() != static_cast<std::size_t>(p * t)) {
    throw InvalidArgument("inconsistent normal equations");
  }
}

// Eigenvalues of the Gram matrix at or below this count as zero: the Gram matrix carries
// relative rounding noise of order p·ε, so smaller eigenvalues are indistinguishable from 0.
double noise_floor(const std::vector<double>& eigenvalues_ascending, std::int64_t p) {
  const double lmax = std::max(0.0, eigenvalues_ascending.back());
  return lmax * static_cast<double>(p) * kEps;
}

// The solution of the unscaled problem from that of data scaled by x_scale, y_scale
// (NormalEquations): β = β'·x_scale / y_scale, b = b' / y_scale, singular = s' / x_scale.
void unscale(const NormalEquations& ne, Solution& s) {
  if (ne.x_scale == 1.0 && ne.y_scale == 1.0) return;
  for (auto& c : s.coef) c = c * ne.x_scale / ne.y_scale;
  for (auto& b : s.intercept) b /= ne.y_scale;
  for (auto& v : s.singular) v /= ne.x_scale;
}

void set_intercept(const NormalEquations& ne, Solution& s) {
  const auto p = ne.n_features, t = ne.n_targets;
  s.intercept.assign(static_cast<std::size_t>(t), 0.0);
  if (!ne.centered) return;
  for (std::int64_t k = 0; k < t; ++k) {
    double dot = 0.0;
    for (std::int64_t j = 0; j < p; ++j) dot += ne.x_mean[j] * s.coef[k * p + j];
    s.intercept[k] = ne.y_mean[k] - dot;
  }
}

// Column-major p×t copy of xty (row-major p×t).
std::vector<double> rhs_column_major(const NormalEquations& ne) {
  const auto p = ne.n_features, t = ne.n_targets;
  std::vector<double> B(static_cast<std::size_t>(p * t));
  for (std::int64_t j = 0; j < p; ++j)
    for (std::int64_t k = 0; k < t; ++k) B[k * p + j] = ne.xty[j * t + k];
  return B;
}

// coef (t×p row-major, i.e. p×t column-major) from the eigendecomposition:
// coef_k = V diag(f_k(λ)) Vᵀ xty_k with f_k(λ) = 1/(λ + α_k); for α_k = 0, eigenvalues at
// or below max(relative_cutoff·λ_max, noise floor) are dropped (minimum-norm solution).
std::vector<double> solve_eigen(const NormalEquations& ne, const std::vector<double>& alpha,
                                double relative_cutoff) {
  const auto p = ne.n_features, t = ne.n_targets;
  std::vector<double> V = ne.gram, w(static_cast<std::size_t>(p));
  const auto info = blas::syevd_upper(true, p, V.data(), p, w.data());
  if (info != 0)
    throw NumericalError("eigendecomposition failed (LAPACK dsyevd info=" + std::to_string(info) +
                         ")");
  const double cutoff = std::max(relative_cutoff * std::max(0.0, w.back()), noise_floor(w, p));
  const std::vector<double> B = rhs_column_major(ne);
  std::vector<double> Z(static_cast<std::size_t>(p * t));
  blas::gemm('T', 'N', p, t, p, 1.0, V.data(), p, B.data(), p, 0.0, Z.data(), p);
  for (std::int64_t k = 0; k < t; ++k) {
    const double a = alpha.empty() ? 0.0 : alpha[alpha.size() == 1 ? 0 : k];
    for (std::int64_t i = 0; i < p; ++i) {
      const bool keep = a > 0.0 ? w[i] + a > 0.0 : w[i] > cutoff;
      Z[k * p + i] = keep ? Z[k * p + i] / (w[i] + a) : 0.0;
    }
  }
  std::vector<double> coef(static_cast<std::size_t>(p * t));
  blas::gemm('N', 'N', p, t, p, 1.0, V.data(), p, Z.data(), p, 0.0, coef.data(), p);
  return coef;
}

// Solves (G + αI) X = B in place for the columns [k0, k1) of B; false if not PD.
bool cholesky_solve(const NormalEquations& ne, double alpha, std::vector<double>& B,
                    std::int64_t k0, std::int64_t k1) {
  const auto p = ne.n_features;
  std::vector<double> A = ne.gram;
  for (std::int64_t i = 0; i < p; ++i) A[i * p + i] += alpha;
  double max_diag = 0.0;
  for (std::int64_t i = 0; i < p; ++i) max_diag = std::max(max_diag, A[i * p + i]);
  if (blas::potrf_upper(p, A.data(), p) != 0) return false;
  // A factorization that succeeds only through rounding (a pivot at the noise level of
  // the Gram matrix) is singular in all but name: report it like a failed one.
  for (std::int64_t i = 0; i < p; ++i) {
    const double pivot = A[i * p + i] * A[i * p + i];
    if (!(pivot > static_cast<double>(p) * kEps * max_diag)) return false;
  }
  const auto info = blas::potrs_upper(p, k1 - k0, A.data(), p, B.data() + k0 * p, p);
  if (info != 0) throw NumericalError("dpotrs failed, info=" + std::to_string(info));
  return true;
}

}  // namespace

Solution solve_least_squares(const NormalEquations& ne, double tol) {
  check_solvable(ne);
  if (!(tol >= 0.0)) throw InvalidArgument("tol must be non-negative");
  const auto p = ne.n_features, t = ne.n_targets;
  Solution s;

  std::vector<double> E = ne.gram, w(static_cast<std::size_t>(p));
  const auto info = blas::syevd_upper(false, p, E.data(), p, w.data());
  if (info != 0)
    throw NumericalError(
        "eigenvalue computation failed (LAPACK dsyevd info=" + std::to_string(info) + ")");
  const double lambda_max = std::max(0.0, w.back());
  const double cutoff = std::max(tol * tol * lambda_max, noise_floor(w, p));
  const auto k = std::min(ne.n_samples, p);
  s.singular.resize(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < k; ++i) s.singular[i] = std::sqrt(std::max(0.0, w[p - 1 - i]));
  s.rank = 0;
  for (std::int64_t i = 0; i < k; ++i)
    if (w[p - 1 - i] > cutoff && lambda_max > 0.0) ++s.rank;

  if (s.rank == p) {
    std::vector<double> B = rhs_column_major(ne);
    if (cholesky_solve(ne, 0.0, B, 0, t)) {
      s.coef = std::move(B);  // column-major p×t is row-major t×p
      s.used_cholesky = true;
    }
  }
  if (!s.used_cholesky) s.coef = solve_eigen(ne, {}, tol * tol);
  set_intercept(ne, s);
  unscale(ne, s);
  return s;
}

Solution solve_ridge(const NormalEquations& ne, const std::vector<double>& alpha,
                     RidgeSolver solver) {
  check_solvable(ne);
  const auto t = ne.n_targets;
  if (alpha.size() != 1 && alpha.size() != static_cast<std::size_t>(t))
    throw InvalidArgument("alpha must have one value or one per target");
  for (double a : alpha)
    if (!(a >= 0.0) || !std::isfinite(a)) throw InvalidArgument("alpha must be finite and >= 0");
  if (ne.x_scale != 1.0 || ne.y_scale != 1.0) {
    // The same problem on scaled data: alpha·x_scale² (at most the largest double, where
    // the penalty wins and the coefficients are 0 anyway), then the solution unscaled.
    NormalEquations scaled = ne;
    scaled.x_scale = scaled.y_scale = 1.0;
    std::vector<double> a = alpha;
    for (double& v : a)
      v = std::min(v * ne.x_scale * ne.x_scale, std::numeric_limits<double>::max());
    Solution s = solve_ridge(scaled, a, solver);
    unscale(ne, s);
    return s;
  }
  if (solver == RidgeSolver::cholesky_or_eigen) {
    try {
      return solve_ridge(ne, alpha, RidgeSolver::cholesky);
    } catch (const NumericalError&) {
      return solve_ridge(ne, alpha, RidgeSolver::eigen);
    }
  }
  Solution s;
  if (solver == RidgeSolver::cholesky) {
    std::vector<double> B = rhs_column_major(ne);
    const bool same =
        std::all_of(alpha.begin(), alpha.end(), [&](double a) { return a == alpha.front(); });
    bool ok = true;
    if (same) {
      ok = cholesky_solve(ne, alpha.front(), B, 0, t);
    } else {
      for (std::int64_t k = 0; k < t && ok; ++k) ok = cholesky_solve(ne, alpha[k], B, k, k + 1);
    }
    if (!ok) throw NumericalError("the regularized Gram matrix is not positive definite");
    s.coef = std::move(B);
    s.used_cholesky = true;
  } else {
    s.coef = solve_eigen(ne, alpha, 0.0);
  }
  set_intercept(ne, s);
  return s;
}

}  // namespace skaccel::linear_model

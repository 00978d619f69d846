#pragma once
// Linear least squares and ridge regression by the normal equations.
//
// Fitting reduces (X, y, sample_weight) to its sufficient statistics -- weighted means,
// the centred cross-product XᵀWX and XᵀWy -- in one blocked, parallel pass, then solves
// a small p×p system. Statistics are accumulated in double whatever the input dtype.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "skaccel/matrix.hpp"
#include "skaccel/model.hpp"

namespace skaccel::linear_model {

// Process-level tuning knobs of the fit kernels. They change speed, never results beyond
// roundoff, and are never saved with a model.
struct FitHyperparameters {
  // Rows gathered into one thread-local block before each BLAS call.
  std::int64_t cpu_macro_block = 1024;
  // Minimum rows a thread must get before another thread is used.
  std::int64_t cpu_grain_size = 16384;
  // Above this many columns, each block goes to one multithreaded BLAS call instead of
  // per-thread accumulators (saves n_threads × p² memory and the final reduction).
  std::int64_t cpu_max_cols_batched = 4096;
};

FitHyperparameters default_fit_hyperparameters();
FitHyperparameters get_fit_hyperparameters();
// Throws InvalidArgument on non-positive values.
void set_fit_hyperparameters(const FitHyperparameters& hp);
void reset_fit_hyperparameters();

// Weighted sufficient statistics of a least-squares problem.
struct NormalEquations {
  std::int64_t n_samples = 0;
  std::int64_t n_features = 0;
  std::int64_t n_targets = 0;
  double weight_sum = 0.0;
  bool centered = false;
  std::vector<double> x_mean;  // p; zeros unless centered
  std::vector<double> y_mean;  // t; zeros unless centered
  std::vector<double> gram;    // p×p, full symmetric, row-major: Σ w (x-x̄)(x-x̄)ᵀ
  std::vector<double> xty;     // p×t, row-major:                Σ w (x-x̄)(y-ȳ)ᵀ
  // The statistics are of (x·x_scale, y·y_scale): 1 unless the data's magnitude would
  // under- or overflow the products (then a power of two). The solvers return solutions
  // of the unscaled problem; other consumers divide (x_mean by x_scale, gram by x_scale²).
  double x_scale = 1.0, y_scale = 1.0;
};

// X: n×p, Y: n×t (t may be 0: the moments of X alone, as covariance and PCA need),
// sample_weight: n non-negative weights with the given stride, or
// nullptr for unit weights. Any strides are accepted; nothing is copied wholesale.
// Non-finite input yields non-finite statistics (callers check, see all_finite()). Data
// whose products would leave the range of the compute type (|x| below ~1e-144 or above
// ~1e144 in float64, ~1e-15 / 1e15 for float32 blocks) is accumulated scaled (x_scale,
// y_scale) in a second pass.
template <class T>
NormalEquations accumulate_normal_equations(ConstMatrixView<T> X, ConstMatrixView<T> Y,
                                            const T* sample_weight,
                                            std::int64_t sample_weight_stride, bool center,
                                            int n_threads);

bool all_finite(const NormalEquations& ne);

// The statistics of the union of two row sets (mergeable: partial fits, batches,
// distributed workers). Exact up to rounding; the order of merges changes only rounding.
NormalEquations merge(const NormalEquations& a, const NormalEquations& b);

struct Solution {
  std::vector<double> coef;       // t×p, row-major
  std::vector<double> intercept;  // t; zeros unless the statistics were centred
  std::vector<double> singular;   // min(n, p) singular values of √W(X - x̄), descending
  std::int64_t rank = 0;
  bool used_cholesky = false;
};

// Minimum-norm least squares. Singular values below tol × the largest count as zero,
// as in scipy.linalg.lstsq(cond=tol). Cholesky when the system has full rank; otherwise
// the pseudo-inverse through the eigendecomposition of the Gram matrix.
Solution solve_least_squares(const NormalEquations& ne, double tol);

// Ridge: (XᵀWX + αI) β = XᵀWy, with one α or one per target.
// cholesky: throws NumericalError if the system is not positive definite (α = 0 on
// rank-deficient data).
// eigen: the same solution through the eigendecomposition (scikit-learn's "svd" solver
// in exact arithmetic), valid for any α ≥ 0 (minimum norm when α = 0).
// cholesky_or_eigen: Cholesky, switching to eigen where Cholesky fails, as scikit-learn
// switches from "cholesky" to "svd" (Solution::used_cholesky tells which ran).
enum class RidgeSolver { cholesky, eigen, cholesky_or_eigen };
Solution solve_ridge(const NormalEquations& ne, const std::vector<double>& alpha,
                     RidgeSolver solver);

// --- fits that return their model's fields, by declared name ---------------------------

// The names under which the running moments are declared (incremental model types store
// them) and exchanged with Python.
namespace moment_fields {
inline constexpr const char* n_samples = "n_samples_seen_";
inline constexpr const char* weight_sum = "_weight_sum";
inline constexpr const char* x_mean = "_x_mean";
inline constexpr const char* y_mean = "_y_mean";
inline constexpr const char* gram = "_gram";
inline constexpr const char* xty = "_xty";
}  // namespace moment_fields

// The moments as fields (float64 arrays; n_samples_seen_ an integer, _weight_sum a float);
// _y_mean and _xty only when there are targets; _x_scale and _y_scale (floats) only when
// the moments are of scaled data (NormalEquations::x_scale).
model::Fields to_fields(const NormalEquations& ne);
// The moments held by a state's fields (as to_fields() writes them; without _y_mean and
// _xty: no targets). InvalidArgument when they are missing or inconsistent.
NormalEquations moments_from(const model::State& state, bool centered);

// LinearRegression's fit: coef_ (t×p), intercept_ (t), singular_ (min(n, p)) in T, rank_.
// nullopt when the statistics are not finite (NaN/inf in the input, or overflow).
template <class T>
std::optional<model::Fields> fit_least_squares(ConstMatrixView<T> X, ConstMatrixView<T> Y,
                                               const T* sample_weight,
                                               std::int64_t sample_weight_stride,
                                               bool fit_intercept, double tol, int n_threads);

// Ridge's fit: coef_ (t×p), intercept_ (t) in T, solver_ ("cholesky" or "svd", the name of
// the solver that ran, as scikit-learn reports it). nullopt as above.
template <class T>
std::optional<model::Fields> fit_ridge(ConstMatrixView<T> X, ConstMatrixView<T> Y,
                                       const T* sample_weight, std::int64_t sample_weight_stride,
                                       bool fit_intercept, const std::vector<double>& alpha,
                                       RidgeSolver solver, int n_threads);

// What LinearRegression's and Ridge's fits compute from the moments of all their data
// (the same fields, in T): the finishing step of a fit whose moments were reduced
// elsewhere (batches, processes) and merged.
template <class T>
model::Fields least_squares_fields(const NormalEquations& ne, double tol);
template <class T>
model::Fields ridge_fields(const NormalEquations& ne, const std::vector<double>& alpha,
                           RidgeSolver solver);

// The least-squares (alpha empty) or ridge solution of accumulated moments: coef_ (t×p)
// and intercept_ (t), float64. Ridge switches from Cholesky to eigen where needed.
model::Fields solve_moments(const NormalEquations& ne, const std::vector<double>& alpha,
                            double tol);

// out (n×t) = X (n×p) · coefᵀ (coef: t×p) + intercept (t, or nullptr for zero).
template <class T>
void predict(ConstMatrixView<T> X, ConstMatrixView<T> coef, const T* intercept, MatrixView<T> out,
             int n_threads);

}  // namespace skaccel::linear_model

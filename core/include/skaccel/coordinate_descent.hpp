#pragma once
// Coordinate descent for the elastic net (ElasticNet, Lasso), as scikit-learn's
// sklearn/linear_model/_cd_fast.pyx runs it: the same cyclic or random coordinate order
// (its xorshift stream from the same seed), gap safe screening, the same stopping rule
// (a duality gap check when the largest coordinate step is small relative to the largest
// coefficient, or at the last iteration), so n_iter_ and dual_gap_ mean the same.
//
// The problem solved is scikit-learn's cd_fast objective
//     P(w) = 1/2 ||y − Z w||² + l1 ||w||_1 + l2/2 ||w||²
// with Z = √s ⊙ (X − 1 x̄ᵀ) and y the correspondingly centred and weighted target
// (s the sample weights rescaled to sum to n_samples). Two paths give the same iterates in
// exact arithmetic:
// - the Gram path works on Q = ZᵀZ and q = Zᵀy (from the blocked normal-equations pass:
//   one syrk over X, then every epoch costs O(p · active)), for n_samples ≫ n_features;
// - the residual path keeps R = y − Z w and reads X column by column (O(n · active) per
//   epoch, X read in place: Z is never formed).
// Everything is computed in double whatever X's dtype.
#include <cstdint>
#include <optional>
#include <vector>

#include "skaccel/matrix.hpp"

namespace skaccel::linear_model {

struct EnetOptions {
  double l1 = 0.0;  // alpha · l1_ratio · n_samples
  double l2 = 0.0;  // alpha · (1 − l1_ratio) · n_samples
  std::int64_t max_iter = 1000;
  double tol = 1e-4;  // relative: the gap is compared with tol · ||y||²
  bool positive = false;
  bool random = false;     // selection="random"
  std::uint32_t seed = 0;  // scikit-learn's rng.randint(0, 2**31 − 1)
};

struct EnetResult {
  std::vector<double> coef;  // p
  double gap = 0.0;          // the last duality gap computed (of the cd_fast objective)
  double tol = 0.0;          // tol · ||y||², what the gap was compared with
  std::int64_t n_iter = 0;   // as scikit-learn counts: 0 when w0 already converged
  bool converged = false;
};

// Gram path: Q (p×p, row-major, symmetric), q (p), y_norm2 = ||y||². coef0: the start.
EnetResult enet_gram(const double* Q, const double* q, double y_norm2, std::int64_t p,
                     std::vector<double> coef0, const EnetOptions& options);

// Residual path on y (n, one target, any stride) and X (n×p, any strides; columns are read
// contiguously when X is F-ordered). x_mean (p) and y_mean are subtracted (zeros for no
// intercept); sample_weight (n, already rescaled to sum to n) or nullptr for unit weights.
// n_threads parallelises the passes over all columns (norms, the gap's Xᵀ R) by column.
template <class T>
EnetResult enet_residual(ConstMatrixView<T> X, const T* y, std::int64_t y_stride,
                         const double* x_mean, double y_mean, const T* sample_weight,
                         std::int64_t sample_weight_stride, std::vector<double> coef0,
                         const EnetOptions& options, int n_threads = 1);

// Σ_i s_i (y_i − ȳ)² for each column of Y (ȳ: y_mean, zeros without intercept).
template <class T>
std::vector<double> weighted_centered_norms(ConstMatrixView<T> Y, const double* y_mean,
                                            const T* sample_weight,
                                            std::int64_t sample_weight_stride);

// ElasticNet's fit of every column of Y (scikit-learn's ElasticNet.fit: one path per
// target from coef0's row, each with its own seed). sample_weight must already sum to
// n_samples (scikit-learn rescales it so). gram: the Gram path (one blocked pass for the
// weighted, centred cross-products, shared by the targets), else the residual path.
// nullopt when X, y or the weights hold non-finite values.
struct ElasticNetFit {
  std::int64_t n_targets = 0, n_features = 0;
  std::vector<double> coef;         // t×p, row-major
  std::vector<double> x_mean;       // p: the weighted means subtracted (zeros without intercept)
  std::vector<double> y_mean;       // t
  std::vector<EnetResult> targets;  // per target (coef moved out)
};

template <class T>
std::optional<ElasticNetFit> fit_elastic_net(ConstMatrixView<T> X, ConstMatrixView<T> Y,
                                             const T* sample_weight,
                                             std::int64_t sample_weight_stride, bool fit_intercept,
                                             bool gram, const std::vector<double>& coef0,
                                             const std::vector<std::uint32_t>& seeds,
                                             EnetOptions options, int n_threads);

}  // namespace skaccel::linear_model

#pragma once
// The logistic losses of scikit-learn's LogisticRegression, fused with the passes over X
// that its solvers need: loss and gradient (lbfgs), Hessian-vector products (newton-cg),
// the full Hessian of the binary loss (newton-cholesky).
//
// The losses are scikit-learn's HalfBinomialLoss and HalfMultinomialLoss, with the same
// pointwise formulas and cut-offs (sklearn/_loss/_loss.pyx), evaluated in double whatever
// X's dtype. Every function returns sums over the rows, without the 1/Σs normalisation and
// the L2 penalty that scikit-learn's LinearModelLoss adds: the caller applies them, so the
// objective and its scaling are scikit-learn's. One pass reads each row block of X twice
// while it is in cache (raw predictions, then the gradient), never X as a whole.
#include <cstdint>

#include "skaccel/matrix.hpp"

namespace skaccel::linear_model {

// The rows of a logistic problem. coef arrays are K×dof row-major, dof = p + fit_intercept
// (the intercept last), K = 1 for a binary problem (raw prediction of classes_[1]) and
// K = n_classes for a multinomial one.
template <class T>
struct LogisticProblem {
  ConstMatrixView<T> X;              // n×p, any strides
  const T* y = nullptr;              // binary: 1 for classes_[1], else 0; multinomial: index
  std::int64_t y_stride = 1;         // in elements
  const T* sample_weight = nullptr;  // n weights (class weights applied), or unit weights
  std::int64_t sample_weight_stride = 1;
  std::int64_t n_classes = 2;  // 2: binary; ≥ 3: multinomial
  bool fit_intercept = true;

  std::int64_t raw_columns() const { return n_classes == 2 ? 1 : n_classes; }
  std::int64_t dof() const { return X.cols + (fit_intercept ? 1 : 0); }
};

// Σ s_i loss_i at coef; gradient (K×dof, may be null) = Σ s_i ∂loss_i/∂coef. pointwise
// (may be null) receives what a Hessian-vector product needs: binary, the n values
// s_i·h_i (h_i the second derivative of the loss at row i); multinomial, the n×K predicted
// probabilities (row-major, without the weights). Throws InvalidArgument on inconsistent
// shapes or labels outside the classes.
template <class T>
double logistic_loss_gradient(const LogisticProblem<T>& problem, const double* coef,
                              double* gradient, double* pointwise, int n_threads);

// out (K×dof) = Σ_i (Hessian of s_i loss_i) · v (v: K×dof), from the pointwise values of
// logistic_loss_gradient at the point of the Hessian.
template <class T>
void logistic_hessian_product(const LogisticProblem<T>& problem, const double* pointwise,
                              const double* v, double* out, int n_threads);

// Binary problems: gradient (dof) and Hessian (dof×dof, full, row-major) at coef, both
// Σ over rows without normalisation or penalty, and the total weight of the rows whose
// second derivative is not positive (scikit-learn's hessian_warning counts them). Returns
// Σ s_i (the rows' total weight).
template <class T>
double logistic_gradient_hessian(const LogisticProblem<T>& problem, const double* coef,
                                 double* gradient, double* hessian, double* nonpositive_weight,
                                 int n_threads);

// Multinomial problems: gradient (K×dof, row-major) and the full Hessian (m×m, m = K·dof,
// row-major) at coef, in scikit-learn's order of the parameters (classes contiguous per
// feature: parameter (k, j) at j·K + k, the intercepts last), Σ over rows without
// normalisation or penalty. Block (k, l) is Σ_i s_i p_ik (δ_kl − p_il) x̃_i x̃_iᵀ, with the
// weights formed exactly as scikit-learn forms them (no difference of two sums). Returns
// Σ s_i. Memory: K(K+1)/2 accumulators of dof² doubles per thread.
template <class T>
double logistic_multinomial_hessian(const LogisticProblem<T>& problem, const double* coef,
                                    double* gradient, double* hessian, int n_threads);

}  // namespace skaccel::linear_model

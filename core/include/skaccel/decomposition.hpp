#pragma once
// Dense eigen- and singular-value decompositions for PCA (LAPACK underneath).
#include <cstdint>
#include <vector>

#include "skaccel/matrix.hpp"

namespace skaccel::decomposition {

struct Eigen {
  std::vector<double> values;   // ascending
  std::vector<double> vectors;  // n×n row-major; column j is the eigenvector of values[j]
};

// Eigendecomposition of a symmetric n×n matrix (row-major; only symmetry is assumed).
Eigen symmetric_eigen(std::vector<double> A, std::int64_t n);

// The k largest eigenpairs only (LAPACK dsyevr): values ascending (k), vectors n×k
// row-major with column j the eigenvector of values[j]. Much cheaper than all n when k ≪ n.
Eigen symmetric_eigen_top(std::vector<double> A, std::int64_t n, std::int64_t k);

struct RightSingular {
  std::vector<double> singular_values;  // k = min(n, p), descending
  std::vector<double> vt;               // k×p row-major: the right singular vectors
};

// SVD of (X − mean) in double precision, without its left vectors; X is copied once
// (the only copy of X any kernel makes: LAPACK overwrites its input).
template <class T>
RightSingular centered_right_singular(ConstMatrixView<T> X, const std::vector<double>& mean,
                                      int n_threads);

// PCA's projection: out (n×k) = (X − mean) · componentsᵀ, divided column-wise by scale
// (k values; nullptr: no whitening). Computed as X·componentsᵀ + offset with
// offset = −components·mean (summed in index order), so Python's transform and the C++
// model loader, which both call this, agree bit for bit.
template <class T>
void pca_transform(ConstMatrixView<T> X, ConstMatrixView<T> components, const T* mean,
                   const T* scale, MatrixView<T> out, int n_threads);

// The whitening scale of PCA: sqrt(explained_variance), clipped below at the dtype's eps.
template <class T>
std::vector<T> whitening_scale(const T* explained_variance, std::int64_t k);

}  // namespace skaccel::decomposition

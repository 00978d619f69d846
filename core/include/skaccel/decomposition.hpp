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

}  // namespace skaccel::decomposition

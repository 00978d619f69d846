#pragma once
// Pairwise distances between the rows of two matrices, tile by tile: a tile of products by
// one gemm (or a tile of absolute differences), turned into distances while it is in
// cache and written to the output, so no other n×m intermediate is ever held.
#include <cstdint>

#include "skaccel/matrix.hpp"

namespace skaccel::neighbors {

enum class DotMetric {
  // sqrt(max(((−2 x·y) + ‖x‖²) + ‖y‖², 0)) as scikit-learn's euclidean_distances sums it
  // (the square without the root when `squared`); products and sums in double, float32
  // rows converted as scikit-learn upcasts them, the result rounded to T.
  euclidean,
  // clip(1 − x·y, 0, 2), scikit-learn's cosine_distances of rows the caller normalised;
  // products in T (scikit-learn's float32 path multiplies in float32).
  cosine,
};

// out(i, j) = the metric between row i of X and row j of Y (out: X.rows × Y.rows, any
// strides). x_norms / y_norms: the rows' squared norms (euclidean only; in double).
// same: X and Y are one matrix, whose diagonal scikit-learn sets to 0.
template <class T>
void dot_distances(ConstMatrixView<T> X, ConstMatrixView<T> Y, const double* x_norms,
                   const double* y_norms, DotMetric metric, bool squared, bool same,
                   MatrixView<T> out, int n_threads);

// out(i, j) = Σ_f |X(i, f) − Y(j, f)| summed in double in feature order, as SciPy's
// cdist(metric="cityblock") sums it, rounded to Out.
template <class T, class Out>
void manhattan_distances(ConstMatrixView<T> X, ConstMatrixView<T> Y, MatrixView<Out> out,
                         int n_threads);

}  // namespace skaccel::neighbors

// LocalOutlierFactor's arithmetic (skaccel/neighbors.hpp): reachability densities and the
// opposite of the outlier factor, in scikit-learn's dtypes and NumPy's order of sums, from
// the neighbours a search found.
#include <cstdint>
#include <type_traits>
#include <vector>

#include "rows.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"

namespace skaccel::neighbors {

using detail::for_rows;
using detail::numpy_sum;

namespace {

void check_indices(ConstMatrixView<std::int64_t> indices, std::int64_t n_fit) {
  if (indices.cols < 1) throw InvalidArgument("LocalOutlierFactor needs at least one neighbour");
  for (std::int64_t i = 0; i < indices.rows; ++i)
    for (std::int64_t a = 0; a < indices.cols; ++a)
      if (indices(i, a) < 0 || indices(i, a) >= n_fit)
        throw InvalidArgument("a neighbour index is out of range");
}

}  // namespace

template <class D, class M>
void local_reachability_density(ConstMatrixView<double> distances,
                                ConstMatrixView<std::int64_t> indices,
                                ConstMatrixView<M> distances_fit, std::common_type_t<D, M>* out,
                                int n_threads) {
  using A = std::common_type_t<D, M>;
  if (distances.rows != indices.rows || distances.cols != indices.cols)
    throw InvalidArgument("distances and indices must have one shape");
  if (distances_fit.cols != indices.cols)
    throw InvalidArgument("the training rows' distances must have one column per neighbour");
  check_indices(indices, distances_fit.rows);
  const std::int64_t k = indices.cols, last = k - 1;
  // 1e-10 as NumPy adds a Python float to an array of A (rounded to A).
  const A epsilon = static_cast<A>(1e-10);
  for_rows(indices.rows, n_threads, [&](std::int64_t begin, std::int64_t end) {
    std::vector<A> reach(static_cast<std::size_t>(k));
    for (std::int64_t i = begin; i < end; ++i) {
      for (std::int64_t a = 0; a < k; ++a) {
        const A d = static_cast<A>(static_cast<D>(distances(i, a)));
        const A k_distance = static_cast<A>(distances_fit(indices(i, a), last));
        reach[a] = d < k_distance ? k_distance : d;  // np.maximum (no NaN distances)
      }
      const A mean = numpy_sum(reach.data(), k) / static_cast<A>(k);
      out[i] = static_cast<A>(1) / (mean + epsilon);
    }
  });
}

template <class M, class A>
void local_outlier_scores(ConstMatrixView<std::int64_t> indices, const M* lrd_fit,
                          std::int64_t n_fit, const A* lrd, A* out, int n_threads) {
  static_assert(std::is_same_v<std::common_type_t<M, A>, A>, "A holds M");
  check_indices(indices, n_fit);
  const std::int64_t k = indices.cols;
  for_rows(indices.rows, n_threads, [&](std::int64_t begin, std::int64_t end) {
    std::vector<A> ratio(static_cast<std::size_t>(k));
    for (std::int64_t i = begin; i < end; ++i) {
      for (std::int64_t a = 0; a < k; ++a)
        ratio[a] = static_cast<A>(lrd_fit[indices(i, a)]) / lrd[i];
      out[i] = -(numpy_sum(ratio.data(), k) / static_cast<A>(k));
    }
  });
}

#define SKACCEL_INSTANTIATE_LRD(D, M)                                             \
  template void local_reachability_density<D, M>(                                 \
      ConstMatrixView<double>, ConstMatrixView<std::int64_t>, ConstMatrixView<M>, \
      std::common_type_t<D, M>*, int);
SKACCEL_INSTANTIATE_LRD(float, float)
SKACCEL_INSTANTIATE_LRD(float, double)
SKACCEL_INSTANTIATE_LRD(double, float)
SKACCEL_INSTANTIATE_LRD(double, double)
#undef SKACCEL_INSTANTIATE_LRD

template void local_outlier_scores<float, float>(ConstMatrixView<std::int64_t>, const float*,
                                                 std::int64_t, const float*, float*, int);
template void local_outlier_scores<float, double>(ConstMatrixView<std::int64_t>, const float*,
                                                  std::int64_t, const double*, double*, int);
template void local_outlier_scores<double, double>(ConstMatrixView<std::int64_t>, const double*,
                                                   std::int64_t, const double*, double*, int);

}  // namespace skaccel::neighbors

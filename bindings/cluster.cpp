// k-means and DBSCAN (skaccel/cluster.hpp): conversion only.
#include "skaccel/cluster.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace {

template <class T>
using Centers = nb::ndarray<const T, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

template <class T>
void check_inputs(const In2D<T>& X, const std::optional<In1D<T>>& sw, const Centers<T>& centers) {
  if (sw && sw->shape(0) != X.shape(0)) throw InvalidArgument("sample_weight has the wrong length");
  if (centers.shape(1) != X.shape(1))
    throw InvalidArgument("the centers and X have different numbers of features");
}

// {cluster_centers_ (k, p) in T, labels_ (n) int32, inertia, n_iter} of one Lloyd run on
// X − offset from centers_init (in the same shifted coordinates).
template <class T>
nb::dict kmeans_lloyd(In2D<T> X, std::optional<In1D<T>> offset, std::optional<In1D<T>> sw,
                      Centers<T> centers_init, std::int64_t max_iter, double tol, int n_threads) {
  check_inputs(X, sw, centers_init);
  if (offset && (offset->shape(0) != X.shape(1) || offset->stride(0) != 1))
    throw InvalidArgument("offset must be a contiguous vector of n_features values");
  const auto k = static_cast<std::int64_t>(centers_init.shape(0));
  cluster::LloydFit<T> fit;
  {
    nb::gil_scoped_release release;
    fit =
        cluster::lloyd<T>(view<T>(X), offset ? offset->data() : nullptr, sw ? sw->data() : nullptr,
                          sw ? sw->stride(0) : 1, centers_init.data(), k, max_iter, tol, n_threads);
  }
  nb::dict out;
  out["cluster_centers_"] = adopt(std::move(fit.centers), {static_cast<size_t>(k), X.shape(1)});
  out["labels_"] = adopt(std::move(fit.labels), {X.shape(0)});
  out["inertia"] = fit.inertia;
  out["n_iter"] = fit.n_iter;
  return out;
}

// Σ w ‖x − nearest center‖² (KMeans.score's inertia), rows assigned as predict assigns them.
template <class T>
double kmeans_inertia(In2D<T> X, std::optional<In1D<T>> sw, Centers<T> centers, int n_threads) {
  check_inputs(X, sw, centers);
  const auto k = static_cast<std::int64_t>(centers.shape(0));
  nb::gil_scoped_release release;
  std::vector<std::int32_t> labels(X.shape(0));
  const T* w = sw ? sw->data() : nullptr;
  const std::int64_t ws = sw ? sw->stride(0) : 1;
  cluster::assign_and_sum<T>(view<T>(X), nullptr, w, ws, centers.data(), k, labels.data(), nullptr,
                             n_threads);
  return cluster::inertia<T>(view<T>(X), nullptr, w, ws, centers.data(), k, labels.data(),
                             n_threads);
}

// The steps of one Lloyd iteration, for fits that merge them across processes
// (skaccel._distributed): the core's lloyd runs the same functions on one process.

template <class T>
const T* offset_of(const std::optional<In1D<T>>& offset, const In2D<T>& X) {
  if (!offset) return nullptr;
  if (offset->shape(0) != X.shape(1) || offset->stride(0) != 1)
    throw InvalidArgument("offset must be a contiguous vector of n_features values");
  return offset->data();
}

using Labels = nb::ndarray<std::int32_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using ConstLabels = nb::ndarray<const std::int32_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

// labels (n, written) of the nearest centers of X − offset; {sums (k, p), weights (k)}.
template <class T>
nb::dict kmeans_assign(In2D<T> X, std::optional<In1D<T>> offset, std::optional<In1D<T>> sw,
                       Centers<T> centers, Labels labels, int n_threads) {
  check_inputs(X, sw, centers);
  const T* shift = offset_of(offset, X);
  if (labels.shape(0) != X.shape(0)) throw InvalidArgument("labels must have one value per row");
  const auto k = static_cast<std::int64_t>(centers.shape(0));
  cluster::LloydSums sums;
  {
    nb::gil_scoped_release release;
    cluster::assign_and_sum<T>(view<T>(X), shift, sw ? sw->data() : nullptr, sw ? sw->stride(0) : 1,
                               centers.data(), k, labels.data(), &sums, n_threads);
  }
  nb::dict out;
  out["sums"] = adopt(std::move(sums.sums), {static_cast<size_t>(k), X.shape(1)});
  out["weights"] = adopt(std::move(sums.weights), {static_cast<size_t>(k)});
  return out;
}

// (rows int64, squared distances) of the `count` rows of X − offset farthest from their
// centers.
template <class T>
nb::tuple kmeans_farthest(In2D<T> X, std::optional<In1D<T>> offset, Centers<T> centers,
                          ConstLabels labels, std::int64_t count, int n_threads) {
  check_inputs(X, std::optional<In1D<T>>(), centers);
  const T* shift = offset_of(offset, X);
  if (labels.shape(0) != X.shape(0)) throw InvalidArgument("labels must have one value per row");
  cluster::FarthestRows far;
  {
    nb::gil_scoped_release release;
    far = cluster::farthest_rows<T>(view<T>(X), shift, centers.data(),
                                    static_cast<std::int64_t>(centers.shape(0)), labels.data(),
                                    count, n_threads);
  }
  const size_t m = far.rows.size();
  return nb::make_tuple(adopt(std::move(far.rows), {m}), adopt(std::move(far.distances), {m}));
}

// (new centers (k, p) in T, center shift) from merged sums and weights.
template <class T>
nb::tuple kmeans_average(
    nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu> sums,
    nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu> weights,
    Centers<T> centers_old) {
  const auto k = static_cast<std::int64_t>(centers_old.shape(0));
  const auto p = static_cast<std::int64_t>(centers_old.shape(1));
  if (static_cast<std::int64_t>(sums.shape(0)) != k ||
      static_cast<std::int64_t>(sums.shape(1)) != p ||
      static_cast<std::int64_t>(weights.shape(0)) != k)
    throw InvalidArgument("the sums do not match the centers");
  cluster::LloydSums merged;
  merged.sums.assign(sums.data(), sums.data() + k * p);
  merged.weights.assign(weights.data(), weights.data() + k);
  std::vector<T> centers(static_cast<size_t>(k * p));
  const double shift =
      cluster::average_centers<T>(merged, centers_old.data(), k, p, centers.data());
  return nb::make_tuple(adopt(std::move(centers), {static_cast<size_t>(k), static_cast<size_t>(p)}),
                        shift);
}

// Σ w ‖x − offset − centers[label]‖² for the given labels.
template <class T>
double kmeans_labelled_inertia(In2D<T> X, std::optional<In1D<T>> offset, std::optional<In1D<T>> sw,
                               Centers<T> centers, ConstLabels labels, int n_threads) {
  check_inputs(X, sw, centers);
  const T* shift = offset_of(offset, X);
  if (labels.shape(0) != X.shape(0)) throw InvalidArgument("labels must have one value per row");
  nb::gil_scoped_release release;
  return cluster::inertia<T>(view<T>(X), shift, sw ? sw->data() : nullptr, sw ? sw->stride(0) : 1,
                             centers.data(), static_cast<std::int64_t>(centers.shape(0)),
                             labels.data(), n_threads);
}

using Weights = nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

// (labels_ int64, is_core uint8) of DBSCAN on the rows of X: Euclidean ε-neighbourhoods
// by scikit-learn's tree or brute-force arithmetic, then the clusters of core rows.
template <class T>
nb::tuple dbscan(In2D<T> X, double eps, double min_samples, std::optional<Weights> sw,
                 const std::string& arithmetic, std::int64_t leaf_size, int n_threads) {
  const neighbors::RadiusArithmetic kind = neighbors::radius_arithmetic(arithmetic);
  const auto n = static_cast<std::int64_t>(X.shape(0));
  if (sw && static_cast<std::int64_t>(sw->shape(0)) != n)
    throw InvalidArgument("sample_weight has the wrong length");
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
  std::vector<std::uint8_t> is_core(static_cast<std::size_t>(n));
  const ConstMatrixView<T> x = view<T>(X);
  {
    nb::gil_scoped_release release;
    const neighbors::Neighborhoods hoods =
        neighbors::radius_neighborhoods<T>(x, x, eps, kind, leaf_size, n_threads);
    cluster::dbscan_labels(hoods.indptr.data(), hoods.indices.data(), n, sw ? sw->data() : nullptr,
                           min_samples, labels.data(), is_core.data());
  }
  const auto rows = static_cast<size_t>(n);
  return nb::make_tuple(adopt(std::move(labels), {rows}), adopt(std::move(is_core), {rows}));
}

}  // namespace

SKACCEL_BINDINGS(cluster) {
  m.def("dbscan", &dbscan<double>, "X"_a, "eps"_a, "min_samples"_a, "sample_weight"_a.none(),
        "arithmetic"_a, "leaf_size"_a, "n_threads"_a);
  m.def("dbscan", &dbscan<float>, "X"_a, "eps"_a, "min_samples"_a, "sample_weight"_a.none(),
        "arithmetic"_a, "leaf_size"_a, "n_threads"_a);
  m.def("kmeans_lloyd", &kmeans_lloyd<double>, "X"_a, "offset"_a.none(), "sample_weight"_a.none(),
        "centers_init"_a, "max_iter"_a, "tol"_a, "n_threads"_a);
  m.def("kmeans_lloyd", &kmeans_lloyd<float>, "X"_a, "offset"_a.none(), "sample_weight"_a.none(),
        "centers_init"_a, "max_iter"_a, "tol"_a, "n_threads"_a);
  m.def("kmeans_inertia", &kmeans_inertia<double>, "X"_a, "sample_weight"_a.none(), "centers"_a,
        "n_threads"_a);
  m.def("kmeans_inertia", &kmeans_inertia<float>, "X"_a, "sample_weight"_a.none(), "centers"_a,
        "n_threads"_a);
  // float64 first: an array of another dtype is then converted to float64 as before.
  m.def("kmeans_assign", &kmeans_assign<double>, "X"_a, "offset"_a.none(), "sample_weight"_a.none(),
        "centers"_a, "labels"_a, "n_threads"_a);
  m.def("kmeans_assign", &kmeans_assign<float>, "X"_a, "offset"_a.none(), "sample_weight"_a.none(),
        "centers"_a, "labels"_a, "n_threads"_a);
  m.def("kmeans_farthest", &kmeans_farthest<double>, "X"_a, "offset"_a.none(), "centers"_a,
        "labels"_a, "count"_a, "n_threads"_a);
  m.def("kmeans_farthest", &kmeans_farthest<float>, "X"_a, "offset"_a.none(), "centers"_a,
        "labels"_a, "count"_a, "n_threads"_a);
  m.def("kmeans_average", &kmeans_average<double>, "sums"_a, "weights"_a, "centers_old"_a);
  m.def("kmeans_average", &kmeans_average<float>, "sums"_a, "weights"_a, "centers_old"_a);
  m.def("kmeans_labelled_inertia", &kmeans_labelled_inertia<double>, "X"_a, "offset"_a.none(),
        "sample_weight"_a.none(), "centers"_a, "labels"_a, "n_threads"_a);
  m.def("kmeans_labelled_inertia", &kmeans_labelled_inertia<float>, "X"_a, "offset"_a.none(),
        "sample_weight"_a.none(), "centers"_a, "labels"_a, "n_threads"_a);
}

}  // namespace skaccel::bindings

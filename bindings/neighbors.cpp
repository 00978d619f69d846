// Pairwise distances and neighbour searches (skaccel/neighbors.hpp): conversion only.
#include "skaccel/neighbors.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <optional>
#include <string>
#include <type_traits>

#include "common.hpp"
#include "skaccel/errors.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace {

template <class T>
using Out = nb::ndarray<T, nb::ndim<2>, nb::device::cpu>;
using Norms = nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

template <class T>
MatrixView<T> mutable_view(const Out<T>& a) {
  return MatrixView<T>(a.data(), static_cast<std::int64_t>(a.shape(0)),
                       static_cast<std::int64_t>(a.shape(1)), a.stride(0), a.stride(1));
}

// out = the distances between the rows of X and of Y (None: X with itself, its diagonal
// 0); metric "euclidean" (with the rows' squared norms) or "cosine" (normalised rows).
template <class T>
void pairwise_dot(In2D<T> X, std::optional<In2D<T>> Y, std::optional<Norms> x_norms,
                  std::optional<Norms> y_norms, const std::string& metric, bool squared, Out<T> out,
                  int n_threads) {
  neighbors::DotMetric kind;
  if (metric == "euclidean")
    kind = neighbors::DotMetric::euclidean;
  else if (metric == "cosine")
    kind = neighbors::DotMetric::cosine;
  else
    throw InvalidArgument("metric must be 'euclidean' or 'cosine'");
  const bool same = !Y;
  const ConstMatrixView<T> x = view<T>(X), y = same ? x : view<T>(*Y);
  const auto rows = [](const std::optional<Norms>& v) {
    return v ? static_cast<std::int64_t>(v->shape(0)) : -1;
  };
  if ((x_norms && rows(x_norms) != x.rows) || (y_norms && rows(y_norms) != y.rows))
    throw InvalidArgument("the norms must have one value per row");
  const double* yn =
      same ? (x_norms ? x_norms->data() : nullptr) : (y_norms ? y_norms->data() : nullptr);
  nb::gil_scoped_release release;
  neighbors::dot_distances<T>(x, y, x_norms ? x_norms->data() : nullptr, yn, kind, squared, same,
                              mutable_view(out), n_threads);
}

template <class T, class O>
void pairwise_manhattan(In2D<T> X, std::optional<In2D<T>> Y, Out<O> out, int n_threads) {
  const ConstMatrixView<T> x = view<T>(X), y = Y ? view<T>(*Y) : x;
  nb::gil_scoped_release release;
  neighbors::manhattan_distances<T, O>(x, y, mutable_view(out), n_threads);
}

// (distances, indices) of the k nearest rows of Y to every row of X (Euclidean; both n × k,
// float64 and int64, written into the caller's arrays); algorithm "brute" or "kd_tree".
template <class T>
void kneighbors(In2D<T> X, In2D<T> Y, std::int64_t k, bool squared, const std::string& algorithm,
                std::int64_t leaf_size, Out<double> distances, Out<std::int64_t> indices,
                int n_threads) {
  neighbors::SearchAlgorithm search;
  if (algorithm == "brute")
    search = neighbors::SearchAlgorithm::brute;
  else if (algorithm == "kd_tree")
    search = neighbors::SearchAlgorithm::kd_tree;
  else
    throw InvalidArgument("algorithm must be 'brute' or 'kd_tree'");
  const ConstMatrixView<T> x = view<T>(X), y = view<T>(Y);
  nb::gil_scoped_release release;
  neighbors::kneighbors<T>(x, y, k, squared, search, leaf_size, mutable_view(distances),
                           mutable_view(indices), n_threads);
}

// (indptr, indices, distances or None) of the rows of Y within `radius` of every row of X,
// CSR, by scikit-learn's tree ("tree") or brute-force ("brute") arithmetic; the distances
// are squared, as that search computes them.
template <class T>
nb::tuple radius_neighbors(In2D<T> X, In2D<T> Y, double radius, const std::string& arithmetic,
                           std::int64_t leaf_size, bool with_distances, int n_threads) {
  const neighbors::RadiusArithmetic kind = neighbors::radius_arithmetic(arithmetic);
  const ConstMatrixView<T> x = view<T>(X), y = view<T>(Y);
  neighbors::Neighborhoods hoods;
  {
    nb::gil_scoped_release release;
    hoods = neighbors::radius_neighborhoods<T>(x, y, radius, kind, leaf_size, n_threads,
                                               with_distances);
  }
  const size_t rows = hoods.indptr.size(), found = hoods.indices.size();
  nb::object distances = nb::none();
  if (with_distances) distances = nb::cast(adopt(std::move(hoods.distances), {found}));
  return nb::make_tuple(adopt(std::move(hoods.indptr), {rows}),
                        adopt(std::move(hoods.indices), {found}), distances);
}

// LocalOutlierFactor's densities of the queries (out: n, of the dtype scikit-learn's
// arithmetic gives: float32 when the distances are rounded to float32 and the model is
// float32, else float64).
using OutVector = nb::ndarray<nb::ndim<1>, nb::c_contig, nb::device::cpu>;

template <class T>
T* vector_of(const OutVector& out, std::int64_t n, const char* what) {
  if (out.dtype() != nb::dtype<T>() || static_cast<std::int64_t>(out.shape(0)) != n)
    throw InvalidArgument(std::string(what) + " must be a vector of the queries in the " +
                          (std::is_same_v<T, float> ? "float32" : "float64") +
                          " of scikit-learn's arithmetic");
  return static_cast<T*>(out.data());
}

template <class M>
void local_reachability_density(In2D<double> distances, In2D<std::int64_t> indices,
                                In2D<M> distances_fit, bool round_to_float32, OutVector out,
                                int n_threads) {
  const auto d = view<double>(distances);
  const auto ind = view<std::int64_t>(indices);
  const auto fit = view<M>(distances_fit);
  const std::int64_t n = d.rows;
  if constexpr (std::is_same_v<M, float>) {
    if (round_to_float32) {
      float* o = vector_of<float>(out, n, "out");
      nb::gil_scoped_release release;
      neighbors::local_reachability_density<float, float>(d, ind, fit, o, n_threads);
      return;
    }
  }
  double* o = vector_of<double>(out, n, "out");
  nb::gil_scoped_release release;
  if constexpr (std::is_same_v<M, double>)
    if (round_to_float32) {  // float32 X of a float64 model: rounded, then in double
      neighbors::local_reachability_density<float, double>(d, ind, fit, o, n_threads);
      return;
    }
  neighbors::local_reachability_density<double, M>(d, ind, fit, o, n_threads);
}

// out(i) = -mean_a lrd_fit[indices(i, a)] / lrd[i], in lrd's dtype (float32 only with a
// float32 lrd_fit).
template <class M, class A>
void local_outlier_scores(In2D<std::int64_t> indices, In1D<M> lrd_fit, In1D<A> lrd, OutVector out,
                          int n_threads) {
  const auto ind = view<std::int64_t>(indices);
  if (static_cast<std::int64_t>(lrd.shape(0)) != ind.rows || lrd.stride(0) != 1 ||
      lrd_fit.stride(0) != 1)
    throw InvalidArgument("lrd must be a contiguous vector of the queries");
  A* o = vector_of<A>(out, ind.rows, "out");
  const M* fit = lrd_fit.data();
  const A* query = lrd.data();
  const auto n_fit = static_cast<std::int64_t>(lrd_fit.shape(0));
  nb::gil_scoped_release release;
  neighbors::local_outlier_scores<M, A>(ind, fit, n_fit, query, o, n_threads);
}

}  // namespace

SKACCEL_BINDINGS(neighbors) {
  m.def("kneighbors", &kneighbors<double>, "X"_a, "Y"_a, "k"_a, "squared"_a, "algorithm"_a,
        "leaf_size"_a, "distances"_a.noconvert(), "indices"_a.noconvert(), "n_threads"_a);
  m.def("kneighbors", &kneighbors<float>, "X"_a, "Y"_a, "k"_a, "squared"_a, "algorithm"_a,
        "leaf_size"_a, "distances"_a.noconvert(), "indices"_a.noconvert(), "n_threads"_a);
  m.def("radius_neighbors", &radius_neighbors<double>, "X"_a, "Y"_a, "radius"_a, "arithmetic"_a,
        "leaf_size"_a, "with_distances"_a, "n_threads"_a);
  m.def("radius_neighbors", &radius_neighbors<float>, "X"_a, "Y"_a, "radius"_a, "arithmetic"_a,
        "leaf_size"_a, "with_distances"_a, "n_threads"_a);
  m.def("local_reachability_density", &local_reachability_density<double>, "distances"_a,
        "indices"_a, "distances_fit"_a.noconvert(), "round_to_float32"_a, "out"_a.noconvert(),
        "n_threads"_a);
  m.def("local_reachability_density", &local_reachability_density<float>, "distances"_a,
        "indices"_a, "distances_fit"_a.noconvert(), "round_to_float32"_a, "out"_a.noconvert(),
        "n_threads"_a);
  m.def("local_outlier_scores", &local_outlier_scores<float, float>, "indices"_a,
        "lrd_fit"_a.noconvert(), "lrd"_a.noconvert(), "out"_a.noconvert(), "n_threads"_a);
  m.def("local_outlier_scores", &local_outlier_scores<float, double>, "indices"_a,
        "lrd_fit"_a.noconvert(), "lrd"_a.noconvert(), "out"_a.noconvert(), "n_threads"_a);
  m.def("local_outlier_scores", &local_outlier_scores<double, double>, "indices"_a,
        "lrd_fit"_a.noconvert(), "lrd"_a.noconvert(), "out"_a.noconvert(), "n_threads"_a);
  m.def("pairwise_dot", &pairwise_dot<double>, "X"_a, "Y"_a.none(), "x_norms"_a.none(),
        "y_norms"_a.none(), "metric"_a, "squared"_a, "out"_a.noconvert(), "n_threads"_a);
  m.def("pairwise_dot", &pairwise_dot<float>, "X"_a, "Y"_a.none(), "x_norms"_a.none(),
        "y_norms"_a.none(), "metric"_a, "squared"_a, "out"_a.noconvert(), "n_threads"_a);
  m.def("pairwise_manhattan", &pairwise_manhattan<double, double>, "X"_a, "Y"_a.none(),
        "out"_a.noconvert(), "n_threads"_a);
  m.def("pairwise_manhattan", &pairwise_manhattan<double, float>, "X"_a, "Y"_a.none(),
        "out"_a.noconvert(), "n_threads"_a);
  m.def("pairwise_manhattan", &pairwise_manhattan<float, double>, "X"_a, "Y"_a.none(),
        "out"_a.noconvert(), "n_threads"_a);
  m.def("pairwise_manhattan", &pairwise_manhattan<float, float>, "X"_a, "Y"_a.none(),
        "out"_a.noconvert(), "n_threads"_a);
}

}  // namespace skaccel::bindings

// Pairwise distances and neighbour searches (skaccel/neighbors.hpp): conversion only.
#include "skaccel/neighbors.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <memory>
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

// (distances, indices) of the k nearest rows of Y to every row of X (both n × k, float64
// and int64, written into the caller's arrays); algorithm "brute" or "kd_tree"; metric one
// of scikit-learn's names of the Minkowski family, p minkowski's order; `squared`: the
// reduced distances.
template <class T>
void kneighbors(In2D<T> X, In2D<T> Y, std::int64_t k, bool squared, const std::string& algorithm,
                std::int64_t leaf_size, Out<double> distances, Out<std::int64_t> indices,
                int n_threads, const std::string& metric, double p) {
  const neighbors::Metric kind = neighbors::metric_named(metric, p);
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
                           mutable_view(indices), n_threads, kind);
}

// A kd-tree of a model's training rows, kept by the Python estimator between its searches
// (never pickled; it holds a copy of the rows in the tree's order).
template <class T>
struct TreeIndex {
  neighbors::KDTree<T> tree;
};

template <class T>
TreeIndex<T> kdtree_index(In2D<T> Y, std::int64_t leaf_size) {
  const ConstMatrixView<T> y = view<T>(Y);
  nb::gil_scoped_release release;
  return TreeIndex<T>{neighbors::build_kdtree<T>(y, leaf_size)};
}

// kneighbors by a kept tree of Y (the trees' distances; both n × k outputs).
template <class T>
void kneighbors_tree(const TreeIndex<T>& tree, In2D<T> X, In2D<T> Y, std::int64_t k, bool squared,
                     Out<double> distances, Out<std::int64_t> indices, int n_threads,
                     const std::string& metric, double p) {
  const neighbors::Metric kind = neighbors::metric_named(metric, p);
  const ConstMatrixView<T> x = view<T>(X), y = view<T>(Y);
  nb::gil_scoped_release release;
  neighbors::kdtree_kneighbors<T>(tree.tree, x, y, k, squared, mutable_view(distances),
                                  mutable_view(indices), n_threads, kind);
}

template <class T>
using RowsC = nb::ndarray<const T, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

// A KeptTreeScope for Python's `with`: the tree and the rows are held while it lives.
template <class T>
struct KeptTree {
  nb::object tree, rows;
  const T* data;
  std::unique_ptr<neighbors::KeptTreeScope<T>> scope;
};

template <class T>
void def_tree_index(nb::module_& m, const char* name) {
  nb::class_<TreeIndex<T>>(m, name)
      .def_prop_ro(
          "n_rows",
          [](const TreeIndex<T>& t) { return static_cast<std::int64_t>(t.tree.index.size()); })
      .def_prop_ro("n_features", [](const TreeIndex<T>& t) { return t.tree.n_features; })
      .def_prop_ro("nbytes", [](const TreeIndex<T>& t) {
        const auto& tr = t.tree;
        return static_cast<std::int64_t>(
            (tr.index.size() + tr.start.size() + tr.end.size()) * sizeof(std::int64_t) +
            (tr.lower.size() + tr.upper.size()) * sizeof(double) + tr.points.size() * sizeof(T));
      });
  m.def("kdtree_index", &kdtree_index<T>, "Y"_a, "leaf_size"_a);
  // `with _core.kept_tree(tree, rows):` the model types' searches of these rows (the very
  // array: C-ordered, of this dtype, never a converted copy) on this thread take the tree.
  const std::string scope_name = std::string(name) + "Scope";
  nb::class_<KeptTree<T>>(m, scope_name.c_str())
      .def("__enter__",
           [](KeptTree<T>& k) {
             k.scope = std::make_unique<neighbors::KeptTreeScope<T>>(
                 nb::cast<const TreeIndex<T>&>(k.tree).tree, k.data);
           })
      .def("__exit__", [](KeptTree<T>& k, nb::args) { k.scope.reset(); });
  m.def(
      "kept_tree",
      [](nb::object tree, RowsC<T> rows) {
        const auto& index = nb::cast<const TreeIndex<T>&>(tree);
        if (static_cast<std::int64_t>(rows.shape(0)) !=
                static_cast<std::int64_t>(index.tree.index.size()) ||
            static_cast<std::int64_t>(rows.shape(1)) != index.tree.n_features)
          throw InvalidArgument("the tree was not built on these rows");
        return KeptTree<T>{std::move(tree), nb::cast(rows), rows.data(), nullptr};
      },
      "tree"_a, "rows"_a.noconvert());
  m.def("kneighbors_tree", &kneighbors_tree<T>, "tree"_a, "X"_a, "Y"_a, "k"_a, "squared"_a,
        "distances"_a.noconvert(), "indices"_a.noconvert(), "n_threads"_a, "metric"_a = "euclidean",
        "p"_a = 2.0);
}

// (indptr, indices, distances or None) of the rows of Y within `radius` of every row of X,
// CSR, by scikit-learn's tree ("tree") or brute-force ("brute") arithmetic; the distances
// are squared, as that search computes them.
// `tree`: a TreeIndex of Y, searched instead of a new tree (the trees' arithmetic).
template <class T>
nb::tuple radius_neighbors(In2D<T> X, In2D<T> Y, double radius, const std::string& arithmetic,
                           std::int64_t leaf_size, bool with_distances, int n_threads,
                           const TreeIndex<T>* tree) {
  const neighbors::RadiusArithmetic kind = neighbors::radius_arithmetic(arithmetic);
  const ConstMatrixView<T> x = view<T>(X), y = view<T>(Y);
  neighbors::Neighborhoods hoods;
  {
    nb::gil_scoped_release release;
    hoods = neighbors::radius_neighborhoods<T>(x, y, radius, kind, leaf_size, n_threads,
                                               with_distances, tree ? &tree->tree : nullptr);
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
        "leaf_size"_a, "distances"_a.noconvert(), "indices"_a.noconvert(), "n_threads"_a,
        "metric"_a = "euclidean", "p"_a = 2.0);
  m.def("kneighbors", &kneighbors<float>, "X"_a, "Y"_a, "k"_a, "squared"_a, "algorithm"_a,
        "leaf_size"_a, "distances"_a.noconvert(), "indices"_a.noconvert(), "n_threads"_a,
        "metric"_a = "euclidean", "p"_a = 2.0);
  def_tree_index<double>(m, "KDTreeIndex64");
  def_tree_index<float>(m, "KDTreeIndex32");
  m.def("kdtree_pays", &neighbors::kdtree_pays, "n_queries"_a, "n_features"_a, "n_rows"_a,
        "built"_a);
  m.def("radius_neighbors", &radius_neighbors<double>, "X"_a, "Y"_a, "radius"_a, "arithmetic"_a,
        "leaf_size"_a, "with_distances"_a, "n_threads"_a, "tree"_a.none() = nb::none());
  m.def("radius_neighbors", &radius_neighbors<float>, "X"_a, "Y"_a, "radius"_a, "arithmetic"_a,
        "leaf_size"_a, "with_distances"_a, "n_threads"_a, "tree"_a.none() = nb::none());
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

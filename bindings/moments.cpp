// Moments (mergeable reductions) and the small dense solvers built on them: conversion only.
#include "skaccel/moments.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "common.hpp"
#include "skaccel/decomposition.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace lm = skaccel::linear_model;

namespace {

using F64 = nb::ndarray<nb::numpy, double>;
using In64 = nb::ndarray<const double, nb::device::cpu, nb::c_contig>;

F64 vec(const std::vector<double>& v) { return to_numpy<double>(v, {v.size()}); }
F64 mat(const std::vector<double>& v, size_t r, size_t c) { return to_numpy<double>(v, {r, c}); }
std::vector<double> values(const In64& a) { return {a.data(), a.data() + a.size()}; }

// (n_samples, weight_sum, x_mean (p,), y_mean (t,), gram (p, p), xty (p, t))
nb::tuple to_tuple(const lm::NormalEquations& ne) {
  const size_t p = ne.n_features, t = ne.n_targets;
  return nb::make_tuple(ne.n_samples, ne.weight_sum, vec(ne.x_mean), vec(ne.y_mean),
                        mat(ne.gram, p, p), mat(ne.xty, p, t));
}

lm::NormalEquations from_tuple(nb::tuple s, bool centered) {
  lm::NormalEquations ne;
  ne.n_samples = nb::cast<std::int64_t>(s[0]);
  ne.weight_sum = nb::cast<double>(s[1]);
  ne.x_mean = values(nb::cast<In64>(s[2]));
  ne.y_mean = values(nb::cast<In64>(s[3]));
  ne.gram = values(nb::cast<In64>(s[4]));
  ne.xty = values(nb::cast<In64>(s[5]));
  ne.n_features = static_cast<std::int64_t>(ne.x_mean.size());
  ne.n_targets = static_cast<std::int64_t>(ne.y_mean.size());
  ne.centered = centered;
  if (ne.gram.size() != ne.x_mean.size() * ne.x_mean.size() ||
      ne.xty.size() != ne.x_mean.size() * ne.y_mean.size())
    throw InvalidArgument("inconsistent moments");
  return ne;
}

template <class T>
nb::object normal_equations(In2D<T> X, std::optional<In2D<T>> Y, std::optional<In1D<T>> sw,
                            bool center, int n_threads) {
  if (sw && sw->shape(0) != X.shape(0)) throw InvalidArgument("sample_weight has the wrong length");
  const ConstMatrixView<T> yv =
      Y ? view<T>(*Y) : ConstMatrixView<T>(nullptr, static_cast<std::int64_t>(X.shape(0)), 0, 0, 0);
  lm::NormalEquations ne;
  {
    nb::gil_scoped_release release;
    ne = lm::accumulate_normal_equations<T>(view<T>(X), yv, sw ? sw->data() : nullptr,
                                            sw ? sw->stride(0) : 1, center, n_threads);
  }
  if (!lm::all_finite(ne)) return nb::none();
  return to_tuple(ne);
}

// (n_samples, weight_sum, mean, m2, min, max)
nb::tuple stats_tuple(const moments::ColumnStatistics& s) {
  return nb::make_tuple(s.n_samples, s.weight_sum, vec(s.mean), vec(s.m2), vec(s.min), vec(s.max));
}

moments::ColumnStatistics stats_from(nb::tuple t) {
  moments::ColumnStatistics s;
  s.n_samples = nb::cast<std::int64_t>(t[0]);
  s.weight_sum = nb::cast<double>(t[1]);
  s.mean = values(nb::cast<In64>(t[2]));
  s.m2 = values(nb::cast<In64>(t[3]));
  s.min = values(nb::cast<In64>(t[4]));
  s.max = values(nb::cast<In64>(t[5]));
  const size_t p = s.mean.size();
  if (s.m2.size() != p || s.min.size() != p || s.max.size() != p)
    throw InvalidArgument("inconsistent column statistics");
  return s;
}

template <class T>
nb::tuple column_statistics(In2D<T> X, std::optional<In1D<T>> sw, int n_threads) {
  if (sw && sw->shape(0) != X.shape(0)) throw InvalidArgument("sample_weight has the wrong length");
  moments::ColumnStatistics s;
  {
    nb::gil_scoped_release release;
    s = moments::column_statistics<T>(view<T>(X), sw ? sw->data() : nullptr, sw ? sw->stride(0) : 1,
                                      n_threads);
  }
  return stats_tuple(s);
}

template <class T>
nb::tuple centered_right_singular(In2D<T> X, In64 mean, int n_threads) {
  decomposition::RightSingular r;
  {
    nb::gil_scoped_release release;
    r = decomposition::centered_right_singular<T>(view<T>(X), values(mean), n_threads);
  }
  const size_t k = r.singular_values.size(), p = X.shape(1);
  return nb::make_tuple(vec(r.singular_values), mat(r.vt, k, p));
}

template <class T>
void pca_transform(In2D<T> X, In2D<T> components, In1D<T> mean, std::optional<In1D<T>> scale,
                   Out2D<T> out, int n_threads) {
  const auto k = components.shape(0), p = components.shape(1);
  if (mean.shape(0) != p || (scale && scale->shape(0) != k) || mean.stride(0) != 1 ||
      (scale && scale->stride(0) != 1) || components.stride(1) != 1)
    throw InvalidArgument("pca_transform: inconsistent or non-contiguous arrays");
  nb::gil_scoped_release release;
  decomposition::pca_transform<T>(
      view<T>(X), view<T>(components), mean.data(), scale ? scale->data() : nullptr,
      MatrixView<T>(out.data(), static_cast<std::int64_t>(out.shape(0)),
                    static_cast<std::int64_t>(out.shape(1)), out.stride(0), out.stride(1)),
      n_threads);
}

}  // namespace

void register_moments(nb::module_& m) {
  m.def("normal_equations", &normal_equations<double>, "X"_a, "Y"_a.none(),
        "sample_weight"_a.none(), "center"_a, "n_threads"_a);
  m.def("normal_equations", &normal_equations<float>, "X"_a, "Y"_a.none(), "sample_weight"_a.none(),
        "center"_a, "n_threads"_a);
  m.def(
      "merge_normal_equations",
      [](nb::tuple a, nb::tuple b, bool centered) {
        return to_tuple(lm::merge(from_tuple(a, centered), from_tuple(b, centered)));
      },
      "a"_a, "b"_a, "centered"_a);
  // (coef (t, p), intercept (t,)), float64
  m.def(
      "solve_normal_equations",
      [](nb::tuple state, bool centered, const std::string& kind, std::vector<double> alpha,
         double tol) {
        const auto ne = from_tuple(state, centered);
        lm::Solution s;
        {
          nb::gil_scoped_release release;
          if (kind == "least_squares") {
            s = lm::solve_least_squares(ne, tol);
          } else if (kind == "ridge") {
            try {
              s = lm::solve_ridge(ne, alpha, lm::RidgeSolver::cholesky);
            } catch (const NumericalError&) {
              s = lm::solve_ridge(ne, alpha, lm::RidgeSolver::eigen);
            }
          } else {
            throw InvalidArgument("unknown solve kind '" + kind + "'");
          }
        }
        const size_t p = ne.n_features, t = ne.n_targets;
        return nb::make_tuple(mat(s.coef, t, p), vec(s.intercept));
      },
      "state"_a, "centered"_a, "kind"_a, "alpha"_a, "tol"_a);

  m.def("column_statistics", &column_statistics<double>, "X"_a, "sample_weight"_a.none(),
        "n_threads"_a);
  m.def("column_statistics", &column_statistics<float>, "X"_a, "sample_weight"_a.none(),
        "n_threads"_a);
  m.def(
      "merge_column_statistics",
      [](nb::tuple a, nb::tuple b) {
        return stats_tuple(moments::merge(stats_from(a), stats_from(b)));
      },
      "a"_a, "b"_a);

  // (singular values (k,), Vt (k, p)) of X − mean, float64.
  m.def("centered_right_singular", &centered_right_singular<double>, "X"_a, "mean"_a,
        "n_threads"_a);
  m.def("centered_right_singular", &centered_right_singular<float>, "X"_a, "mean"_a, "n_threads"_a);

  m.def("pca_transform", &pca_transform<double>, "X"_a, "components"_a, "mean"_a, "scale"_a.none(),
        "out"_a, "n_threads"_a);
  m.def("pca_transform", &pca_transform<float>, "X"_a, "components"_a, "mean"_a, "scale"_a.none(),
        "out"_a, "n_threads"_a);

  // The k largest eigenpairs: (eigenvalues ascending (k,), eigenvectors as columns (p, k)).
  m.def(
      "symmetric_eigen_top",
      [](In64 A, std::int64_t k) {
        if (A.ndim() != 2 || A.shape(0) != A.shape(1)) throw InvalidArgument("A must be square");
        const auto n = static_cast<std::int64_t>(A.shape(0));
        decomposition::Eigen e;
        {
          nb::gil_scoped_release release;
          e = decomposition::symmetric_eigen_top(values(A), n, k);
        }
        return nb::make_tuple(vec(e.values),
                              mat(e.vectors, static_cast<size_t>(n), static_cast<size_t>(k)));
      },
      "A"_a, "k"_a);

  // (eigenvalues ascending (p,), eigenvectors as columns (p, p)) of a symmetric matrix.
  m.def(
      "symmetric_eigen",
      [](In64 A) {
        if (A.ndim() != 2 || A.shape(0) != A.shape(1)) throw InvalidArgument("A must be square");
        const auto n = static_cast<std::int64_t>(A.shape(0));
        decomposition::Eigen e;
        {
          nb::gil_scoped_release release;
          e = decomposition::symmetric_eigen(values(A), n);
        }
        return nb::make_tuple(vec(e.values),
                              mat(e.vectors, static_cast<size_t>(n), static_cast<size_t>(n)));
      },
      "A"_a);
}

}  // namespace skaccel::bindings

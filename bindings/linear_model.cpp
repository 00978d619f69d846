// Linear models and the cross-product moments: conversion only. Results are dicts keyed by
// the declared field names (linear_model::to_fields, fit_*).
#include "skaccel/linear_model.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "common.hpp"
#include "skaccel/errors.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace lm = skaccel::linear_model;

namespace {

template <class T>
void check_weights(const In2D<T>& X, const std::optional<In1D<T>>& sw) {
  if (sw && sw->shape(0) != X.shape(0)) throw InvalidArgument("sample_weight has the wrong length");
}

lm::RidgeSolver ridge_solver(const std::string& name) {
  if (name == "cholesky") return lm::RidgeSolver::cholesky_or_eigen;
  if (name == "svd") return lm::RidgeSolver::eigen;
  throw InvalidArgument("the core has no ridge solver '" + name + "'");
}

// {coef_, intercept_, singular_, rank_} or None when the statistics are not finite.
template <class T>
nb::object fit_least_squares(In2D<T> X, In2D<T> Y, std::optional<In1D<T>> sw, bool fit_intercept,
                             double tol, int n_threads) {
  check_weights(X, sw);
  std::optional<model::Fields> f;
  {
    nb::gil_scoped_release release;
    f = lm::fit_least_squares<T>(view<T>(X), view<T>(Y), sw ? sw->data() : nullptr,
                                 sw ? sw->stride(0) : 1, fit_intercept, tol, n_threads);
  }
  return f ? nb::object(to_dict(*f)) : nb::none();
}

// {coef_, intercept_, solver_} or None when the statistics are not finite.
template <class T>
nb::object fit_ridge(In2D<T> X, In2D<T> Y, std::optional<In1D<T>> sw, bool fit_intercept,
                     std::vector<double> alpha, const std::string& solver, int n_threads) {
  check_weights(X, sw);
  const lm::RidgeSolver s = ridge_solver(solver);
  std::optional<model::Fields> f;
  {
    nb::gil_scoped_release release;
    f = lm::fit_ridge<T>(view<T>(X), view<T>(Y), sw ? sw->data() : nullptr, sw ? sw->stride(0) : 1,
                         fit_intercept, alpha, s, n_threads);
  }
  return f ? nb::object(to_dict(*f)) : nb::none();
}

// The moments of (X, Y) (Y None: of X alone) as a dict, or None when not finite.
template <class T>
nb::object normal_equations(In2D<T> X, std::optional<In2D<T>> Y, std::optional<In1D<T>> sw,
                            bool center, int n_threads) {
  check_weights(X, sw);
  const ConstMatrixView<T> yv =
      Y ? view<T>(*Y) : ConstMatrixView<T>(nullptr, static_cast<std::int64_t>(X.shape(0)), 0, 0, 0);
  lm::NormalEquations ne;
  {
    nb::gil_scoped_release release;
    ne = lm::accumulate_normal_equations<T>(view<T>(X), yv, sw ? sw->data() : nullptr,
                                            sw ? sw->stride(0) : 1, center, n_threads);
  }
  if (!lm::all_finite(ne)) return nb::none();
  return to_dict(lm::to_fields(ne));
}

lm::NormalEquations moments(nb::dict d, bool centered) {
  std::vector<nb::object> keep;
  return lm::moments_from(to_state(nullptr, d, nb::none(), keep), centered);
}

}  // namespace

SKACCEL_BINDINGS(linear_model) {
  m.def("fit_least_squares", &fit_least_squares<double>, "X"_a, "Y"_a, "sample_weight"_a.none(),
        "fit_intercept"_a, "tol"_a, "n_threads"_a);
  m.def("fit_least_squares", &fit_least_squares<float>, "X"_a, "Y"_a, "sample_weight"_a.none(),
        "fit_intercept"_a, "tol"_a, "n_threads"_a);
  m.def("fit_ridge", &fit_ridge<double>, "X"_a, "Y"_a, "sample_weight"_a.none(), "fit_intercept"_a,
        "alpha"_a, "solver"_a, "n_threads"_a);
  m.def("fit_ridge", &fit_ridge<float>, "X"_a, "Y"_a, "sample_weight"_a.none(), "fit_intercept"_a,
        "alpha"_a, "solver"_a, "n_threads"_a);
  m.def("normal_equations", &normal_equations<double>, "X"_a, "Y"_a.none(),
        "sample_weight"_a.none(), "center"_a, "n_threads"_a);
  m.def("normal_equations", &normal_equations<float>, "X"_a, "Y"_a.none(), "sample_weight"_a.none(),
        "center"_a, "n_threads"_a);
  m.def(
      "merge_normal_equations",
      [](nb::dict a, nb::dict b, bool centered) {
        return to_dict(lm::to_fields(lm::merge(moments(a, centered), moments(b, centered))));
      },
      "a"_a, "b"_a, "centered"_a);
  // The fields of LinearRegression's / Ridge's fit from merged moments, in dtype
  // ("float32" or "float64"): what fit_least_squares / fit_ridge return for the same moments.
  m.def(
      "least_squares_from_moments",
      [](nb::dict state, bool centered, double tol, const std::string& dtype) {
        const lm::NormalEquations ne = moments(state, centered);
        model::Fields f;
        {
          nb::gil_scoped_release release;
          f = dtype == "float32" ? lm::least_squares_fields<float>(ne, tol)
                                 : lm::least_squares_fields<double>(ne, tol);
        }
        return to_dict(f);
      },
      "moments"_a, "centered"_a, "tol"_a, "dtype"_a);
  m.def(
      "ridge_from_moments",
      [](nb::dict state, bool centered, std::vector<double> alpha, const std::string& solver,
         const std::string& dtype) {
        const lm::NormalEquations ne = moments(state, centered);
        const lm::RidgeSolver s = ridge_solver(solver);
        model::Fields f;
        {
          nb::gil_scoped_release release;
          f = dtype == "float32" ? lm::ridge_fields<float>(ne, alpha, s)
                                 : lm::ridge_fields<double>(ne, alpha, s);
        }
        return to_dict(f);
      },
      "moments"_a, "centered"_a, "alpha"_a, "solver"_a, "dtype"_a);
  // {coef_ (t, p), intercept_ (t,)} in float64; alpha empty: least squares.
  m.def(
      "solve_normal_equations",
      [](nb::dict state, bool centered, std::vector<double> alpha, double tol) {
        const lm::NormalEquations ne = moments(state, centered);
        model::Fields f;
        {
          nb::gil_scoped_release release;
          f = lm::solve_moments(ne, alpha, tol);
        }
        return to_dict(f);
      },
      "moments"_a, "centered"_a, "alpha"_a, "tol"_a);
}

}  // namespace skaccel::bindings

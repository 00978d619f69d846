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
lm::NormalEquations accumulate(const In2D<T>& X, const In2D<T>& Y, const std::optional<In1D<T>>& sw,
                               bool center, int n_threads) {
  const T* w = sw ? sw->data() : nullptr;
  const std::int64_t ws = sw ? sw->stride(0) : 1;
  if (sw && static_cast<std::int64_t>(sw->shape(0)) != static_cast<std::int64_t>(X.shape(0)))
    throw InvalidArgument("sample_weight has the wrong length");
  nb::gil_scoped_release release;
  return lm::accumulate_normal_equations<T>(view<T>(X), view<T>(Y), w, ws, center, n_threads);
}

// (coef (t, p), intercept (t,), singular (k,), rank) or None for non-finite statistics.
template <class T>
nb::object linear_regression_fit(In2D<T> X, In2D<T> Y, std::optional<In1D<T>> sw,
                                 bool fit_intercept, double tol, int n_threads) {
  auto ne = accumulate<T>(X, Y, sw, fit_intercept, n_threads);
  if (!lm::all_finite(ne)) return nb::none();
  lm::Solution s;
  {
    nb::gil_scoped_release release;
    s = lm::solve_least_squares(ne, tol);
  }
  const size_t p = ne.n_features, t = ne.n_targets;
  return nb::make_tuple(to_numpy<T>(s.coef, {t, p}), to_numpy<T>(s.intercept, {t}),
                        to_numpy<T>(s.singular, {s.singular.size()}), s.rank);
}

// (coef (t, p), intercept (t,), solver used) or None for non-finite statistics.
template <class T>
nb::object ridge_fit(In2D<T> X, In2D<T> Y, std::optional<In1D<T>> sw, bool fit_intercept,
                     std::vector<double> alpha, const std::string& solver, int n_threads) {
  auto ne = accumulate<T>(X, Y, sw, fit_intercept, n_threads);
  if (!lm::all_finite(ne)) return nb::none();
  lm::Solution s;
  std::string used = solver;
  {
    nb::gil_scoped_release release;
    if (solver == "cholesky") {
      try {
        s = lm::solve_ridge(ne, alpha, lm::RidgeSolver::cholesky);
      } catch (const NumericalError&) {
        // As scikit-learn: a singular system switches to the SVD solution.
        s = lm::solve_ridge(ne, alpha, lm::RidgeSolver::eigen);
        used = "svd";
      }
    } else if (solver == "svd") {
      s = lm::solve_ridge(ne, alpha, lm::RidgeSolver::eigen);
    } else {
      throw InvalidArgument("the core has no ridge solver '" + solver + "'");
    }
  }
  const size_t p = ne.n_features, t = ne.n_targets;
  return nb::make_tuple(to_numpy<T>(s.coef, {t, p}), to_numpy<T>(s.intercept, {t}), used);
}

template <class T>
void predict(In2D<T> X, In2D<T> coef, std::optional<In1D<T>> intercept, Out2D<T> out,
             int n_threads) {
  if (intercept && intercept->shape(0) != coef.shape(0))
    throw InvalidArgument("intercept does not match coef");
  if (intercept && intercept->stride(0) != 1 && intercept->shape(0) > 1)
    throw InvalidArgument("intercept must be contiguous");
  const T* b = intercept ? intercept->data() : nullptr;
  nb::gil_scoped_release release;
  lm::predict<T>(
      view<T>(X), view<T>(coef), b,
      MatrixView<T>(out.data(), static_cast<std::int64_t>(out.shape(0)),
                    static_cast<std::int64_t>(out.shape(1)), out.stride(0), out.stride(1)),
      n_threads);
}

nb::dict hyperparameters_dict(const lm::FitHyperparameters& hp) {
  nb::dict d;
  d["cpu_macro_block"] = hp.cpu_macro_block;
  d["cpu_grain_size"] = hp.cpu_grain_size;
  d["cpu_max_cols_batched"] = hp.cpu_max_cols_batched;
  return d;
}

}  // namespace

void register_linear_model(nb::module_& m) {
  m.def("linear_regression_fit", &linear_regression_fit<double>, "X"_a, "Y"_a,
        "sample_weight"_a.none(), "fit_intercept"_a, "tol"_a, "n_threads"_a);
  m.def("linear_regression_fit", &linear_regression_fit<float>, "X"_a, "Y"_a,
        "sample_weight"_a.none(), "fit_intercept"_a, "tol"_a, "n_threads"_a);
  m.def("ridge_fit", &ridge_fit<double>, "X"_a, "Y"_a, "sample_weight"_a.none(), "fit_intercept"_a,
        "alpha"_a, "solver"_a, "n_threads"_a);
  m.def("ridge_fit", &ridge_fit<float>, "X"_a, "Y"_a, "sample_weight"_a.none(), "fit_intercept"_a,
        "alpha"_a, "solver"_a, "n_threads"_a);
  m.def("linear_predict", &predict<double>, "X"_a, "coef"_a, "intercept"_a.none(), "out"_a,
        "n_threads"_a);
  m.def("linear_predict", &predict<float>, "X"_a, "coef"_a, "intercept"_a.none(), "out"_a,
        "n_threads"_a);

  m.def("get_linear_fit_hyperparameters",
        []() -> nb::dict { return hyperparameters_dict(lm::get_fit_hyperparameters()); });
  m.def("default_linear_fit_hyperparameters",
        []() -> nb::dict { return hyperparameters_dict(lm::default_fit_hyperparameters()); });
  m.def(
      "set_linear_fit_hyperparameters",
      [](std::int64_t block, std::int64_t grain, std::int64_t max_cols) {
        lm::set_fit_hyperparameters({block, grain, max_cols});
      },
      "cpu_macro_block"_a, "cpu_grain_size"_a, "cpu_max_cols_batched"_a);
  m.def("reset_linear_fit_hyperparameters", &lm::reset_fit_hyperparameters);
}

}  // namespace skaccel::bindings

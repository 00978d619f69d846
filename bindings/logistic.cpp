// The logistic losses' passes (skaccel/logistic.hpp): conversion only. coef and the
// outputs are float64 arrays of shape (K, dof); pointwise values go into a float64 buffer
// the caller owns (n, or n×K).
#include "skaccel/logistic.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>

#include <optional>
#include <string>

#include "common.hpp"
#include "skaccel/errors.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace lm = skaccel::linear_model;

namespace {

using Coef = nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
using Buffer = nb::ndarray<double, nb::c_contig, nb::device::cpu>;
using F64 = nb::ndarray<nb::numpy, double>;

template <class T>
lm::LogisticProblem<T> problem(const In2D<T>& X, const In1D<T>& y, const std::optional<In1D<T>>& sw,
                               std::int64_t n_classes, bool fit_intercept) {
  const auto n = static_cast<std::int64_t>(X.shape(0));
  if (static_cast<std::int64_t>(y.shape(0)) != n) throw InvalidArgument("y has the wrong length");
  if (sw && static_cast<std::int64_t>(sw->shape(0)) != n)
    throw InvalidArgument("sample_weight has the wrong length");
  lm::LogisticProblem<T> pr;
  pr.X = view<T>(X);
  pr.y = y.data();
  pr.y_stride = y.stride(0);
  if (sw) {
    pr.sample_weight = sw->data();
    pr.sample_weight_stride = sw->stride(0);
  }
  pr.n_classes = n_classes;
  pr.fit_intercept = fit_intercept;
  return pr;
}

template <class T>
void check_coef(const lm::LogisticProblem<T>& pr, const Coef& c, const char* what) {
  if (static_cast<std::int64_t>(c.shape(0)) != pr.raw_columns() ||
      static_cast<std::int64_t>(c.shape(1)) != pr.dof())
    throw InvalidArgument(std::string(what) + " must have shape (" +
                          std::to_string(pr.raw_columns()) + ", " + std::to_string(pr.dof()) + ")");
}

template <class T>
double* check_pointwise(const lm::LogisticProblem<T>& pr, std::optional<Buffer>& b) {
  if (!b) return nullptr;
  const std::int64_t want = pr.X.rows * (pr.n_classes == 2 ? 1 : pr.n_classes);
  if (static_cast<std::int64_t>(b->size()) != want)
    throw InvalidArgument("pointwise must hold " + std::to_string(want) + " values");
  return b->data();
}

F64 matrix(std::vector<double> v, size_t rows, size_t cols) {
  return to_numpy<double>(v, {rows, cols});
}

// (Σ s·loss, gradient (K, dof) or None).
template <class T>
nb::tuple loss_gradient(In2D<T> X, In1D<T> y, std::optional<In1D<T>> sw, std::int64_t n_classes,
                        bool fit_intercept, Coef coef, bool want_gradient,
                        std::optional<Buffer> pointwise, int n_threads) {
  const auto pr = problem<T>(X, y, sw, n_classes, fit_intercept);
  check_coef(pr, coef, "coef");
  double* pw = check_pointwise(pr, pointwise);
  std::vector<double> grad(want_gradient ? pr.raw_columns() * pr.dof() : 0);
  double loss;
  {
    nb::gil_scoped_release release;
    loss = lm::logistic_loss_gradient<T>(pr, coef.data(), want_gradient ? grad.data() : nullptr, pw,
                                         n_threads);
  }
  nb::object g = want_gradient
                     ? nb::object(nb::cast(matrix(std::move(grad), pr.raw_columns(), pr.dof())))
                     : nb::none();
  return nb::make_tuple(loss, g);
}

template <class T>
F64 hessian_product(In2D<T> X, In1D<T> y, std::optional<In1D<T>> sw, std::int64_t n_classes,
                    bool fit_intercept, Buffer pointwise, Coef v, int n_threads) {
  const auto pr = problem<T>(X, y, sw, n_classes, fit_intercept);
  check_coef(pr, v, "v");
  std::optional<Buffer> pw_arg(pointwise);
  const double* pw = check_pointwise(pr, pw_arg);
  std::vector<double> out(pr.raw_columns() * pr.dof());
  {
    nb::gil_scoped_release release;
    lm::logistic_hessian_product<T>(pr, pw, v.data(), out.data(), n_threads);
  }
  return matrix(std::move(out), pr.raw_columns(), pr.dof());
}

// (gradient (dof,), Hessian (dof, dof), weight of the rows with h ≤ 0, total weight).
template <class T>
nb::tuple gradient_hessian(In2D<T> X, In1D<T> y, std::optional<In1D<T>> sw, bool fit_intercept,
                           Coef coef, int n_threads) {
  const auto pr = problem<T>(X, y, sw, 2, fit_intercept);
  check_coef(pr, coef, "coef");
  const auto dof = static_cast<size_t>(pr.dof());
  std::vector<double> grad(dof), hess(dof * dof);
  double nonpositive = 0.0, total = 0.0;
  {
    nb::gil_scoped_release release;
    total = lm::logistic_gradient_hessian<T>(pr, coef.data(), grad.data(), hess.data(),
                                             &nonpositive, n_threads);
  }
  return nb::make_tuple(to_numpy<double>(grad, {dof}), matrix(std::move(hess), dof, dof),
                        nonpositive, total);
}

// (gradient (K, dof), Hessian (K·dof, K·dof) in scikit-learn's parameter order, total weight).
template <class T>
nb::tuple multinomial_hessian(In2D<T> X, In1D<T> y, std::optional<In1D<T>> sw,
                              std::int64_t n_classes, bool fit_intercept, Coef coef,
                              int n_threads) {
  const auto pr = problem<T>(X, y, sw, n_classes, fit_intercept);
  check_coef(pr, coef, "coef");
  const auto K = static_cast<size_t>(pr.raw_columns()), dof = static_cast<size_t>(pr.dof());
  std::vector<double> grad(K * dof), hess(K * dof * K * dof);
  double total = 0.0;
  {
    nb::gil_scoped_release release;
    total =
        lm::logistic_multinomial_hessian<T>(pr, coef.data(), grad.data(), hess.data(), n_threads);
  }
  return nb::make_tuple(matrix(std::move(grad), K, dof), matrix(std::move(hess), K * dof, K * dof),
                        total);
}

}  // namespace

SKACCEL_BINDINGS(logistic) {
  m.def("logistic_multinomial_hessian", &multinomial_hessian<double>, "X"_a, "y"_a,
        "sample_weight"_a.none(), "n_classes"_a, "fit_intercept"_a, "coef"_a, "n_threads"_a);
  m.def("logistic_multinomial_hessian", &multinomial_hessian<float>, "X"_a, "y"_a,
        "sample_weight"_a.none(), "n_classes"_a, "fit_intercept"_a, "coef"_a, "n_threads"_a);
  m.def("logistic_loss_gradient", &loss_gradient<double>, "X"_a, "y"_a, "sample_weight"_a.none(),
        "n_classes"_a, "fit_intercept"_a, "coef"_a, "gradient"_a, "pointwise"_a.none(),
        "n_threads"_a);
  m.def("logistic_loss_gradient", &loss_gradient<float>, "X"_a, "y"_a, "sample_weight"_a.none(),
        "n_classes"_a, "fit_intercept"_a, "coef"_a, "gradient"_a, "pointwise"_a.none(),
        "n_threads"_a);
  m.def("logistic_hessian_product", &hessian_product<double>, "X"_a, "y"_a,
        "sample_weight"_a.none(), "n_classes"_a, "fit_intercept"_a, "pointwise"_a, "v"_a,
        "n_threads"_a);
  m.def("logistic_hessian_product", &hessian_product<float>, "X"_a, "y"_a, "sample_weight"_a.none(),
        "n_classes"_a, "fit_intercept"_a, "pointwise"_a, "v"_a, "n_threads"_a);
  m.def("logistic_gradient_hessian", &gradient_hessian<double>, "X"_a, "y"_a,
        "sample_weight"_a.none(), "fit_intercept"_a, "coef"_a, "n_threads"_a);
  m.def("logistic_gradient_hessian", &gradient_hessian<float>, "X"_a, "y"_a,
        "sample_weight"_a.none(), "fit_intercept"_a, "coef"_a, "n_threads"_a);
}

}  // namespace skaccel::bindings

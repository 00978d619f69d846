// Elastic-net coordinate descent (skaccel/coordinate_descent.hpp): conversion only.
#include "skaccel/coordinate_descent.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "common.hpp"
#include "skaccel/errors.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace lm = skaccel::linear_model;

namespace {

using Coef = nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

// {coef_ (t, p) in T, x_mean (p) and y_mean (t) float64, n_iter, gap, tol, converged
// (lists, one entry per target)}, or None when the input is not finite.
template <class T>
nb::object fit_elastic_net(In2D<T> X, In2D<T> Y, std::optional<In1D<T>> sw, bool fit_intercept,
                           bool gram, Coef coef0, std::vector<std::uint32_t> seeds, double l1,
                           double l2, std::int64_t max_iter, double tol, bool positive, bool random,
                           int n_threads) {
  if (sw && sw->shape(0) != X.shape(0)) throw InvalidArgument("sample_weight has the wrong length");
  if (coef0.shape(0) != Y.shape(1) || coef0.shape(1) != X.shape(1))
    throw InvalidArgument("coef0 must have shape (n_targets, n_features)");
  lm::EnetOptions options;
  options.l1 = l1;
  options.l2 = l2;
  options.max_iter = max_iter;
  options.tol = tol;
  options.positive = positive;
  options.random = random;
  const std::vector<double> start(coef0.data(), coef0.data() + coef0.size());
  std::optional<lm::ElasticNetFit> fit;
  {
    nb::gil_scoped_release release;
    fit = lm::fit_elastic_net<T>(view<T>(X), view<T>(Y), sw ? sw->data() : nullptr,
                                 sw ? sw->stride(0) : 1, fit_intercept, gram, start, seeds, options,
                                 n_threads);
  }
  if (!fit) return nb::none();
  nb::list n_iter, gap, scaled_tol, converged;
  for (const lm::EnetResult& r : fit->targets) {
    n_iter.append(r.n_iter);
    gap.append(r.gap);
    scaled_tol.append(r.tol);
    converged.append(r.converged);
  }
  nb::dict out;
  const auto t = static_cast<size_t>(fit->n_targets), p = static_cast<size_t>(fit->n_features);
  out["coef_"] = to_numpy<T>(fit->coef, {t, p});
  out["x_mean"] = to_numpy<double>(fit->x_mean, {p});
  out["y_mean"] = to_numpy<double>(fit->y_mean, {t});
  out["n_iter"] = n_iter;
  out["gap"] = gap;
  out["tol"] = scaled_tol;
  out["converged"] = converged;
  return out;
}

}  // namespace

SKACCEL_BINDINGS(coordinate_descent) {
  m.def("fit_elastic_net", &fit_elastic_net<double>, "X"_a, "Y"_a, "sample_weight"_a.none(),
        "fit_intercept"_a, "gram"_a, "coef0"_a, "seeds"_a, "l1"_a, "l2"_a, "max_iter"_a, "tol"_a,
        "positive"_a, "random"_a, "n_threads"_a);
  m.def("fit_elastic_net", &fit_elastic_net<float>, "X"_a, "Y"_a, "sample_weight"_a.none(),
        "fit_intercept"_a, "gram"_a, "coef0"_a, "seeds"_a, "l1"_a, "l2"_a, "max_iter"_a, "tol"_a,
        "positive"_a, "random"_a, "n_threads"_a);
}

}  // namespace skaccel::bindings

// Ranking metrics (skaccel/metrics.hpp): conversion only.
#include "skaccel/metrics.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>

#include <optional>

#include "common.hpp"
#include "skaccel/errors.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace {

using Flags = nb::ndarray<const bool, nb::ndim<1>, nb::device::cpu>;

// {area, positive_weight, negative_weight} of one binary problem (metrics::roc_auc).
template <class T>
nb::dict roc_auc(In1D<T> y_score, Flags positive, std::optional<In1D<double>> sample_weight,
                 double max_fpr, int n_threads) {
  const auto n = static_cast<std::int64_t>(y_score.shape(0));
  if (positive.shape(0) != y_score.shape(0) ||
      (sample_weight && sample_weight->shape(0) != y_score.shape(0)))
    throw InvalidArgument("y_score, the class flags and sample_weight differ in length");
  metrics::RocAuc result;
  {
    nb::gil_scoped_release release;
    result =
        metrics::roc_auc<T>(y_score.data(), y_score.stride(0), positive.data(), positive.stride(0),
                            sample_weight ? sample_weight->data() : nullptr,
                            sample_weight ? sample_weight->stride(0) : 1, n, max_fpr, n_threads);
  }
  nb::dict out;
  out["area"] = result.area;
  out["positive_weight"] = result.positive_weight;
  out["negative_weight"] = result.negative_weight;
  return out;
}

}  // namespace

SKACCEL_BINDINGS(metrics) {
  m.def("roc_auc", &roc_auc<double>, "y_score"_a, "positive"_a, "sample_weight"_a.none(),
        "max_fpr"_a, "n_threads"_a);
  m.def("roc_auc", &roc_auc<float>, "y_score"_a, "positive"_a, "sample_weight"_a.none(),
        "max_fpr"_a, "n_threads"_a);
}

}  // namespace skaccel::bindings

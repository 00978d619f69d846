// Per-column moments (basic statistics): conversion only. Results are dicts keyed by the
// declared field names (moments::to_fields).
#include "skaccel/moments.hpp"

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

template <class T>
nb::dict column_statistics(In2D<T> X, std::optional<In1D<T>> sw, int n_threads) {
  if (sw && sw->shape(0) != X.shape(0)) throw InvalidArgument("sample_weight has the wrong length");
  moments::ColumnStatistics s;
  {
    nb::gil_scoped_release release;
    s = moments::column_statistics<T>(view<T>(X), sw ? sw->data() : nullptr, sw ? sw->stride(0) : 1,
                                      n_threads);
  }
  return to_dict(moments::to_fields(s));
}

moments::ColumnStatistics statistics(nb::dict d) {
  std::vector<nb::object> keep;
  return moments::statistics_from(to_state(nullptr, d, nb::none(), keep));
}

}  // namespace

SKACCEL_BINDINGS(moments) {
  m.def("column_statistics", &column_statistics<double>, "X"_a, "sample_weight"_a.none(),
        "n_threads"_a);
  m.def("column_statistics", &column_statistics<float>, "X"_a, "sample_weight"_a.none(),
        "n_threads"_a);
  m.def(
      "merge_column_statistics",
      [](nb::dict a, nb::dict b) {
        return to_dict(moments::to_fields(moments::merge(statistics(a), statistics(b))));
      },
      "a"_a, "b"_a);
}

}  // namespace skaccel::bindings

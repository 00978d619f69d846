// Row gathers (skaccel/model_selection.hpp): conversion only.
#include "skaccel/model_selection.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>

#include "common.hpp"
#include "skaccel/errors.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace {

using Source = nb::ndarray<nb::ro, nb::device::cpu>;
using Target = nb::ndarray<nb::device::cpu>;
using Index = nb::ndarray<const std::int64_t, nb::ndim<1>, nb::device::cpu>;

// A 1-D or 2-D array as rows × columns of bytes (strides in bytes).
template <class M, class A>
M byte_matrix(const A& a, const char* what) {
  if (a.ndim() != 1 && a.ndim() != 2)
    throw InvalidArgument(std::string(what) + " must have 1 or 2 dimensions");
  const auto itemsize = static_cast<std::int64_t>(a.itemsize());
  M out;
  out.data = reinterpret_cast<decltype(out.data)>(a.data());
  out.itemsize = itemsize;
  out.rows = static_cast<std::int64_t>(a.shape(0));
  out.row_stride = a.stride(0) * itemsize;
  out.cols = a.ndim() == 2 ? static_cast<std::int64_t>(a.shape(1)) : 1;
  out.col_stride = a.ndim() == 2 ? a.stride(1) * itemsize : itemsize;
  return out;
}

// out[r] = src[index[r]] for every r; out has src's dtype and trailing shape.
void gather_rows(Source src, Index index, Target out, int n_threads) {
  if (src.dtype() != out.dtype() || src.ndim() != out.ndim() ||
      (src.ndim() == 2 && src.shape(1) != out.shape(1)) || index.shape(0) != out.shape(0))
    throw InvalidArgument("the output does not match the source and the index");
  const auto from = byte_matrix<model_selection::ByteMatrix>(src, "the source");
  const auto to = byte_matrix<model_selection::MutableByteMatrix>(out, "the output");
  nb::gil_scoped_release release;
  model_selection::gather_rows(from, index.data(), index.stride(0), to, n_threads);
}

// NumPy's RandomState.permutation(len(out)) into out, continued from the MT19937 state
// (key, pos); key is advanced in place and the new position returned.
int legacy_permutation(
    nb::ndarray<std::uint32_t, nb::shape<624>, nb::c_contig, nb::device::cpu> key, int pos,
    nb::ndarray<std::int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu> out) {
  model_selection::MT19937State state;
  std::copy(key.data(), key.data() + model_selection::MT19937State::kWords, state.key);
  state.pos = pos;
  {
    nb::gil_scoped_release release;
    model_selection::legacy_permutation(state, out.data(), static_cast<std::int64_t>(out.shape(0)));
  }
  std::copy(state.key, state.key + model_selection::MT19937State::kWords, key.data());
  return state.pos;
}

}  // namespace

SKACCEL_BINDINGS(model_selection) {
  m.def("gather_rows", &gather_rows, "source"_a, "index"_a, "out"_a, "n_threads"_a);
  m.def("legacy_permutation", &legacy_permutation, "key"_a, "pos"_a, "out"_a);
}

}  // namespace skaccel::bindings

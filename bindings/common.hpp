#pragma once
// Conversions between NumPy arrays and core views, shared by the binding files.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstring>
#include <vector>

#include "skaccel/matrix.hpp"

namespace skaccel::bindings {
namespace nb = nanobind;

template <class T>
using In2D = nb::ndarray<const T, nb::ndim<2>, nb::device::cpu>;
template <class T>
using In1D = nb::ndarray<const T, nb::ndim<1>, nb::device::cpu>;
template <class T>
using Out2D = nb::ndarray<T, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

template <class T, class A>
ConstMatrixView<T> view(const A& a) {
  return ConstMatrixView<T>(a.data(), static_cast<std::int64_t>(a.shape(0)),
                            static_cast<std::int64_t>(a.shape(1)), a.stride(0), a.stride(1));
}

// A new NumPy array of dtype T holding `values` (converted from double), shape `shape`.
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(const std::vector<double>& values,
                                   std::initializer_list<size_t> shape) {
  T* data = new T[values.size() ? values.size() : 1];
  for (size_t i = 0; i < values.size(); ++i) data[i] = static_cast<T>(values[i]);
  nb::capsule owner(data, [](void* p) noexcept { delete[] static_cast<T*>(p); });
  return nb::ndarray<nb::numpy, T>(data, shape.size(), shape.begin(), owner);
}

}  // namespace skaccel::bindings

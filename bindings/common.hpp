#pragma once
// Conversions between Python objects and the core's types, shared by the binding files:
// arrays and views, state dicts keyed by declared field names (model::State in,
// model::Fields out). Nothing here computes.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <functional>
#include <initializer_list>
#include <vector>

#include "skaccel/matrix.hpp"
#include "skaccel/model.hpp"

namespace skaccel::bindings {
namespace nb = nanobind;

// A NumPy array that takes over `values` (no copy).
template <class V>
nb::ndarray<nb::numpy, V> adopt(std::vector<V>&& values, std::initializer_list<size_t> shape) {
  auto* owned = new std::vector<V>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<V>*>(p); });
  return nb::ndarray<nb::numpy, V>(owned->data(), shape.size(), shape.begin(), owner);
}

template <class T>
using In2D = nb::ndarray<const T, nb::ndim<2>, nb::device::cpu>;
template <class T>
using In1D = nb::ndarray<const T, nb::ndim<1>, nb::device::cpu>;
template <class T>
using Out2D = nb::ndarray<T, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
// An array of any dtype and layout on the CPU (NumPy, or any DLPack producer: torch, ...).
using AnyArray = nb::ndarray<nb::ro, nb::device::cpu>;

template <class T, class A>
ConstMatrixView<T> view(const A& a) {
  return ConstMatrixView<T>(a.data(), static_cast<std::int64_t>(a.shape(0)),
                            static_cast<std::int64_t>(a.shape(1)), a.stride(0), a.stride(1));
}

// The scalar type of an array; InvalidArgument for other dtypes (e.g. float16, bool).
model::ScalarType scalar_type(const AnyArray& a, const char* what);

// A 2-D array as a strided matrix (any strides, negative and zero ones included).
model::AnyMatrix any_matrix(const AnyArray& a, const char* what);

// A new NumPy array of dtype T holding `values` (converted from double), shape `shape`.
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(const std::vector<double>& values,
                                   std::initializer_list<size_t> shape) {
  T* data = new T[values.size() ? values.size() : 1];
  for (size_t i = 0; i < values.size(); ++i) data[i] = static_cast<T>(values[i]);
  nb::capsule owner(data, [](void* p) noexcept { delete[] static_cast<T*>(p); });
  return nb::ndarray<nb::numpy, T>(data, shape.size(), shape.begin(), owner);
}

// {name: value} for every entry: arrays become NumPy arrays that own the core's buffers
// (no copy), scalars Python scalars.
nb::dict to_dict(const model::Fields& fields);

// The state inference reads, from an estimator's attribute dict (only the fields the
// model type declares are looked at) and a dict of hyperparameters. Arrays are viewed in
// place when C-contiguous (else copied); `keep` holds what the views point into.
// type == nullptr: an untyped state (every entry of `fields` taken).
model::State to_state(const model::ModelType* type, nb::handle fields, nb::handle params,
                      std::vector<nb::object>& keep);

// Binding files register their functions here (at static initialisation), so module.cpp
// lists no family.
struct BindingRegistration {
  BindingRegistration(const char* name, void (*define)(nb::module_&));
};
void define_registered_bindings(nb::module_& m);

#define SKACCEL_BINDINGS(ident)                                                   \
  static void skaccel_define_bindings_##ident(::nanobind::module_& m);            \
  static const ::skaccel::bindings::BindingRegistration skaccel_bindings_##ident( \
      #ident, &skaccel_define_bindings_##ident);                                  \
  static void skaccel_define_bindings_##ident(::nanobind::module_& m)

}  // namespace skaccel::bindings

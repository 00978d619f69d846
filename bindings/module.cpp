#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "skaccel/errors.hpp"
#include "skaccel/model_file.hpp"
#include "skaccel/schema.hpp"
#include "skaccel/threading.hpp"
#include "skaccel/version.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
void register_linear_model(nb::module_& m);
void register_persistence(nb::module_& m);
void register_moments(nb::module_& m);
}  // namespace skaccel::bindings

NB_MODULE(_core, m) {
  m.doc() = "skaccel's C++ core (thin bindings: conversion only)";
  nb::exception<skaccel::NumericalError>(m, "NumericalError", PyExc_ArithmeticError);
  // Most derived first: nanobind tries translators in reverse order of registration.
  static nb::exception<skaccel::FormatError> format_error(m, "FormatError", PyExc_ValueError);
  nb::exception<skaccel::model_file::IncompatibleFormatError>(m, "IncompatibleFormatError",
                                                              format_error);
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const skaccel::InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.attr("__version__") = skaccel::kVersion;
  m.attr("FORMAT_VERSION") = nb::make_tuple(skaccel::kFormatMajor, skaccel::kFormatMinor);
  m.def("cpu_features", &skaccel::cpu_features);
  m.def("blas_info", &skaccel::blas_info);
  m.def("resolve_n_threads", &skaccel::resolve_n_threads, "n_jobs"_a, "given"_a);
  m.def("default_n_threads", &skaccel::default_n_threads);

  m.def("model_schemas", []() -> nb::list {
    nb::list out;
    for (const auto& s : skaccel::schema::registered_models()) {
      nb::list fields;
      for (const auto& f : s.fields) {
        using skaccel::schema::DType;
        const char* dtype = f.dtype == DType::floating  ? "floating"
                            : f.dtype == DType::float64 ? "float64"
                            : f.dtype == DType::integer ? "integer"
                                                        : "string";
        nb::dict d;
        d["name"] = f.name;
        d["dtype"] = dtype;
        d["shape"] = nb::cast(f.shape);
        d["optional"] = f.optional;
        d["nullable"] = f.nullable;
        d["doc"] = f.doc;
        fields.append(d);
      }
      nb::dict model;
      model["estimator"] = s.estimator;
      model["module"] = s.module;
      model["predictor"] = s.predictor;
      model["fields"] = fields;
      out.append(model);
    }
    return out;
  });

  skaccel::bindings::register_linear_model(m);
  skaccel::bindings::register_persistence(m);
  skaccel::bindings::register_moments(m);
}

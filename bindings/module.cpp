// skaccel._core: the registry of model types and knob sets, generic inference, threads,
// versions and the error mapping. The family binding files register themselves
// (SKACCEL_BINDINGS); this file names no family.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

#include <cerrno>

#include "common.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/model.hpp"
#include "skaccel/threading.hpp"
#include "skaccel/tuning.hpp"
#include "skaccel/version.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace {

const char* dtype_name(model::DType d) {
  switch (d) {
    case model::DType::floating:
      return "floating";
    case model::DType::float64:
      return "float64";
    case model::DType::integer:
      return "integer";
    case model::DType::label:
      return "label";
    case model::DType::numeric:
      return "numeric";
    case model::DType::string:
      return "string";
  }
  return "unknown";
}

nb::dict describe_type(const model::ModelType& t) {
  nb::list fields;
  for (const auto& f : t.fields) {
    nb::dict d;
    d["name"] = f.name;
    d["dtype"] = dtype_name(f.dtype);
    d["shape"] = nb::cast(f.shape);
    d["optional"] = f.optional;
    d["nullable"] = f.nullable;
    d["doc"] = f.doc;
    fields.append(d);
  }
  nb::list methods;
  for (const auto& m : t.methods) {
    nb::dict d;
    d["name"] = m.name;
    d["doc"] = m.doc;
    d["params"] = nb::cast(m.params);
    nb::list outputs;
    for (const auto& o : m.outputs)
      outputs.append(nb::make_tuple(o.name, model::output_type_name(o.type)));
    d["outputs"] = outputs;
    methods.append(d);
  }
  nb::dict d;
  d["name"] = t.name;
  d["family"] = t.family;
  d["doc"] = t.doc;
  d["fields"] = fields;
  d["methods"] = methods;
  return d;
}

// Runs a registered inference method on X with the estimator's own attributes (views).
// Returns one array per declared output, 1-D when the method says so.
nb::object run_method(const std::string& type_name, const std::string& method, nb::dict fields,
                      nb::dict params, AnyArray X, int n_threads) {
  const model::ModelType& type = model::get(type_name);
  std::vector<nb::object> keep;
  const model::State state = to_state(&type, fields, params, keep);
  const model::AnyMatrix x = any_matrix(X, "X");
  std::vector<model::OutputBuffer> outputs;
  bool one_dimensional = false;
  {
    nb::gil_scoped_release release;
    outputs = model::run(state, method, x, n_threads);
    one_dimensional = model::checked_method(state, method).one_dimensional(state);
  }
  nb::list result;
  for (auto& b : outputs) {
    auto* owned = new model::OutputBuffer(std::move(b));
    nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<model::OutputBuffer*>(p); });
    std::vector<size_t> shape{static_cast<size_t>(owned->rows)};
    if (!one_dimensional) shape.push_back(static_cast<size_t>(owned->cols));
    nb::dlpack::dtype dtype = owned->dtype == model::ScalarType::float32 ? nb::dtype<float>()
                              : owned->dtype == model::ScalarType::int64 ? nb::dtype<std::int64_t>()
                              : owned->dtype == model::ScalarType::int32 ? nb::dtype<std::int32_t>()
                                                                         : nb::dtype<double>();
    static double empty = 0.0;
    void* data = owned->bytes.empty() ? static_cast<void*>(&empty) : owned->bytes.data();
    result.append(
        nb::cast(nb::ndarray<nb::numpy>(data, shape.size(), shape.data(), owner, nullptr, dtype)));
  }
  return result.size() == 1 ? nb::object(result[0]) : nb::object(nb::tuple(result));
}

nb::list knob_sets() {
  nb::list out;
  for (const tuning::KnobSet* s : tuning::registered()) {
    nb::list knobs;
    for (const auto& k : s->knobs) {
      nb::dict d;
      d["name"] = k.name;
      d["default"] = k.default_value;
      d["minimum"] = k.minimum;
      d["doc"] = k.doc;
      d["effective"] = k.effective;
      knobs.append(d);
    }
    nb::dict d;
    d["name"] = s->name;
    d["doc"] = s->doc;
    d["knobs"] = knobs;
    out.append(d);
  }
  return out;
}

}  // namespace
}  // namespace skaccel::bindings

NB_MODULE(_core, m) {
  namespace sb = skaccel::bindings;
  m.doc() = "skaccel's C++ core (thin bindings: conversion only)";
  nb::exception<skaccel::NumericalError>(m, "NumericalError", PyExc_ArithmeticError);
  // Most derived first: nanobind tries translators in reverse order of registration.
  static nb::exception<skaccel::FormatError> format_error(m, "FormatError", PyExc_ValueError);
  nb::exception<skaccel::IncompatibleFormatError>(m, "IncompatibleFormatError", format_error);
  nb::exception<skaccel::StateError>(m, "StateError", format_error);
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const skaccel::InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const skaccel::IoError& e) {
      // OSError(errno, reason, path) is the subclass the errno selects
      // (FileNotFoundError, IsADirectoryError, ...), with .filename set.
      nb::object error = nb::handle(PyExc_OSError)(e.error_code ? e.error_code : EIO, e.reason,
                                                   nb::str(e.path.c_str(), e.path.size()));
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
    }
  });

  m.attr("__version__") = skaccel::kVersion;
  m.attr("FORMAT_VERSION") = nb::make_tuple(skaccel::kFormatMajor, skaccel::kFormatMinor);
  m.def("cpu_features", &skaccel::cpu_features);
  m.def("blas_info", &skaccel::blas_info);
  m.def("resolve_n_threads", &skaccel::resolve_n_threads, "n_jobs"_a, "given"_a);
  m.def("default_n_threads", &skaccel::default_n_threads);
  m.def("set_default_n_threads", &skaccel::set_default_n_threads, "n"_a);

  m.def("model_types", []() {
    nb::list out;
    for (const skaccel::model::ModelType* t : skaccel::model::registered())
      out.append(sb::describe_type(*t));
    return out;
  });
  m.def("run_method", &sb::run_method, "model_type"_a, "method"_a, "fields"_a, "params"_a, "X"_a,
        "n_threads"_a);

  m.def("knob_sets", &sb::knob_sets);
  m.def("get_knob", &skaccel::tuning::get, "knob_set"_a, "knob"_a);
  m.def("set_knob", &skaccel::tuning::set, "knob_set"_a, "knob"_a, "value"_a);
  m.def("reset_knobs", &skaccel::tuning::reset, "knob_set"_a);

  sb::define_registered_bindings(m);
}

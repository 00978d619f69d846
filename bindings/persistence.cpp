// Model files and state validation: conversion only; the format lives in the core.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <memory>

#include "common.hpp"
#include "skaccel/checksum.hpp"
#include "skaccel/model.hpp"
#include "skaccel/model_file.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace mf = skaccel::model_file;

namespace {

nb::list tensor_table(const mf::Header& h) {
  nb::list out;
  for (const auto& t : h.tensors) {
    nb::dict d;
    d["name"] = t.name;
    d["dtype"] = t.dtype;
    d["shape"] = nb::cast(t.shape);
    d["offset"] = t.offset;
    d["nbytes"] = t.nbytes;
    d["crc32c"] = t.crc32c;
    out.append(d);
  }
  return out;
}

model::FieldValue::Kind kind_from(const std::string& k) {
  using K = model::FieldValue::Kind;
  if (k == "tensor") return K::tensor;
  if (k == "integer") return K::integer;
  if (k == "floating") return K::floating;
  if (k == "string") return K::string;
  if (k == "string_array") return K::string_array;
  if (k == "null") return K::null;
  return K::other;
}

nb::dlpack::dtype tensor_dtype(const std::string& name) {
  if (name == "float32") return nb::dtype<float>();
  if (name == "float64") return nb::dtype<double>();
  if (name == "int32") return nb::dtype<std::int32_t>();
  return nb::dtype<std::int64_t>();
}

// A model file mapped by the core (its fault guard and change check apply), for Python.
struct MappedModel {
  std::shared_ptr<const mf::Model> model;
};

}  // namespace

SKACCEL_BINDINGS(persistence) {
  nb::class_<MappedModel>(m, "MappedModel",
                          "A model file mapped read-only by the core; arrays are views of it")
      .def_prop_ro("format",
                   [](const MappedModel& h) {
                     return nb::make_tuple(h.model->header().format_major,
                                           h.model->header().format_minor);
                   })
      .def_prop_ro("header", [](const MappedModel& h) { return h.model->header().text; })
      .def_prop_ro("tensors", [](const MappedModel& h) { return tensor_table(h.model->header()); })
      .def(
          "array",
          [](nb::handle self, const std::string& name) {
            const MappedModel& h = nb::cast<const MappedModel&>(self);
            const mf::Tensor* t = h.model->tensor(name);
            if (!t) throw InvalidArgument("the model file has no tensor '" + name + "'");
            std::vector<size_t> shape(t->shape.begin(), t->shape.end());
            // Read-only, and it keeps the mapping (this object) alive.
            return nb::ndarray<nb::numpy, nb::ro>(h.model->data(*t), shape.size(), shape.data(),
                                                  self, nullptr, tensor_dtype(t->dtype));
          },
          "name"_a)
      .def(
          "check_unchanged", [](const MappedModel& h) { h.model->check_unchanged(); },
          "FormatError when the file was truncated or rewritten since it was mapped");
  m.def(
      "map_model_file",
      [](const std::string& path, bool verify) {
        std::shared_ptr<const mf::Model> model;
        {
          nb::gil_scoped_release release;
          model = std::make_shared<const mf::Model>(mf::Model::open(path, true, verify));
        }
        return MappedModel{std::move(model)};
      },
      "path"_a, "verify"_a);

  m.def(
      "crc32c",
      [](nb::bytes data, std::uint32_t crc) { return crc32c(data.c_str(), data.size(), crc); },
      "data"_a, "crc"_a = 0);
  m.def(
      "crc32c_array",
      [](nb::ndarray<const std::uint8_t, nb::ndim<1>, nb::c_contig, nb::device::cpu> a) {
        nb::gil_scoped_release release;
        return crc32c(a.data(), a.shape(0));
      },
      "array"_a);

  m.def(
      "required_prefix",
      [](nb::bytes prefix, std::uint64_t file_size) {
        return mf::required_prefix(reinterpret_cast<const std::uint8_t*>(prefix.c_str()),
                                   prefix.size(), file_size);
      },
      "prefix"_a, "file_size"_a);

  // (format (major, minor), header JSON text, tensor table)
  m.def(
      "parse_model_header",
      [](nb::bytes head, std::uint64_t file_size) {
        const mf::Header h = mf::parse_header(reinterpret_cast<const std::uint8_t*>(head.c_str()),
                                              head.size(), file_size);
        return nb::make_tuple(nb::make_tuple(h.format_major, h.format_minor), h.text,
                              tensor_table(h));
      },
      "head"_a, "file_size"_a);

  m.def(
      "save_model_file",
      [](const std::string& path, const std::string& estimator, const std::string& params,
         const std::string& record, const std::string& attributes, const std::string& feature_names,
         nb::list tensors, bool durable) {
        mf::ModelToWrite w{estimator, params, record, attributes, feature_names, {}};
        std::vector<nb::ndarray<nb::ro, nb::device::cpu, nb::c_contig>> keep;
        for (nb::handle item : tensors) {
          auto [name, dtype, array] =
              nb::cast<std::tuple<std::string, std::string,
                                  nb::ndarray<nb::ro, nb::device::cpu, nb::c_contig>>>(item);
          std::vector<std::int64_t> shape;
          for (size_t i = 0; i < array.ndim(); ++i)
            shape.push_back(static_cast<std::int64_t>(array.shape(i)));
          w.tensors.push_back({name, dtype, shape, array.data()});
          keep.push_back(array);
        }
        nb::gil_scoped_release release;
        mf::save(path, w, {durable});
      },
      "path"_a, "estimator"_a, "params"_a, "record"_a, "attributes"_a, "feature_names"_a,
      "tensors"_a, "durable"_a = false);

  // values: list of (name, kind, dtype, shape, integer)
  m.def(
      "validate_state",
      [](const std::string& estimator,
         const std::vector<std::tuple<std::string, std::string, std::string,
                                      std::vector<std::int64_t>, std::int64_t>>& values) {
        std::vector<model::FieldValue> fields;
        for (const auto& [name, kind, dtype, shape, integer] : values) {
          model::FieldValue f;
          f.name = name;
          f.kind = kind_from(kind);
          f.dtype = dtype;
          f.shape = shape;
          f.integer = integer;
          f.type_name = kind;
          fields.push_back(std::move(f));
        }
        model::validate_state(model::get(estimator), fields);
      },
      "estimator"_a, "values"_a);
}

}  // namespace skaccel::bindings

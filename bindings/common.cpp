// Conversions shared by the binding files (common.hpp).
#include "common.hpp"

#include <nanobind/stl/string.h>

#include <memory>
#include <string>

#include "skaccel/errors.hpp"

namespace skaccel::bindings {

using model::ScalarType;
using model::Value;

model::ScalarType scalar_type(const AnyArray& a, const char* what) {
  const nb::dlpack::dtype d = a.dtype();
  if (d.lanes == 1 && d.code == static_cast<std::uint8_t>(nb::dlpack::dtype_code::Float)) {
    if (d.bits == 32) return ScalarType::float32;
    if (d.bits == 64) return ScalarType::float64;
  }
  if (d.lanes == 1 && d.code == static_cast<std::uint8_t>(nb::dlpack::dtype_code::Int)) {
    if (d.bits == 32) return ScalarType::int32;
    if (d.bits == 64) return ScalarType::int64;
  }
  throw InvalidArgument(std::string(what) + " must hold float32, float64, int32 or int64 values");
}

model::AnyMatrix any_matrix(const AnyArray& a, const char* what) {
  if (a.ndim() != 2) throw InvalidArgument(std::string(what) + " must be a 2-D array");
  model::AnyMatrix m;
  m.dtype = scalar_type(a, what);
  m.data = const_cast<void*>(a.data());
  m.rows = static_cast<std::int64_t>(a.shape(0));
  m.cols = static_cast<std::int64_t>(a.shape(1));
  m.row_stride = a.stride(0);
  m.col_stride = a.stride(1);
  return m;
}

namespace {

nb::dlpack::dtype dlpack_dtype(ScalarType t) {
  switch (t) {
    case ScalarType::float32:
      return nb::dtype<float>();
    case ScalarType::float64:
      return nb::dtype<double>();
    case ScalarType::int32:
      return nb::dtype<std::int32_t>();
    case ScalarType::int64:
      return nb::dtype<std::int64_t>();
  }
  return nb::dtype<double>();
}

nb::object to_python(const Value& v, const std::shared_ptr<const std::vector<unsigned char>>& s) {
  switch (v.kind) {
    case Value::Kind::null:
      return nb::none();
    case Value::Kind::boolean:
      return nb::bool_(v.boolean);
    case Value::Kind::integer:
      return nb::int_(v.integer);
    case Value::Kind::floating:
      return nb::float_(v.floating);
    case Value::Kind::string:
      return nb::str(v.string.c_str(), v.string.size());
    case Value::Kind::tensor: {
      // The array owns a reference to the core's buffer: no copy.
      auto* owner = new std::shared_ptr<const std::vector<unsigned char>>(s);
      nb::capsule capsule(owner, [](void* p) noexcept {
        delete static_cast<std::shared_ptr<const std::vector<unsigned char>>*>(p);
      });
      std::vector<size_t> shape(v.tensor.shape.begin(), v.tensor.shape.end());
      static const unsigned char empty[8] = {};
      void* data = const_cast<void*>(v.tensor.data ? v.tensor.data : empty);
      return nb::cast(nb::ndarray<nb::numpy>(data, shape.size(), shape.data(), capsule, nullptr,
                                             dlpack_dtype(v.tensor.dtype)));
    }
    case Value::Kind::string_array:
      break;
  }
  throw InvalidArgument("cannot convert a field to Python");
}

bool is_builtin_scalar(nb::handle h) {
  return h.is_none() || PyBool_Check(h.ptr()) || PyLong_CheckExact(h.ptr()) ||
         PyFloat_CheckExact(h.ptr()) || PyUnicode_Check(h.ptr());
}

Value builtin_value(nb::handle h, const std::string& name) {
  if (h.is_none()) return Value();
  if (PyBool_Check(h.ptr())) return Value::of_boolean(h.ptr() == Py_True);
  if (PyLong_CheckExact(h.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow) throw InvalidArgument("'" + name + "' is an integer out of the int64 range");
    return Value::of_integer(v);
  }
  if (PyFloat_CheckExact(h.ptr())) return Value::of_floating(PyFloat_AS_DOUBLE(h.ptr()));
  return Value::of_string(nb::cast<std::string>(h));
}

// One value of an attribute dict; `keep` holds the arrays tensors point into.
Value to_value(nb::handle h, const std::string& name, std::vector<nb::object>& keep) {
  if (is_builtin_scalar(h)) return builtin_value(h, name);
  if (PyLong_Check(h.ptr()) && !nb::hasattr(h, "dtype"))  // an int subclass (IntEnum)
    return builtin_value(nb::int_(h), name);
  if (nb::hasattr(h, "dtype") && nb::hasattr(h, "shape")) {
    // NumPy (and other) arrays of str or object: names, labels.
    nb::object kind = nb::getattr(h.attr("dtype"), "kind", nb::none());
    if (nb::isinstance<nb::str>(kind)) {
      const std::string k = nb::cast<std::string>(kind);
      if (k == "U" || k == "S" || k == "O") {
        Value v;
        v.kind = Value::Kind::string_array;
        for (nb::handle d : h.attr("shape")) v.shape.push_back(nb::cast<std::int64_t>(d));
        return v;
      }
    }
  }
  nb::object array = nb::borrow(h);
  if (PyList_CheckExact(h.ptr()))  // a list of ints (ElasticNet's n_iter_ per target)
    array = nb::module_::import_("numpy").attr("asarray")(h, "int64");
  else if (!nb::hasattr(h, "__dlpack__") && nb::hasattr(h, "dtype")) {  // a NumPy scalar
    nb::object kind = nb::getattr(h.attr("dtype"), "kind", nb::none());
    if (nb::isinstance<nb::str>(kind)) {
      const std::string k = nb::cast<std::string>(kind);
      // Integer scalars are integers, as the pickle validator sees them (np.int64).
      if (k == "i" || k == "u") return builtin_value(nb::int_(h), name);
    }
    array = nb::module_::import_("numpy").attr("asarray")(h);
  }
  nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu> a;
  if (!nb::try_cast(array, a, /*convert=*/true))
    throw InvalidArgument("'" + name + "' has an unsupported type " +
                          nb::cast<std::string>(nb::str(nb::handle(h.type()).attr("__name__"))));
  keep.push_back(nb::cast(a));
  model::Tensor t;
  t.dtype = scalar_type(AnyArray(a), ("'" + name + "'").c_str());
  for (size_t i = 0; i < a.ndim(); ++i) t.shape.push_back(static_cast<std::int64_t>(a.shape(i)));
  t.data = a.data();
  return Value::of_tensor(std::move(t));
}

}  // namespace

nb::dict to_dict(const model::Fields& fields) {
  nb::dict d;
  for (const auto& e : fields.entries()) d[e.name.c_str()] = to_python(e.value, e.storage);
  return d;
}

model::State to_state(const model::ModelType* type, nb::handle fields, nb::handle params,
                      std::vector<nb::object>& keep) {
  model::State state = type ? model::State(*type) : model::State();
  nb::dict f = nb::borrow<nb::dict>(fields);
  if (type) {
    for (const auto& decl : type->fields) {
      PyObject* v = PyDict_GetItemString(f.ptr(), decl.name.c_str());
      if (!v) continue;
      if (decl.dtype == model::DType::label && nb::hasattr(v, "shape")) {
        // Labels (classes_) of any dtype: inference maps to class indices and never reads
        // them, so the state holds their shape only.
        Value labels;
        labels.kind = Value::Kind::string_array;
        for (nb::handle d : nb::handle(v).attr("shape"))
          labels.shape.push_back(nb::cast<std::int64_t>(d));
        state.set_field(decl.name, std::move(labels));
        continue;
      }
      state.set_field(decl.name, to_value(v, decl.name, keep));
    }
  } else {
    for (auto [k, v] : f) {
      const std::string name = nb::cast<std::string>(k);
      state.set_field(name, to_value(v, name, keep));
    }
  }
  if (!params.is_none()) {
    for (auto [k, v] : nb::borrow<nb::dict>(params)) {
      const std::string name = nb::cast<std::string>(k);
      if (is_builtin_scalar(v)) state.set_param(name, builtin_value(v, name));
    }
  }
  return state;
}

namespace {
std::vector<std::pair<const char*, void (*)(nb::module_&)>>& binding_registry() {
  static std::vector<std::pair<const char*, void (*)(nb::module_&)>> r;
  return r;
}
}  // namespace

BindingRegistration::BindingRegistration(const char* name, void (*define)(nb::module_&)) {
  binding_registry().emplace_back(name, define);
}

void define_registered_bindings(nb::module_& m) {
  auto r = binding_registry();
  std::sort(r.begin(), r.end(),
            [](const auto& a, const auto& b) { return std::string(a.first) < b.first; });
  for (const auto& [name, define] : r) define(m);
}

}  // namespace skaccel::bindings

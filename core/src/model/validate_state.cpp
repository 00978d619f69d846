// One validator for every loader: pickle states (through the bindings) and model files.
#include <map>

#include "skaccel/model.hpp"

namespace skaccel::model {
namespace {

using Kind = FieldValue::Kind;

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

std::string declared_text(const Field& f) {
  std::string s = "(";
  for (std::size_t i = 0; i < f.shape.size(); ++i) s += (i ? ", " : "") + f.shape[i];
  return s + ")";
}

[[noreturn]] void fail(const ModelType& s, const std::string& what) {
  throw StateError(s.name + ": " + what);
}

bool all_dims_optional(const Field& f) {
  for (const auto& d : f.shape)
    if (d.empty() || d.back() != '?') return false;
  return true;
}

void bind_dimension(const ModelType& s, const Field& f, const std::vector<std::int64_t>& shape,
                    std::map<std::string, std::int64_t>& dims, const std::string& sym,
                    std::int64_t size) {
  auto [it, inserted] = dims.emplace(sym, size);
  if (!inserted && it->second != size)
    fail(s, "attribute '" + f.name + "' does not match its declared shape " + declared_text(f) +
                ": got " + shape_text(shape) + " where " + sym + " is " +
                std::to_string(it->second));
}

void check_shape(const ModelType& s, const Field& f, const std::vector<std::int64_t>& shape,
                 std::map<std::string, std::int64_t>& dims) {
  std::vector<std::string> fixed;
  for (const auto& d : f.shape)
    if (d.empty() || d.back() != '?') fixed.push_back(d);
  const std::vector<std::string>* symbols = nullptr;
  if (shape.size() == f.shape.size())
    symbols = &f.shape;
  else if (shape.size() == fixed.size())
    symbols = &fixed;
  if (!symbols)
    fail(s, "attribute '" + f.name + "' does not match its declared shape " + declared_text(f) +
                ": got " + shape_text(shape));
  for (std::size_t i = 0; i < shape.size(); ++i) {
    std::string sym = (*symbols)[i];
    if (!sym.empty() && sym.back() == '?') sym.pop_back();
    if (shape[i] < 0) fail(s, "attribute '" + f.name + "' has a negative dimension");
    bind_dimension(s, f, shape, dims, sym, shape[i]);
  }
  // An optional axis that is absent has size 1 (coef_ of a single target), so that a
  // field holding it agrees: coef_ (3, p) with a scalar intercept_ is refused.
  if (symbols == &fixed)
    for (const auto& d : f.shape)
      if (!d.empty() && d.back() == '?')
        bind_dimension(s, f, shape, dims, d.substr(0, d.size() - 1), 1);
}

}  // namespace

void validate_state(const ModelType& s, const std::vector<FieldValue>& values,
                    bool require_fitted) {
  std::map<std::string, const FieldValue*> by_name;
  for (const auto& v : values) by_name[v.name] = &v;
  bool any = false;
  for (const auto& f : s.fields) any |= by_name.count(f.name) > 0;
  if (!any && require_fitted) fail(s, "the state holds no fitted attributes");
  if (!any) return;  // unfitted
  std::string missing;
  for (const auto& f : s.fields)
    if (!f.optional && !by_name.count(f.name))
      missing += (missing.empty() ? "'" : ", '") + f.name + "'";
  if (!missing.empty())
    fail(s, "the fitted state lacks [" + missing + "]; it is truncated or damaged");

  std::map<std::string, std::int64_t> dims;
  // Scalars first: n_features_in_ fixes n_features before the arrays are checked.
  for (const auto& f : s.fields) {
    auto it = by_name.find(f.name);
    if (it == by_name.end() || !f.shape.empty() || f.dtype != DType::integer) continue;
    const FieldValue& v = *it->second;
    if (v.kind == Kind::null && f.nullable) continue;
    if (v.kind != Kind::integer) fail(s, "attribute '" + f.name + "' must be an integer");
    if (v.integer < 0) fail(s, "attribute '" + f.name + "' must not be negative");
    if (f.name == "n_features_in_") dims["n_features"] = v.integer;
  }
  std::string float_dtype;
  for (const auto& f : s.fields) {
    auto it = by_name.find(f.name);
    if (it == by_name.end()) continue;
    const FieldValue& v = *it->second;
    if (v.kind == Kind::null) {
      if (f.nullable) continue;
      fail(s, "attribute '" + f.name + "' must not be None");
    }
    if (v.kind == Kind::other)
      fail(s, "attribute '" + f.name + "' has an unsupported type " + v.type_name);
    switch (f.dtype) {
      case DType::string:
        if (f.shape.empty()) {
          if (v.kind != Kind::string) fail(s, "attribute '" + f.name + "' must be a string");
        } else {
          if (v.kind != Kind::string_array) fail(s, "attribute '" + f.name + "' must hold strings");
          check_shape(s, f, v.shape, dims);
        }
        break;
      case DType::label:
        // Any numeric dtype in a pickle (bool, uint8 labels); model files hold the four
        // tensor dtypes and strings.
        if (v.kind != Kind::string_array && v.kind != Kind::tensor)
          fail(s, "attribute '" + f.name + "' must be an array of labels");
        check_shape(s, f, v.shape, dims);
        break;
      case DType::numeric:
        if (v.kind != Kind::tensor || (v.dtype != "float32" && v.dtype != "float64" &&
                                       v.dtype != "int32" && v.dtype != "int64"))
          fail(s, "attribute '" + f.name + "' must be a float32, float64, int32 or int64 array");
        check_shape(s, f, v.shape, dims);
        break;
      case DType::integer:
        if (f.shape.empty()) break;  // checked above
        // An int where every axis is optional (ElasticNet's n_iter_ of one target).
        if (v.kind == Kind::integer && all_dims_optional(f)) break;
        if (v.kind != Kind::tensor || (v.dtype != "int32" && v.dtype != "int64"))
          fail(s, "attribute '" + f.name + "' must be an integer array");
        check_shape(s, f, v.shape, dims);
        break;
      case DType::float64:
        if (v.kind == Kind::floating && all_dims_optional(f)) break;
        if (v.kind != Kind::tensor || v.dtype != "float64")
          fail(s, "attribute '" + f.name + "' must be a float64 array");
        check_shape(s, f, v.shape, dims);
        break;
      case DType::floating:
        if (v.kind == Kind::floating) {
          // A plain float broadcasts over the optional axes (intercept_ = 0.0 of a
          // multi-target model fitted without intercept); a 0-d array does not.
          if (!all_dims_optional(f))
            fail(s, "attribute '" + f.name + "' must be an array, got a float");
          break;
        }
        if (v.kind != Kind::tensor) fail(s, "attribute '" + f.name + "' must be an array");
        // float16: what scikit-learn's LinearRegression keeps for half-precision X
        // (pickles only: model files and the C++ kernels hold float32 and float64).
        if (v.dtype != "float32" && v.dtype != "float64" && v.dtype != "float16")
          fail(s, "attribute '" + f.name + "' must be float32 or float64, got " + v.dtype);
        if (float_dtype.empty())
          float_dtype = v.dtype;
        else if (v.dtype != float_dtype)
          fail(s, "attribute '" + f.name + "' is " + v.dtype + " but the model is " + float_dtype);
        check_shape(s, f, v.shape, dims);
        break;
    }
  }
}

}  // namespace skaccel::model

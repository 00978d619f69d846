#pragma once
// Small, valid linear models written with skaccel::model_file::save(): the test suite,
// the fuzzers' seed corpus (skaccel-make-test-models) and the C++ example use them.
// Header-only; needs only the core.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "skaccel/json.hpp"
#include "skaccel/model_file.hpp"
#include "skaccel/version.hpp"

namespace skaccel::test_models {

enum class InterceptKind {
  tensor_scalar,    // intercept_ is a tensor of shape [] (single-output NumPy scalar)
  tensor_vector,    // intercept_ is a tensor of shape [n_targets]
  attribute_float,  // intercept_ is a JSON float attribute (fit_intercept=False: 0.0)
};

template <class T>
struct LinearModel {
  std::string estimator = "LinearRegression";  // or "Ridge"
  std::int64_t n_features = 3;
  std::int64_t n_targets = 1;
  bool single_output = true;  // coef_ is 1-D [n_features] (then n_targets == 1)
  InterceptKind intercept_kind = InterceptKind::tensor_scalar;
  std::vector<T> coef;           // n_targets × n_features
  std::vector<T> intercept;      // 1 (tensor_scalar) or n_targets (tensor_vector)
  double intercept_value = 0.0;  // attribute_float
  std::vector<T> singular;       // LinearRegression: min(n_features, 5) values

  const char* dtype() const { return sizeof(T) == 8 ? "float64" : "float32"; }

  // The intercept predict adds to each output (n_targets values).
  std::vector<T> effective_intercept() const {
    if (intercept_kind == InterceptKind::attribute_float)
      return std::vector<T>(static_cast<std::size_t>(n_targets), static_cast<T>(intercept_value));
    if (intercept_kind == InterceptKind::tensor_scalar)
      return std::vector<T>(static_cast<std::size_t>(n_targets), intercept.at(0));
    return intercept;
  }
};

// A JSON number that reads back as the same double and is never taken for an integer.
inline std::string json_float(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

template <class T>
LinearModel<T> make_linear_model(const std::string& estimator, std::int64_t n_features,
                                 std::int64_t n_targets, bool single_output, InterceptKind kind,
                                 unsigned seed = 0) {
  LinearModel<T> m;
  m.estimator = estimator;
  m.n_features = n_features;
  m.n_targets = single_output ? 1 : n_targets;
  m.single_output = single_output;
  m.intercept_kind = kind;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 1.0);
  m.coef.resize(static_cast<std::size_t>(m.n_targets * n_features));
  for (auto& c : m.coef) c = static_cast<T>(N(rng));
  if (kind == InterceptKind::tensor_scalar) m.intercept = {static_cast<T>(3.0 + N(rng))};
  if (kind == InterceptKind::tensor_vector) {
    m.intercept.resize(static_cast<std::size_t>(m.n_targets));
    for (auto& b : m.intercept) b = static_cast<T>(3.0 + N(rng));
  }
  if (kind == InterceptKind::attribute_float) m.intercept_value = 0.1 * std::round(N(rng) * 20);
  if (estimator == "LinearRegression") {
    m.singular.resize(static_cast<std::size_t>(std::min<std::int64_t>(n_features, 5)));
    double s = 10.0;
    for (auto& v : m.singular) v = static_cast<T>(s /= 1.5);
  }
  return m;
}

// The ModelToWrite of m; its tensors point into m, which must outlive it.
template <class T>
model_file::ModelToWrite to_write(const LinearModel<T>& m) {
  model_file::ModelToWrite w;
  w.estimator = m.estimator;
  // A complete version record of this build (skaccel-predict refuses files without one).
  w.record_json = std::string("{\"skaccel\":\"") + kVersion + "\",\"format_version\":\"" +
                  std::to_string(kFormatMajor) + "." + std::to_string(kFormatMinor) +
                  "\",\"sklearn\":\"unknown\",\"python\":\"unknown\"}";
  std::string attributes = "{\"n_features_in_\":" + std::to_string(m.n_features);
  if (m.estimator == "LinearRegression") {
    w.params_json = "{\"fit_intercept\":true,\"copy_X\":true,\"n_jobs\":null,\"positive\":false}";
    attributes += ",\"rank_\":" + std::to_string(m.singular.size());
  } else {
    w.params_json = "{\"alpha\":1.0,\"fit_intercept\":true,\"solver\":\"auto\"}";
    attributes += ",\"n_iter_\":null,\"solver_\":\"cholesky\"";
  }
  if (m.intercept_kind == InterceptKind::attribute_float)
    attributes += ",\"intercept_\":" + json_float(m.intercept_value);
  w.attributes_json = attributes + "}";
  std::vector<std::int64_t> coef_shape{m.n_features};
  if (!m.single_output) coef_shape.insert(coef_shape.begin(), m.n_targets);
  w.tensors.push_back({"coef_", m.dtype(), coef_shape, m.coef.data()});
  if (m.intercept_kind == InterceptKind::tensor_scalar)
    w.tensors.push_back({"intercept_", m.dtype(), {}, m.intercept.data()});
  if (m.intercept_kind == InterceptKind::tensor_vector)
    w.tensors.push_back({"intercept_", m.dtype(), {m.n_targets}, m.intercept.data()});
  if (m.estimator == "LinearRegression")
    w.tensors.push_back({"singular_",
                         m.dtype(),
                         {static_cast<std::int64_t>(m.singular.size())},
                         m.singular.data()});
  return w;
}

template <class T>
void save_linear_model(const std::string& path, const LinearModel<T>& m) {
  model_file::save(path, to_write(m));
}

}  // namespace skaccel::test_models

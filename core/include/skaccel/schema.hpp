#pragma once
// The declared state of each model type: the single description from which the Python
// estimator's fitted attributes, its pickle state, the model file and the C++ loader are
// all derived (docs/design.md, "One schema per model").
#include <string>
#include <vector>

namespace skaccel::schema {

enum class DType {
  floating,  // the model's float dtype: float32 or float64, the same for every such field
  integer,   // int64 (scalars may be Python ints)
  string,    // a str scalar, or an array of str
};

struct Field {
  std::string name;
  DType dtype;
  // Symbolic dimensions; a trailing '?' marks a dimension that may be absent (e.g. the
  // n_targets axis of coef_ for single-target models). Empty: a scalar.
  std::vector<std::string> shape;
  bool optional;  // may be absent (feature_names_in_)
  bool nullable;  // may be None (Ridge.n_iter_ for direct solvers)
  std::string doc;
};

struct ModelSchema {
  std::string estimator;  // "LinearRegression"
  std::string module;     // "skaccel.linear_model"
  std::vector<Field> fields;
};

// Every registered model type, in a stable order.
const std::vector<ModelSchema>& registered_models();
// Throws InvalidArgument for an unknown estimator name.
const ModelSchema& model_schema(const std::string& estimator);

}  // namespace skaccel::schema

#pragma once
// The declared state of each model type: the single description from which the Python
// estimator's fitted attributes, its pickle state, the model file and the C++ loader are
// all derived (docs/design.md, "One schema per model").
#include <cstdint>
#include <string>
#include <vector>

#include "skaccel/json.hpp"

namespace skaccel::schema {

enum class DType {
  floating,  // the model's float dtype: float32 or float64, the same for every such field
  float64,   // always float64 whatever the model's dtype (accumulated moments, covariance_)
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
  // What the C++ loader computes: "linear" (X·coefᵀ + intercept), "pca" (PCA's
  // transform), "none" (a model of statistics, read for its attributes only).
  std::string predictor;
  std::vector<Field> fields;
};

// A fitted state does not match its declared schema.
class StateError : public FormatError {
 public:
  using FormatError::FormatError;
};

// What one stored field holds, as seen by a loader (pickle state or model file).
struct FieldValue {
  enum class Kind { tensor, integer, floating, string, string_array, null, other };
  std::string name;
  Kind kind = Kind::other;
  std::string dtype;                // tensors: "float32", "float64", "int32", "int64"
  std::vector<std::int64_t> shape;  // tensors and string arrays
  std::int64_t integer = 0;         // Kind::integer
  std::string type_name;            // Kind::other: what was found, for the message
};

// Checks a fitted state against the schema: required fields present, kinds and dtypes
// as declared, one float dtype for the model, shapes consistent with their symbolic
// dimensions and with n_features_in_ (an absent optional axis counts as size 1). An
// empty state (an unfitted estimator) is valid unless require_fitted. Unknown names are
// not looked at. Throws StateError.
void validate_state(const ModelSchema& schema, const std::vector<FieldValue>& values,
                    bool require_fitted = false);

// Every registered model type, in a stable order.
const std::vector<ModelSchema>& registered_models();
// Throws InvalidArgument for an unknown estimator name.
const ModelSchema& model_schema(const std::string& estimator);

}  // namespace skaccel::schema

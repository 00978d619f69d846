#pragma once
// Model types: the unit of extension (docs/architecture.md).
//
// A model type is declared once, in its family's folder (core/src/<family>/model_types.cpp),
// and registered with SKACCEL_REGISTER_MODEL_TYPE: its name, its fitted fields (dtype,
// symbolic shape, optional or not) and its inference methods (predict, transform, ...).
// Every generic layer consumes the registry and names no family: the state validator, the
// model-file reader and writer, skaccel-predict, the Python bindings (which hand the fields
// to Python by their declared names) and the tests that iterate over all model types.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/matrix.hpp"

namespace skaccel::model {

// --- declarations ------------------------------------------------------------------------

enum class DType {
  floating,  // the model's float dtype: float32 or float64, the same for every such field
  float64,   // always float64 whatever the model's dtype (accumulated moments, covariance_)
  integer,   // int64 (scalars may be Python ints)
  string,    // a str scalar, or an array of str
  label,     // class labels: an array of str or of numbers of any dtype (classes_)
  numeric,   // an array of float32, float64, int32 or int64, whatever the model's dtype
             // (the targets a neighbours regressor keeps)
};

struct Field {
  std::string name;
  DType dtype;
  // Symbolic dimensions; a trailing '?' marks a dimension that may be absent (e.g. the
  // n_targets axis of coef_ for single-target models). Empty: a scalar.
  std::vector<std::string> shape;
  bool optional = false;  // may be absent (feature_names_in_)
  bool nullable = false;  // may be None (Ridge.n_iter_ for direct solvers)
  std::string doc;
};

// Element types of tensors (model fields, inputs and outputs of inference).
enum class ScalarType { float32, float64, int32, int64 };
std::size_t scalar_size(ScalarType t);
const char* scalar_name(ScalarType t);  // "float32", ...
// False for anything but the four names above.
bool parse_scalar_type(std::string_view name, ScalarType* out);
template <class T>
constexpr ScalarType scalar_type_of();

// A read-only tensor of a model: C order, data valid while its owner lives.
struct Tensor {
  ScalarType dtype = ScalarType::float64;
  std::vector<std::int64_t> shape;
  const void* data = nullptr;

  std::int64_t size() const;  // product of shape (1 for a scalar)
  // The elements as T; InvalidArgument when T is not the tensor's dtype.
  template <class T>
  const T* as() const;
};

// One value of a model's state: a fitted attribute or a hyperparameter.
struct Value {
  enum class Kind { null, boolean, integer, floating, string, tensor, string_array };
  Kind kind = Kind::null;
  bool boolean = false;
  std::int64_t integer = 0;
  double floating = 0.0;
  std::string string;
  Tensor tensor;                    // Kind::tensor
  std::vector<std::int64_t> shape;  // Kind::string_array
  // Kind::string_array: the strings, C order, where the state holds them (model files;
  // the states Python builds for one call carry the shape only).
  std::vector<std::string> strings;

  static Value of_tensor(Tensor t);
  static Value of_integer(std::int64_t v);
  static Value of_floating(double v);
  static Value of_string(std::string v);
  static Value of_boolean(bool v);
};

class ModelType;

// Field values a core routine returns (a fit, a merge of moments), by declared name; they
// own their arrays. The bindings hand them to Python as a dict of the same names.
class Fields {
 public:
  struct Entry {
    std::string name;
    Value value;  // a tensor's data lives in `storage`
    std::shared_ptr<const std::vector<unsigned char>> storage;
  };
  // An array of dtype T (float, double, std::int64_t) holding `values` converted to T.
  template <class T, class V>
  void set_array(std::string name, std::vector<std::int64_t> shape, const std::vector<V>& values);
  void set(std::string name, Value scalar);  // a non-tensor value
  const std::vector<Entry>& entries() const { return entries_; }
  const Value* find(std::string_view name) const;

 private:
  void put(Entry e);
  std::vector<Entry> entries_;
};

// A model's state as inference reads it: its declared fields and the hyperparameters its
// methods use, by name. Views only: the arrays belong to whoever built the state (a
// model file, or the Python estimator's own attributes for one call).
class State {
 public:
  explicit State(const ModelType& type) : type_(&type) {}
  // A state of no particular model type: fields read by name, nothing validated (e.g. the
  // running moments an incremental estimator hands back to the core).
  State() = default;
  bool has_type() const { return type_ != nullptr; }
  const ModelType& type() const;

  void set_field(std::string name, Value v);
  void set_param(std::string name, Value v);
  const Value* field(std::string_view name) const;  // nullptr when absent
  const Value* param(std::string_view name) const;  // nullptr when absent

  // A field that must be a tensor (StateError otherwise), or nullptr when absent.
  const Tensor& tensor(std::string_view name) const;
  const Tensor* optional_tensor(std::string_view name) const;
  // A hyperparameter that must be a boolean; `fallback` when absent.
  bool flag(std::string_view name, bool fallback) const;
  // The model's float dtype: that of its first `floating` tensor (float64 if none).
  ScalarType float_dtype() const;
  // n_features_in_ (StateError if absent).
  std::int64_t n_features() const;

  // Checks the fields against the declaration (validate_state); StateError if not valid.
  void validate(bool require_fitted) const;

 private:
  std::string owner() const;  // the model type's name, for messages
  const ModelType* type_ = nullptr;
  std::map<std::string, Value, std::less<>> fields_, params_;
};

// A strided matrix of any scalar type (inputs and outputs of inference methods).
struct AnyMatrix {
  ScalarType dtype = ScalarType::float64;
  void* data = nullptr;
  std::int64_t rows = 0, cols = 0, row_stride = 0, col_stride = 0;  // strides in elements

  template <class T>
  static AnyMatrix of(MatrixView<T> m);
  template <class T>
  static AnyMatrix of(ConstMatrixView<T> m);
  // InvalidArgument when T is not dtype.
  template <class T>
  MatrixView<T> view() const;
};

enum class OutputType {
  floating,  // the model's float dtype
  int64,     // e.g. indices, labels as class indices
  int32,     // indices scikit-learn gives as int32 (KMeans.predict's cluster indices)
  float64,   // float64 whatever the model's dtype (neighbour distances, class probabilities)
};

// "floating", "int64", "int32", "float64".
const char* output_type_name(OutputType t);

struct Output {
  Output(std::string name_, OutputType type_ = OutputType::floating, std::string labels_ = {})
      : name(std::move(name_)), type(type_), labels(std::move(labels_)) {}
  std::string name;  // "y", "X_new", "labels"
  OutputType type = OutputType::floating;
  // For an int64 output of indices into a field of labels (classes_): that field's name.
  // Writers of results outside Python (skaccel-predict) give the labels themselves.
  std::string labels;
  // For a `floating` output whose dtype is not the model's (the float32 or float64 of
  // the targets a model keeps, as NumPy's arithmetic on them gives): that dtype.
  std::function<ScalarType(const State&)> dtype;
};

// One inference function of a model type.
struct Method {
  std::string name;  // "predict", "transform", "predict_proba", ...
  std::string doc;
  std::vector<Output> outputs;      // at least one; written in this order
  std::vector<std::string> params;  // hyperparameters it reads (callers must supply them)
  // Columns of every output for this state (rows are X's rows).
  std::function<std::int64_t(const State&)> columns;
  // Whether the outputs are 1-D (n,) rather than (n, columns) (e.g. coef_ was 1-D).
  std::function<bool(const State&)> one_dimensional;
  // X: n × n_features in the model's float dtype, any strides (negative and zero too).
  // outputs: one C-contiguous n × columns(state) matrix per declared output.
  std::function<void(const State&, const AnyMatrix& X, const std::vector<AnyMatrix>& outputs,
                     int n_threads)>
      run;
};

class ModelType {
 public:
  std::string name;    // "LinearRegression": the Python class's _model_type
  std::string family;  // "linear_model": its folder in core/src and in the Python package
  std::string doc;
  std::vector<Field> fields;
  std::vector<Method> methods;  // the first is what skaccel-predict runs by default

  const Field* field(std::string_view name) const;    // nullptr when not declared
  const Method* method(std::string_view name) const;  // nullptr when not declared
};

// Declaration helpers.
Field field(std::string name, DType dtype, std::vector<std::string> shape, std::string doc);
Field optional(Field f);
Field nullable(Field f);
// n_features_in_ and the optional feature_names_in_, which every model type declares.
std::vector<Field> input_fields();
std::vector<Field> concat(std::vector<Field> a, const std::vector<Field>& b);

// --- the registry ----------------------------------------------------------------------

// Every registered model type, sorted by name. Throws InvalidArgument when a declaration
// is inconsistent (two types of one name, a field declared twice, a method without
// outputs or functions): a programming error the C++ tests catch.
const std::vector<const ModelType*>& registered();
// The model type of this name, or nullptr.
const ModelType* find(std::string_view name);
// The model type of this name; InvalidArgument when none is registered.
const ModelType& get(std::string_view name);

// Adds a model type to the registry (at static initialisation, see the macro below).
struct Registration {
  explicit Registration(ModelType (*declare)());
};

// SKACCEL_REGISTER_MODEL_TYPE(Ridge) { return ModelType{...}; } in a family's
// model_types.cpp. The core must be linked whole (it is a shared library), so that these
// static registrations run.
#define SKACCEL_REGISTER_MODEL_TYPE(ident)                                             \
  static ::skaccel::model::ModelType skaccel_declare_model_type_##ident();             \
  static const ::skaccel::model::Registration skaccel_model_type_registration_##ident( \
      &skaccel_declare_model_type_##ident);                                            \
  static ::skaccel::model::ModelType skaccel_declare_model_type_##ident()

// --- validation ------------------------------------------------------------------------

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

// Checks a fitted state against the declaration: required fields present, kinds and
// dtypes as declared, one float dtype for the model, shapes consistent with their symbolic
// dimensions and with n_features_in_ (an absent optional axis counts as size 1). An empty
// state (an unfitted estimator) is valid unless require_fitted. Unknown names are not
// looked at. Throws StateError.
void validate_state(const ModelType& type, const std::vector<FieldValue>& values,
                    bool require_fitted = false);

// The description validate_state() takes of a value.
FieldValue describe(const std::string& name, const Value& v);

// --- inference -------------------------------------------------------------------------

// Runs `method` of state's model type on X (n × n_features, the model's float dtype) into
// freshly allocated C-order outputs, after checking the state against the declaration and
// X against the state. `outputs` receives one buffer per declared output (floating ones
// hold the model's float dtype, int64 ones std::int64_t), each rows × columns.
struct OutputBuffer {
  ScalarType dtype = ScalarType::float64;
  std::int64_t rows = 0, cols = 0;
  std::vector<unsigned char> bytes;  // rows × cols elements of dtype, C order
  AnyMatrix matrix();
};
const Method& checked_method(const State& state, std::string_view method);
std::vector<OutputBuffer> run(const State& state, std::string_view method, const AnyMatrix& X,
                              int n_threads);
// The same into caller-provided outputs (C-contiguous, rows × columns, declared dtypes).
void run_into(const State& state, std::string_view method, const AnyMatrix& X,
              const std::vector<AnyMatrix>& outputs, int n_threads);

// --- template definitions --------------------------------------------------------------

template <class T>
constexpr ScalarType scalar_type_of() {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "unsupported element type");
  if constexpr (std::is_same_v<T, float>)
    return ScalarType::float32;
  else if constexpr (std::is_same_v<T, double>)
    return ScalarType::float64;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return ScalarType::int32;
  else
    return ScalarType::int64;
}

template <class T>
const T* Tensor::as() const {
  if (scalar_type_of<T>() != dtype)
    throw InvalidArgument(std::string("tensor is ") + scalar_name(dtype) + ", not " +
                          scalar_name(scalar_type_of<T>()));
  return static_cast<const T*>(data);
}

template <class T, class V>
void Fields::set_array(std::string name, std::vector<std::int64_t> shape,
                       const std::vector<V>& values) {
  std::int64_t count = 1;
  for (auto d : shape) count *= d;
  if (count != static_cast<std::int64_t>(values.size()))
    throw InvalidArgument("field '" + name + "': " + std::to_string(values.size()) +
                          " values for its shape");
  auto storage = std::make_shared<std::vector<unsigned char>>(values.size() * sizeof(T));
  T* out = reinterpret_cast<T*>(storage->data());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values[i]);
  Tensor t;
  t.dtype = scalar_type_of<T>();
  t.shape = std::move(shape);
  t.data = storage->data();
  put({std::move(name), Value::of_tensor(std::move(t)), std::move(storage)});
}

template <class T>
AnyMatrix AnyMatrix::of(MatrixView<T> m) {
  return {scalar_type_of<T>(), m.data, m.rows, m.cols, m.row_stride, m.col_stride};
}
template <class T>
AnyMatrix AnyMatrix::of(ConstMatrixView<T> m) {
  return {scalar_type_of<T>(), const_cast<T*>(m.data), m.rows, m.cols, m.row_stride, m.col_stride};
}
template <class T>
MatrixView<T> AnyMatrix::view() const {
  using U = std::remove_const_t<T>;
  if (scalar_type_of<U>() != dtype)
    throw InvalidArgument(std::string("the matrix is ") + scalar_name(dtype) + ", not " +
                          scalar_name(scalar_type_of<U>()));
  return MatrixView<T>(static_cast<T*>(data), rows, cols, row_stride, col_stride);
}

}  // namespace skaccel::model

// The registry of model types, the state that inference reads, and the one generic
// entry point of inference (run), shared by the model-file loader and the bindings.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>

#include "../common/mapping_guard.hpp"
#include "skaccel/model.hpp"

namespace skaccel::model {

// --- scalar types ------------------------------------------------------------------------

std::size_t scalar_size(ScalarType t) {
  return t == ScalarType::float32 || t == ScalarType::int32 ? 4 : 8;
}

const char* scalar_name(ScalarType t) {
  switch (t) {
    case ScalarType::float32:
      return "float32";
    case ScalarType::float64:
      return "float64";
    case ScalarType::int32:
      return "int32";
    case ScalarType::int64:
      return "int64";
  }
  return "unknown";
}

bool parse_scalar_type(std::string_view name, ScalarType* out) {
  for (ScalarType t :
       {ScalarType::float32, ScalarType::float64, ScalarType::int32, ScalarType::int64}) {
    if (name == scalar_name(t)) {
      *out = t;
      return true;
    }
  }
  return false;
}

std::int64_t Tensor::size() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

Value Value::of_tensor(Tensor t) {
  Value v;
  v.kind = Kind::tensor;
  v.tensor = std::move(t);
  return v;
}
Value Value::of_integer(std::int64_t i) {
  Value v;
  v.kind = Kind::integer;
  v.integer = i;
  return v;
}
Value Value::of_floating(double f) {
  Value v;
  v.kind = Kind::floating;
  v.floating = f;
  return v;
}
Value Value::of_string(std::string s) {
  Value v;
  v.kind = Kind::string;
  v.string = std::move(s);
  return v;
}
Value Value::of_boolean(bool b) {
  Value v;
  v.kind = Kind::boolean;
  v.boolean = b;
  return v;
}

// --- declarations and the registry ----------------------------------------------------

const Field* ModelType::field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

const Method* ModelType::method(std::string_view n) const {
  for (const auto& m : methods)
    if (m.name == n) return &m;
  return nullptr;
}

Field field(std::string name, DType dtype, std::vector<std::string> shape, std::string doc) {
  Field f;
  f.name = std::move(name);
  f.dtype = dtype;
  f.shape = std::move(shape);
  f.doc = std::move(doc);
  return f;
}

Field optional(Field f) {
  f.optional = true;
  return f;
}

Field nullable(Field f) {
  f.nullable = true;
  return f;
}

std::vector<Field> input_fields() {
  return {
      field("n_features_in_", DType::integer, {}, "Number of features seen in fit"),
      optional(field("feature_names_in_", DType::string, {"n_features"},
                     "Names of features seen in fit, when X had string column names")),
  };
}

std::vector<Field> concat(std::vector<Field> a, const std::vector<Field>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<ModelType>> declared;  // in registration order
  std::vector<const ModelType*> sorted;
  bool checked = false;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: used until the process ends
  return *r;
}

void check_declaration(const ModelType& t) {
  auto bad = [&](const std::string& what) {
    throw InvalidArgument("model type '" + t.name + "' is declared wrongly: " + what);
  };
  if (t.name.empty() || t.family.empty()) bad("it needs a name and a family");
  std::set<std::string> names;
  for (const auto& f : t.fields)
    if (!names.insert(f.name).second) bad("field '" + f.name + "' is declared twice");
  if (!t.field("n_features_in_")) bad("every model type declares n_features_in_");
  std::set<std::string> methods;
  for (const auto& m : t.methods) {
    if (!methods.insert(m.name).second) bad("method '" + m.name + "' is declared twice");
    if (m.outputs.empty() || !m.columns || !m.one_dimensional || !m.run)
      bad("method '" + m.name + "' needs outputs and its columns, one_dimensional, run");
  }
}

}  // namespace

Registration::Registration(ModelType (*declare)()) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.declared.push_back(std::make_unique<ModelType>(declare()));
  r.checked = false;
}

const std::vector<const ModelType*>& registered() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (!r.checked) {
    std::set<std::string> names;
    r.sorted.clear();
    for (const auto& t : r.declared) {
      check_declaration(*t);
      if (!names.insert(t->name).second)
        throw InvalidArgument("two model types are registered as '" + t->name + "'");
      r.sorted.push_back(t.get());
    }
    std::sort(r.sorted.begin(), r.sorted.end(),
              [](const ModelType* a, const ModelType* b) { return a->name < b->name; });
    r.checked = true;
  }
  return r.sorted;
}

const ModelType* find(std::string_view name) {
  for (const ModelType* t : registered())
    if (t->name == name) return t;
  return nullptr;
}

const ModelType& get(std::string_view name) {
  if (const ModelType* t = find(name)) return *t;
  throw InvalidArgument("no model type named '" + std::string(name) + "' is registered");
}

// --- fields and state ------------------------------------------------------------------------

void Fields::put(Entry e) {
  for (auto& old : entries_)
    if (old.name == e.name) {
      old = std::move(e);
      return;
    }
  entries_.push_back(std::move(e));
}

void Fields::set(std::string name, Value scalar) {
  if (scalar.kind == Value::Kind::tensor)
    throw InvalidArgument("Fields::set takes scalars; use set_array for '" + name + "'");
  put({std::move(name), std::move(scalar), nullptr});
}

const Value* Fields::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e.value;
  return nullptr;
}

const ModelType& State::type() const {
  if (!type_) throw InvalidArgument("this state has no model type");
  return *type_;
}

std::string State::owner() const { return type_ ? type_->name : std::string("the state"); }

void State::set_field(std::string name, Value v) { fields_[std::move(name)] = std::move(v); }
void State::set_param(std::string name, Value v) { params_[std::move(name)] = std::move(v); }

const Value* State::field(std::string_view name) const {
  auto it = fields_.find(name);
  return it == fields_.end() ? nullptr : &it->second;
}

const Value* State::param(std::string_view name) const {
  auto it = params_.find(name);
  return it == params_.end() ? nullptr : &it->second;
}

const Tensor* State::optional_tensor(std::string_view name) const {
  const Value* v = field(name);
  if (!v) return nullptr;
  if (v->kind != Value::Kind::tensor)
    throw StateError(owner() + ": field '" + std::string(name) + "' is not an array");
  return &v->tensor;
}

const Tensor& State::tensor(std::string_view name) const {
  const Tensor* t = optional_tensor(name);
  if (!t) throw StateError(owner() + ": the state has no '" + std::string(name) + "'");
  return *t;
}

bool State::flag(std::string_view name, bool fallback) const {
  const Value* v = param(name);
  if (!v || v->kind == Value::Kind::null) return fallback;
  if (v->kind != Value::Kind::boolean)
    throw StateError(owner() + ": hyperparameter '" + std::string(name) + "' must be a boolean");
  return v->boolean;
}

ScalarType State::float_dtype() const {
  for (const auto& f : type().fields) {
    if (f.dtype != DType::floating) continue;
    const Value* v = field(f.name);
    if (v && v->kind == Value::Kind::tensor) return v->tensor.dtype;
  }
  return ScalarType::float64;
}

std::int64_t State::n_features() const {
  const Value* v = field("n_features_in_");
  if (!v || v->kind != Value::Kind::integer)
    throw StateError(owner() + ": the state has no integer n_features_in_");
  return v->integer;
}

FieldValue describe(const std::string& name, const Value& v) {
  FieldValue f;
  f.name = name;
  using K = FieldValue::Kind;
  switch (v.kind) {
    case Value::Kind::null:
      f.kind = K::null;
      break;
    case Value::Kind::integer:
      f.kind = K::integer;
      f.integer = v.integer;
      break;
    case Value::Kind::floating:
      f.kind = K::floating;
      break;
    case Value::Kind::string:
      f.kind = K::string;
      break;
    case Value::Kind::string_array:
      f.kind = K::string_array;
      f.shape = v.shape;
      break;
    case Value::Kind::tensor:
      f.kind = K::tensor;
      f.dtype = scalar_name(v.tensor.dtype);
      f.shape = v.tensor.shape;
      break;
    case Value::Kind::boolean:
      f.kind = K::other;
      f.type_name = "bool";
      break;
  }
  return f;
}

void State::validate(bool require_fitted) const {
  std::vector<FieldValue> values;
  for (const auto& [name, v] : fields_)
    if (type().field(name)) values.push_back(describe(name, v));
  validate_state(type(), values, require_fitted);
}

// --- inference -----------------------------------------------------------------------------

AnyMatrix OutputBuffer::matrix() { return {dtype, bytes.data(), rows, cols, cols, 1}; }

const Method& checked_method(const State& state, std::string_view name) {
  const ModelType& type = state.type();
  const Method* m = type.method(name);
  if (!m) {
    std::string known;
    for (const auto& k : type.methods) known += (known.empty() ? "" : ", ") + k.name;
    throw InvalidArgument(type.name + " has no method '" + std::string(name) +
                          "' (it has: " + (known.empty() ? "none" : known) + ")");
  }
  return *m;
}

const char* output_type_name(OutputType t) {
  switch (t) {
    case OutputType::int64:
      return "int64";
    case OutputType::int32:
      return "int32";
    case OutputType::float64:
      return "float64";
    case OutputType::floating:
      break;
  }
  return "floating";
}

namespace {

ScalarType output_dtype(const State& state, const Output& o) {
  switch (o.type) {
    case OutputType::int64:
      return ScalarType::int64;
    case OutputType::int32:
      return ScalarType::int32;
    case OutputType::float64:
      return ScalarType::float64;
    case OutputType::floating:
      break;
  }
  return o.dtype ? o.dtype(state) : state.float_dtype();
}

void check_input(const State& state, const AnyMatrix& X) {
  const ScalarType want = state.float_dtype();
  if (X.dtype != want)
    throw InvalidArgument("the model is " + std::string(scalar_name(want)) + ", the input " +
                          scalar_name(X.dtype));
  const std::int64_t p = state.n_features();
  if (X.cols != p)
    throw InvalidArgument("X has " + std::to_string(X.cols) + " features, but " +
                          state.type().name + " is expecting " + std::to_string(p) +
                          " features as input");
  if (X.rows < 0 || (X.rows > 0 && X.cols > 0 && !X.data))
    throw InvalidArgument("X is not a valid matrix");
}

// run_into() once the state is known to be valid.
void run_validated(const State& state, const Method& m, const AnyMatrix& X,
                   const std::vector<AnyMatrix>& outputs, int n_threads) {
  const std::string& name = m.name;
  check_input(state, X);
  const std::int64_t cols = m.columns(state);
  if (outputs.size() != m.outputs.size())
    throw InvalidArgument(std::string(name) + " writes " + std::to_string(m.outputs.size()) +
                          " outputs");
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const AnyMatrix& o = outputs[i];
    if (o.dtype != output_dtype(state, m.outputs[i]) || o.rows != X.rows || o.cols != cols ||
        (o.rows > 1 && o.row_stride != cols) || (o.cols > 1 && o.col_stride != 1))
      throw InvalidArgument("output '" + m.outputs[i].name + "' must be a C-contiguous " +
                            std::to_string(X.rows) + " x " + std::to_string(cols) + " " +
                            scalar_name(output_dtype(state, m.outputs[i])) + " matrix");
  }
  if (X.rows == 0 || cols == 0) return;
  if (mapping::any())  // the state may be views of a mapped model file: faults throw
    mapping::run_guarded([&] { m.run(state, X, outputs, n_threads); });
  else
    m.run(state, X, outputs, n_threads);
}

}  // namespace

void run_into(const State& state, std::string_view name, const AnyMatrix& X,
              const std::vector<AnyMatrix>& outputs, int n_threads) {
  const Method& m = checked_method(state, name);
  state.validate(/*require_fitted=*/true);
  run_validated(state, m, X, outputs, n_threads);
}

std::vector<OutputBuffer> run(const State& state, std::string_view name, const AnyMatrix& X,
                              int n_threads) {
  const Method& m = checked_method(state, name);
  state.validate(/*require_fitted=*/true);
  const std::int64_t cols = m.columns(state);
  std::vector<OutputBuffer> buffers(m.outputs.size());
  std::vector<AnyMatrix> views;
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    auto& b = buffers[i];
    b.dtype = output_dtype(state, m.outputs[i]);
    b.rows = X.rows;
    b.cols = cols;
    b.bytes.resize(static_cast<std::size_t>(std::max<std::int64_t>(X.rows * cols, 0)) *
                   scalar_size(b.dtype));
    views.push_back(b.matrix());
  }
  run_validated(state, m, X, views, n_threads);
  return buffers;
}

}  // namespace skaccel::model

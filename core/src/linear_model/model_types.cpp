// The linear model types: their fitted fields and their C++ predict.
#include "skaccel/linear_model.hpp"
#include "skaccel/model.hpp"

namespace skaccel::linear_model {
namespace {

using model::DType;
using model::Field;
using model::field;
using model::ModelType;
using model::nullable;
using model::optional;
using model::State;
namespace mf = moment_fields;

const DType F = DType::floating, F64 = DType::float64, I = DType::integer, S = DType::string;

std::vector<Field> linear_fields() {
  return model::concat(
      {field("coef_", F, {"n_targets?", "n_features"}, "Estimated coefficients"),
       field("intercept_", F, {"n_targets?"}, "Independent term (0.0 when fit_intercept=False)")},
      model::input_fields());
}

// The running weighted moments of (X, y) of an incremental linear model: what the next
// partial_fit merges into (NormalEquations, to_fields()).
std::vector<Field> linear_moments() {
  return {
      field(mf::n_samples, I, {}, "Samples seen by fit/partial_fit"),
      optional(field("batch_size_", I, {}, "Rows per batch in fit")),
      field(mf::weight_sum, F64, {}, "Σ sample weights seen"),
      field(mf::x_mean, F64, {"n_features"}, "Weighted mean of X seen"),
      field(mf::y_mean, F64, {"n_moment_targets"}, "Weighted mean of y seen"),
      field(mf::gram, F64, {"n_features", "n_features"}, "Σ w (x − x̄)(x − x̄)ᵀ"),
      field(mf::xty, F64, {"n_features", "n_moment_targets"}, "Σ w (x − x̄)(y − ȳ)ᵀ"),
  };
}

template <class T>
void predict_rows(const State& s, const model::AnyMatrix& X, const model::AnyMatrix& out,
                  int n_threads) {
  const model::Tensor& coef = s.tensor("coef_");
  const std::int64_t p = s.n_features();
  const std::int64_t t = coef.shape.size() == 1 ? 1 : coef.shape[0];
  const T* b = nullptr;
  std::vector<T> broadcast;
  if (const model::Value* v = s.field("intercept_")) {
    if (v->kind == model::Value::Kind::tensor) {
      b = v->tensor.as<T>();
      if (v->tensor.size() != t) {  // a 0-d intercept of a single-target model
        broadcast.assign(static_cast<std::size_t>(t), b[0]);
        b = broadcast.data();
      }
    } else if (v->kind == model::Value::Kind::floating && v->floating != 0.0) {
      broadcast.assign(static_cast<std::size_t>(t), static_cast<T>(v->floating));
      b = broadcast.data();
    }
  }
  predict<T>(X.view<const T>(), ConstMatrixView<T>::row_major(coef.as<T>(), t, p), b, out.view<T>(),
             n_threads);
}

model::Method predict_method() {
  model::Method m;
  m.name = "predict";
  m.doc = "X · coef_ᵀ + intercept_";
  m.outputs = {{"y", model::OutputType::floating}};
  m.columns = [](const State& s) -> std::int64_t {
    const auto& shape = s.tensor("coef_").shape;
    return shape.size() == 1 ? 1 : shape[0];
  };
  m.one_dimensional = [](const State& s) { return s.tensor("coef_").shape.size() == 1; };
  m.run = [](const State& s, const model::AnyMatrix& X, const std::vector<model::AnyMatrix>& out,
             int n_threads) {
    if (X.dtype == model::ScalarType::float32)
      predict_rows<float>(s, X, out[0], n_threads);
    else
      predict_rows<double>(s, X, out[0], n_threads);
  };
  return m;
}

ModelType linear_type(const char* name, const char* doc, std::vector<Field> extra) {
  return {name, "linear_model", doc, model::concat(linear_fields(), extra), {predict_method()}};
}

}  // namespace

// rank_ and singular_ exist only when the dense least-squares path ran (scikit-learn does
// not set them for sparse X).
SKACCEL_REGISTER_MODEL_TYPE(LinearRegression) {
  return linear_type("LinearRegression", "Ordinary least squares",
                     {optional(field("rank_", I, {}, "Rank of the centred, weighted X")),
                      optional(field("singular_", F, {"n_singular"},
                                     "Singular values of the centred, weighted X"))});
}

SKACCEL_REGISTER_MODEL_TYPE(Ridge) {
  return linear_type("Ridge", "Linear least squares with l2 regularization",
                     {nullable(field("n_iter_", I, {"n_targets"},
                                     "Iterations per target (None for direct solvers)")),
                      field("solver_", S, {}, "Solver that was used")});
}

SKACCEL_REGISTER_MODEL_TYPE(IncrementalLinearRegression) {
  return linear_type("IncrementalLinearRegression", "Ordinary least squares fitted batch by batch",
                     linear_moments());
}

SKACCEL_REGISTER_MODEL_TYPE(IncrementalRidge) {
  return linear_type("IncrementalRidge", "Ridge regression fitted batch by batch",
                     linear_moments());
}

}  // namespace skaccel::linear_model

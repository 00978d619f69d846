// The linear model types: their fitted fields and their C++ predict.
#include <algorithm>
#include <cmath>
#include <limits>

#include "../common/vector_math.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"
#include "skaccel/model.hpp"
#include "skaccel/threading.hpp"

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

// --- the logistic classifier: decision_function, predict_proba, predict ---------------

// Rows of coef_ (1 for a binary model) and number of classes, checked to be a state the
// classifier's methods read (StateError otherwise: Python then runs scikit-learn's code).
struct ClassifierShape {
  std::int64_t coef_rows, n_classes;
};

ClassifierShape classifier_shape(const State& s) {
  const auto& shape = s.tensor("coef_").shape;
  const std::int64_t rows = shape.size() == 1 ? 1 : shape[0];
  const model::Value* c = s.field("classes_");
  if (!c) throw StateError("the classifier has no classes_");
  const std::int64_t classes = c->kind == model::Value::Kind::tensor ? c->tensor.size()
                               : c->shape.empty()                    ? 0
                                                                     : c->shape[0];
  if (!((rows == 1 && classes == 2) || (rows == classes && classes >= 3)))
    throw StateError("coef_ has " + std::to_string(rows) + " rows for " + std::to_string(classes) +
                     " classes (expected 1 for 2 classes, one per class otherwise)");
  return {rows, classes};
}

// body(begin, end) over contiguous row ranges on up to n_threads threads (each row's
// result is computed the same way whatever the split).
template <class F>
void for_row_ranges(std::int64_t n, int n_threads, F&& body) {
  const int tasks =
      static_cast<int>(std::clamp<std::int64_t>(n / 16384, 1, std::max(1, n_threads)));
  parallel_tasks(tasks, [&](int k) { body(n * k / tasks, n * (k + 1) / tasks); });
}

// body(r0, rows, scores) for blocks of rows, in parallel row ranges: scores (rows ×
// coef_rows, C order) is the decision function of rows [r0, r0 + rows), computed block
// by block so that the post-processing reads it from cache. Each row's scores are the
// same BLAS kernel's whatever the split.
template <class T, class F>
void for_score_blocks(const State& s, const model::AnyMatrix& X, int n_threads, F&& body) {
  constexpr std::int64_t kBlock = 2048;
  const std::int64_t width = classifier_shape(s).coef_rows;
  for_row_ranges(X.rows, n_threads, [&](std::int64_t begin, std::int64_t end) {
    std::vector<T> scores(static_cast<std::size_t>(kBlock * width));
    for (std::int64_t r0 = begin; r0 < end; r0 += kBlock) {
      const std::int64_t rows = std::min(kBlock, end - r0);
      model::AnyMatrix block = X;
      block.data = static_cast<T*>(X.data) + r0 * X.row_stride;
      block.rows = rows;
      predict_rows<T>(
          s, block, model::AnyMatrix::of(MatrixView<T>::row_major(scores.data(), rows, width)), 1);
      body(r0, rows, scores.data());
    }
  });
}

// scikit-learn's predict_proba of a logistic model: [1 − expit(d), expit(d)] for binary
// models, the softmax of the scores (shifted by their maximum) otherwise; in T.
template <class T>
void probabilities(const State& s, const model::AnyMatrix& X, const model::AnyMatrix& out,
                   int n_threads) {
  const ClassifierShape c = classifier_shape(s);
  MatrixView<T> P = out.view<T>();
  for_score_blocks<T>(s, X, n_threads, [&](std::int64_t r0, std::int64_t rows, const T* d) {
    if (c.coef_rows == 1) {
      for (std::int64_t i = 0; i < rows; ++i) {
        // A non-finite score (inf in X, or an overflow) would give a finite 0 or 1 here:
        // NaN lets the caller tell (Python then raises scikit-learn's error for inf in X,
        // or runs scikit-learn's code on an overflow).
        const T p = std::isfinite(d[i]) ? T(1) / (T(1) + std::exp(-d[i]))
                                        : std::numeric_limits<T>::quiet_NaN();
        P(r0 + i, 0) = T(1) - p;
        P(r0 + i, 1) = p;
      }
      return;
    }
    // The softmax, as scikit-learn's: each row shifted by its maximum (in T), one
    // vectorised exp over the whole block, each row divided by its sum (in T).
    const std::int64_t K = c.n_classes;
    thread_local std::vector<double> shifted;
    shifted.resize(static_cast<std::size_t>(rows * K));
    for (std::int64_t i = 0; i < rows; ++i) {
      const T* z = d + i * K;
      T max_value = z[0];
      for (std::int64_t k = 1; k < K; ++k) max_value = std::max(max_value, z[k]);
      for (std::int64_t k = 0; k < K; ++k)
        shifted[i * K + k] = static_cast<double>(z[k] - max_value);
    }
    vector_math::exp_inplace(shifted.data(), rows * K);
    for (std::int64_t i = 0; i < rows; ++i) {
      T* prob = &P(r0 + i, 0);  // the output is C-contiguous
      T sum = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        prob[k] = static_cast<T>(shifted[i * K + k]);
        sum += prob[k];
      }
      for (std::int64_t k = 0; k < K; ++k) prob[k] /= sum;
    }
  });
}

// Class indices as scikit-learn's LinearClassifierMixin.predict picks them: score > 0 for
// binary models, the first maximum (the first NaN, as NumPy's argmax) otherwise.
template <class T>
void class_indices(const State& s, const model::AnyMatrix& X, const model::AnyMatrix& out,
                   int n_threads) {
  const ClassifierShape c = classifier_shape(s);
  MatrixView<std::int64_t> labels = out.view<std::int64_t>();
  for_score_blocks<T>(s, X, n_threads, [&](std::int64_t r0, std::int64_t rows, const T* d) {
    for (std::int64_t i = 0; i < rows; ++i) {
      if (c.coef_rows == 1) {
        labels(r0 + i, 0) = d[i] > 0 ? 1 : 0;
        continue;
      }
      const T* z = d + i * c.n_classes;
      std::int64_t best = 0;
      for (std::int64_t k = 0; k < c.n_classes && !std::isnan(z[best]); ++k)
        if (std::isnan(z[k]) || z[k] > z[best]) best = k;
      labels(r0 + i, 0) = best;
    }
  });
}

template <void (*F32)(const State&, const model::AnyMatrix&, const model::AnyMatrix&, int),
          void (*F64)(const State&, const model::AnyMatrix&, const model::AnyMatrix&, int)>
void by_dtype(const State& s, const model::AnyMatrix& X, const std::vector<model::AnyMatrix>& out,
              int n_threads) {
  if (X.dtype == model::ScalarType::float32)
    F32(s, X, out[0], n_threads);
  else
    F64(s, X, out[0], n_threads);
}

std::vector<model::Method> classifier_methods() {
  model::Method decision;
  decision.name = "decision_function";
  decision.doc = "Confidence scores X · coef_ᵀ + intercept_ (1-D for binary models)";
  decision.outputs = {{"scores", model::OutputType::floating}};
  decision.columns = [](const State& s) { return classifier_shape(s).coef_rows; };
  decision.one_dimensional = [](const State& s) { return classifier_shape(s).coef_rows == 1; };
  decision.run = [](const State& s, const model::AnyMatrix& X,
                    const std::vector<model::AnyMatrix>& out, int n_threads) {
    classifier_shape(s);
    predict_method().run(s, X, out, n_threads);
  };

  model::Method proba;
  proba.name = "predict_proba";
  proba.doc = "Class probabilities (expit of the score, or softmax of the scores)";
  proba.outputs = {{"probabilities", model::OutputType::floating}};
  proba.columns = [](const State& s) { return classifier_shape(s).n_classes; };
  proba.one_dimensional = [](const State&) { return false; };
  proba.run = by_dtype<probabilities<float>, probabilities<double>>;

  model::Method predict;
  predict.name = "predict";
  predict.doc = "Class labels (classes_) of the highest score";
  predict.outputs = {{"labels", model::OutputType::int64, "classes_"}};
  predict.columns = [](const State&) -> std::int64_t { return 1; };
  predict.one_dimensional = [](const State&) { return true; };
  predict.run = by_dtype<class_indices<float>, class_indices<double>>;
  return {predict, proba, decision};
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

// ElasticNet and Lasso (coordinate descent): n_iter_ is an int, or a list of ints for
// several targets; dual_gap_ a scalar of the model's dtype, or one per target.
std::vector<Field> coordinate_descent_fields() {
  return {field("n_iter_", I, {"n_targets?"}, "Coordinate descent iterations per target"),
          field("dual_gap_", F, {"n_targets?"}, "Duality gap at the end of the optimization")};
}

SKACCEL_REGISTER_MODEL_TYPE(ElasticNet) {
  return linear_type("ElasticNet", "Linear regression with combined l1 and l2 priors",
                     coordinate_descent_fields());
}

SKACCEL_REGISTER_MODEL_TYPE(Lasso) {
  return linear_type("Lasso", "Linear model trained with an l1 prior (the lasso)",
                     coordinate_descent_fields());
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

namespace skaccel::linear_model {

// classes_ may be strings or numbers; intercept_ is 0.0 (a float) for scikit-learn's
// liblinear fits without intercept; n_iter_ is (1,) as scikit-learn sets it.
SKACCEL_REGISTER_MODEL_TYPE(LogisticRegression) {
  return {"LogisticRegression", "linear_model", "Logistic regression (binomial or multinomial)",
          model::concat(
              {field("coef_", F, {"n_coef_rows", "n_features"}, "Coefficients of the features"),
               field("intercept_", F, {"n_coef_rows?"}, "Intercepts (0.0 without intercept)"),
               field("classes_", DType::label, {"n_classes"}, "Class labels"),
               field("n_iter_", I, {"n_fits"}, "Iterations of the solver")},
              model::input_fields()),
          classifier_methods()};
}

}  // namespace skaccel::linear_model

// The declared fitted state of every model type (schema.hpp).
#include "skaccel/schema.hpp"

#include "skaccel/errors.hpp"

namespace skaccel::schema {
namespace {

using Shape = std::vector<std::string>;

Field field(const char* name, DType dtype, Shape shape, const char* doc) {
  return {name, dtype, std::move(shape), false, false, doc};
}
Field optional(Field f) {
  f.optional = true;
  return f;
}
Field nullable(Field f) {
  f.nullable = true;
  return f;
}

const DType F = DType::floating, F64 = DType::float64, I = DType::integer, S = DType::string;

std::vector<Field> input_fields() {
  return {
      field("n_features_in_", I, {}, "Number of features seen in fit"),
      optional(field("feature_names_in_", S, {"n_features"},
                     "Names of features seen in fit, when X had string column names")),
  };
}

std::vector<Field> with(std::vector<Field> a, const std::vector<Field>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Field> linear_fields() {
  return with(
      {field("coef_", F, {"n_targets?", "n_features"}, "Estimated coefficients"),
       field("intercept_", F, {"n_targets?"}, "Independent term (0.0 when fit_intercept=False)")},
      input_fields());
}

// The running weighted moments of (X, y) of an incremental linear model: what the next
// partial_fit merges into (linear_model::NormalEquations).
std::vector<Field> linear_moments() {
  return {
      field("n_samples_seen_", I, {}, "Samples seen by fit/partial_fit"),
      optional(field("batch_size_", I, {}, "Rows per batch in fit")),
      field("_weight_sum", F64, {}, "Σ sample weights seen"),
      field("_x_mean", F64, {"n_features"}, "Weighted mean of X seen"),
      field("_y_mean", F64, {"n_moment_targets"}, "Weighted mean of y seen"),
      field("_gram", F64, {"n_features", "n_features"}, "Σ w (x − x̄)(x − x̄)ᵀ"),
      field("_xty", F64, {"n_features", "n_moment_targets"}, "Σ w (x − x̄)(y − ȳ)ᵀ"),
  };
}

std::vector<Field> pca_fields() {
  return with(
      {
          field("components_", F, {"n_components", "n_features"}, "Principal axes"),
          field("explained_variance_", F, {"n_components"}, "Variance of each component"),
          field("explained_variance_ratio_", F, {"n_components"}, "Share of the variance"),
          field("singular_values_", F, {"n_components"}, "Singular values of centred X"),
          field("mean_", F, {"n_features"}, "Per-feature mean"),
          field("noise_variance_", F, {}, "Estimated noise covariance (PPCA)"),
          field("n_components_", I, {}, "Number of components"),
      },
      input_fields());
}

std::vector<Field> covariance_fields() {
  return with({field("location_", F, {"n_features"}, "Estimated location"),
               field("covariance_", F64, {"n_features", "n_features"}, "Estimated covariance"),
               nullable(optional(field("precision_", F64, {"n_features", "n_features"},
                                       "Pseudo-inverse of the covariance")))},
              input_fields());
}

std::vector<ModelSchema> build() {
  std::vector<ModelSchema> models;
  auto add = [&](const char* estimator, const char* module, const char* predictor,
                 std::vector<Field> fields) {
    models.push_back({estimator, module, predictor, std::move(fields)});
  };
  // rank_ and singular_ exist only when the dense least-squares path ran (scikit-learn
  // does not set them for sparse X).
  add("LinearRegression", "skaccel.linear_model", "linear",
      with(linear_fields(), {optional(field("rank_", I, {}, "Rank of the centred, weighted X")),
                             optional(field("singular_", F, {"n_singular"},
                                            "Singular values of the centred, weighted X"))}));
  add("Ridge", "skaccel.linear_model", "linear",
      with(linear_fields(), {nullable(field("n_iter_", I, {"n_targets"},
                                            "Iterations per target (None for direct solvers)")),
                             field("solver_", S, {}, "Solver that was used")}));
  add("IncrementalLinearRegression", "skaccel.linear_model", "linear",
      with(linear_fields(), linear_moments()));
  add("IncrementalRidge", "skaccel.linear_model", "linear",
      with(linear_fields(), linear_moments()));
  add("PCA", "skaccel.decomposition", "pca",
      with(pca_fields(), {field("n_samples_", I, {}, "Number of samples in fit")}));
  add("IncrementalPCA", "skaccel.decomposition", "pca",
      with(pca_fields(), {field("var_", F, {"n_features"}, "Per-feature variance"),
                          field("n_samples_seen_", I, {}, "Samples seen by fit/partial_fit"),
                          optional(field("batch_size_", I, {}, "Rows per batch in fit")),
                          field("_weight_sum", F64, {}, "Samples seen, as a float"),
                          field("_x_mean", F64, {"n_features"}, "Mean of X seen"),
                          field("_gram", F64, {"n_features", "n_features"}, "Σ (x − x̄)(x − x̄)ᵀ")}));
  add("EmpiricalCovariance", "skaccel.covariance", "none", covariance_fields());
  add("IncrementalEmpiricalCovariance", "skaccel.covariance", "none",
      with(covariance_fields(),
           {field("n_samples_seen_", I, {}, "Samples seen by fit/partial_fit"),
            optional(field("batch_size_", I, {}, "Rows per batch in fit")),
            field("_weight_sum", F64, {}, "Samples seen, as a float"),
            field("_x_mean", F64, {"n_features"}, "Mean of X seen"),
            field("_gram", F64, {"n_features", "n_features"}, "Σ (x − x̄)(x − x̄)ᵀ")}));
  std::vector<Field> statistics = input_fields();
  for (const char* result :
       {"min_", "max_", "sum_", "mean_", "variance_", "variation_", "sum_squares_",
        "sum_squares_centered_", "second_order_raw_moment_", "standard_deviation_"})
    statistics.push_back(optional(field(result, F, {"n_features"}, "Requested statistic")));
  add("BasicStatistics", "skaccel.basic_statistics", "none", statistics);
  add("IncrementalBasicStatistics", "skaccel.basic_statistics", "none",
      with(statistics, {field("n_samples_seen_", I, {}, "Samples seen by fit/partial_fit"),
                        optional(field("batch_size_", I, {}, "Rows per batch in fit")),
                        field("_weight_sum", F64, {}, "Σ sample weights seen"),
                        field("_mean", F64, {"n_features"}, "Weighted mean seen"),
                        field("_m2", F64, {"n_features"}, "Σ w (x − mean)² seen"),
                        field("_min", F64, {"n_features"}, "Minimum seen"),
                        field("_max", F64, {"n_features"}, "Maximum seen")}));
  return models;
}

}  // namespace

const std::vector<ModelSchema>& registered_models() {
  static const std::vector<ModelSchema> models = build();
  return models;
}

const ModelSchema& model_schema(const std::string& estimator) {
  for (const auto& m : registered_models())
    if (m.estimator == estimator) return m;
  throw InvalidArgument("no model type named '" + estimator + "' is registered");
}

}  // namespace skaccel::schema

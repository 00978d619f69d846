#include "skaccel/schema.hpp"

#include "skaccel/errors.hpp"

namespace skaccel::schema {
namespace {

std::vector<Field> linear_fields() {
  return {
      {"coef_",
       DType::floating,
       {"n_targets?", "n_features"},
       false,
       false,
       "Estimated coefficients"},
      {"intercept_",
       DType::floating,
       {"n_targets?"},
       false,
       false,
       "Independent term (0.0 when fit_intercept=False)"},
      {"n_features_in_", DType::integer, {}, false, false, "Number of features seen in fit"},
      {"feature_names_in_",
       DType::string,
       {"n_features"},
       true,
       false,
       "Names of features seen in fit, when X had string column names"},
  };
}

std::vector<ModelSchema> build() {
  ModelSchema lr{"LinearRegression", "skaccel.linear_model", "linear", linear_fields()};
  lr.fields.push_back(
      {"rank_", DType::integer, {}, false, false, "Rank of the centred, weighted X"});
  lr.fields.push_back({"singular_",
                       DType::floating,
                       {"n_singular"},
                       false,
                       false,
                       "Singular values of the centred, weighted X"});
  ModelSchema ridge{"Ridge", "skaccel.linear_model", "linear", linear_fields()};
  ridge.fields.push_back({"n_iter_",
                          DType::integer,
                          {"n_targets"},
                          false,
                          true,
                          "Iterations per target (None for direct solvers)"});
  ridge.fields.push_back({"solver_", DType::string, {}, false, false, "Solver that was used"});
  return {lr, ridge};
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

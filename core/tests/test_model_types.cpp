// The registry of model types: declarations are consistent, every generic layer can look
// each type up, and registered inference methods run through model::run.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/model.hpp"
#include "skaccel/tuning.hpp"
#include "skaccel/version.hpp"

using namespace skaccel;

TEST(ModelTypes, AreRegisteredSortedAndConsistent) {
  const auto& types = model::registered();  // throws for an inconsistent declaration
  ASSERT_GE(types.size(), 10u);
  std::set<std::string> names;
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_TRUE(names.insert(types[i]->name).second);
    if (i) EXPECT_LT(types[i - 1]->name, types[i]->name);
    EXPECT_NE(types[i]->field("n_features_in_"), nullptr) << types[i]->name;
    EXPECT_FALSE(types[i]->family.empty());
    EXPECT_EQ(model::find(types[i]->name), types[i]);
  }
  EXPECT_EQ(model::find("os.system"), nullptr);
  EXPECT_THROW(model::get("os.system"), InvalidArgument);
}

TEST(ModelTypes, LinearModelsDeclareTheirFittedState) {
  const auto& lr = model::get("LinearRegression");
  EXPECT_EQ(lr.family, "linear_model");
  std::vector<std::string> names;
  for (const auto& f : lr.fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"coef_", "intercept_", "n_features_in_",
                                             "feature_names_in_", "rank_", "singular_"}));
  EXPECT_NE(model::get("Ridge").field("solver_"), nullptr);
  ASSERT_NE(lr.method("predict"), nullptr);
  EXPECT_EQ(lr.methods.front().name, "predict");
  EXPECT_EQ(model::get("PCA").methods.front().name, "transform");
  EXPECT_TRUE(model::get("EmpiricalCovariance").methods.empty());
}

TEST(ModelTypes, RunChecksTheStateAndTheInput) {
  const auto& lr = model::get("LinearRegression");
  std::vector<double> coef{1.0, 2.0, 3.0}, X{1, 1, 1, 0, 1, 0};
  model::State s(lr);
  model::Tensor c;
  c.shape = {3};
  c.data = coef.data();
  s.set_field("coef_", model::Value::of_tensor(c));
  s.set_field("intercept_", model::Value::of_floating(0.5));
  s.set_field("n_features_in_", model::Value::of_integer(3));
  const auto x = model::AnyMatrix::of(ConstMatrixView<double>::row_major(X.data(), 2, 3));
  auto out = model::run(s, "predict", x, 1);
  ASSERT_EQ(out.size(), 1u);
  const double* y = reinterpret_cast<const double*>(out[0].bytes.data());
  EXPECT_EQ(y[0], 6.5);
  EXPECT_EQ(y[1], 2.5);
  EXPECT_THROW(model::run(s, "transform", x, 1), InvalidArgument);
  std::vector<float> Xf(6);
  EXPECT_THROW(
      model::run(s, "predict",
                 model::AnyMatrix::of(ConstMatrixView<float>::row_major(Xf.data(), 2, 3)), 1),
      InvalidArgument);
  EXPECT_THROW(
      model::run(s, "predict",
                 model::AnyMatrix::of(ConstMatrixView<double>::row_major(X.data(), 3, 2)), 1),
      InvalidArgument);
  // A state that does not match its declaration never reaches the kernel.
  s.set_field("n_features_in_", model::Value::of_integer(4));
  EXPECT_THROW(model::run(s, "predict", x, 1), StateError);
  model::State unfitted(lr);
  EXPECT_THROW(model::run(unfitted, "predict", x, 1), StateError);
}

TEST(ModelTypes, AScalarInterceptWithSeveralTargetsIsRefused) {
  const auto& lr = model::get("LinearRegression");
  std::vector<double> coef(6, 1.0), intercept{1.0};
  model::State s(lr);
  model::Tensor c, b;
  c.shape = {2, 3};
  c.data = coef.data();
  b.shape = {};
  b.data = intercept.data();
  s.set_field("coef_", model::Value::of_tensor(c));
  s.set_field("intercept_", model::Value::of_tensor(b));
  s.set_field("n_features_in_", model::Value::of_integer(3));
  EXPECT_THROW(s.validate(true), StateError);
  // A plain float broadcasts (fit_intercept=False gives intercept_ = 0.0 for any target).
  s.set_field("intercept_", model::Value::of_floating(0.0));
  EXPECT_NO_THROW(s.validate(true));
}

TEST(Tuning, KnobSetsGetSetReset) {
  const auto& sets = tuning::registered();
  ASSERT_FALSE(sets.empty());
  const std::int64_t before = tuning::get("normal_equations", "cpu_macro_block");
  tuning::set("normal_equations", "cpu_macro_block", 77);
  EXPECT_EQ(tuning::get("normal_equations", "cpu_macro_block"), 77);
  EXPECT_THROW(tuning::set("normal_equations", "cpu_macro_block", 0), InvalidArgument);
  EXPECT_THROW(tuning::get("normal_equations", "nope"), InvalidArgument);
  EXPECT_THROW(tuning::get("nope", "cpu_macro_block"), InvalidArgument);
  tuning::reset("normal_equations");
  EXPECT_EQ(tuning::get("normal_equations", "cpu_macro_block"), before);
}

TEST(Version, RecordsAreFilled) {
  EXPECT_GE(kFormatMajor, 1);
  EXPECT_FALSE(std::string(kVersion).empty());
  EXPECT_NE(cpu_features().find_first_not_of(' '), std::string::npos);
  EXPECT_NE(blas_info().find("OpenBLAS"), std::string::npos);
}

#include <gtest/gtest.h>

#include "skaccel/errors.hpp"
#include "skaccel/schema.hpp"
#include "skaccel/version.hpp"

using namespace skaccel;

TEST(Schema, LinearModelsDeclareTheirFittedState) {
  const auto& lr = schema::model_schema("LinearRegression");
  EXPECT_EQ(lr.module, "skaccel.linear_model");
  std::vector<std::string> names;
  for (const auto& f : lr.fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"coef_", "intercept_", "n_features_in_",
                                             "feature_names_in_", "rank_", "singular_"}));
  const auto& ridge = schema::model_schema("Ridge");
  bool has_solver = false;
  for (const auto& f : ridge.fields) has_solver |= f.name == "solver_";
  EXPECT_TRUE(has_solver);
  EXPECT_THROW(schema::model_schema("os.system"), InvalidArgument);
}

TEST(Version, RecordsAreFilled) {
  EXPECT_GE(kFormatMajor, 1);
  EXPECT_FALSE(std::string(kVersion).empty());
  EXPECT_NE(cpu_features().find_first_not_of(' '), std::string::npos);
  EXPECT_NE(blas_info().find("OpenBLAS"), std::string::npos);
}

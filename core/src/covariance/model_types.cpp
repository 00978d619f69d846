// The covariance model types: fitted fields (no C++ inference: read for their tensors).
#include "skaccel/linear_model.hpp"
#include "skaccel/model.hpp"

namespace skaccel::covariance {
namespace {

using model::DType;
using model::Field;
using model::field;
using model::nullable;
using model::optional;
namespace mf = linear_model::moment_fields;

const DType F = DType::floating, F64 = DType::float64, I = DType::integer;

std::vector<Field> covariance_fields() {
  return model::concat(
      {field("location_", F, {"n_features"}, "Estimated location"),
       field("covariance_", F64, {"n_features", "n_features"}, "Estimated covariance"),
       nullable(optional(field("precision_", F64, {"n_features", "n_features"},
                               "Pseudo-inverse of the covariance")))},
      model::input_fields());
}

}  // namespace

SKACCEL_REGISTER_MODEL_TYPE(EmpiricalCovariance) {
  return {"EmpiricalCovariance",
          "covariance",
          "Maximum likelihood covariance",
          covariance_fields(),
          {}};
}

SKACCEL_REGISTER_MODEL_TYPE(IncrementalEmpiricalCovariance) {
  return {"IncrementalEmpiricalCovariance",
          "covariance",
          "Maximum likelihood covariance from running moments",
          model::concat(covariance_fields(),
                        {field(mf::n_samples, I, {}, "Samples seen by fit/partial_fit"),
                         optional(field("batch_size_", I, {}, "Rows per batch in fit")),
                         field(mf::weight_sum, F64, {}, "Samples seen, as a float"),
                         field(mf::x_mean, F64, {"n_features"}, "Mean of X seen"),
                         field(mf::gram, F64, {"n_features", "n_features"}, "Σ (x − x̄)(x − x̄)ᵀ")}),
          {}};
}

}  // namespace skaccel::covariance

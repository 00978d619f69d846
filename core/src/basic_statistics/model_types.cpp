// The basic-statistics model types: fitted fields (no C++ inference: read for their
// tensors).
#include "skaccel/model.hpp"
#include "skaccel/moments.hpp"

namespace skaccel::basic_statistics {
namespace {

using model::DType;
using model::Field;
using model::field;
using model::optional;
namespace cf = moments::column_fields;

const DType F = DType::floating, F64 = DType::float64, I = DType::integer;

// Every statistic result_options may ask for; only the requested ones are set.
std::vector<Field> statistics_fields() {
  std::vector<Field> fields = model::input_fields();
  for (const char* result :
       {"min_", "max_", "sum_", "mean_", "variance_", "variation_", "sum_squares_",
        "sum_squares_centered_", "second_order_raw_moment_", "standard_deviation_"})
    fields.push_back(optional(field(result, F, {"n_features"}, "Requested statistic")));
  return fields;
}

}  // namespace

SKACCEL_REGISTER_MODEL_TYPE(BasicStatistics) {
  return {"BasicStatistics", "basic_statistics", "Per-feature statistics", statistics_fields(), {}};
}

SKACCEL_REGISTER_MODEL_TYPE(IncrementalBasicStatistics) {
  return {"IncrementalBasicStatistics",
          "basic_statistics",
          "Per-feature statistics from running moments",
          model::concat(statistics_fields(),
                        {field(cf::n_samples, I, {}, "Samples seen by fit/partial_fit"),
                         optional(field("batch_size_", I, {}, "Rows per batch in fit")),
                         field(cf::weight_sum, F64, {}, "Σ sample weights seen"),
                         field(cf::mean, F64, {"n_features"}, "Weighted mean seen"),
                         field(cf::m2, F64, {"n_features"}, "Σ w (x − mean)² seen"),
                         field(cf::min, F64, {"n_features"}, "Minimum seen"),
                         field(cf::max, F64, {"n_features"}, "Maximum seen")}),
          {}};
}

}  // namespace skaccel::basic_statistics

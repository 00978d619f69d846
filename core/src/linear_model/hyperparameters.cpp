// The efficiency parameters of the normal-equations kernel (linear models, covariance,
// PCA), as the knob set "normal_equations"; FitHyperparameters is its typed view.
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"
#include "skaccel/tuning.hpp"

namespace skaccel::linear_model {

constexpr const char* kKnobSet = "normal_equations";

SKACCEL_REGISTER_KNOBS(normal_equations) {
  const FitHyperparameters d;
  const char* no_effect =
      "accepted for scikit-learn-intelex compatibility; this build's kernel does not use it";
  return {
      kKnobSet,
      "the blocked cross-product kernel (XᵀWX, XᵀWy) of LinearRegression, Ridge, the "
      "incremental linear models, PCA, IncrementalPCA and the covariance estimators",
      {
          {"cpu_macro_block", d.cpu_macro_block, 1,
           "rows gathered into one thread-local block per BLAS call", true},
          {"cpu_grain_size", d.cpu_grain_size, 1,
           "minimum rows per thread before another thread is used", true},
          {"cpu_max_cols_batched", d.cpu_max_cols_batched, 1,
           "above this many features, one multithreaded BLAS call per block instead of "
           "per-thread accumulators",
           true},
          {"cpu_small_rows_threshold", 10000, 1, no_effect, false},
          {"cpu_small_rows_max_cols_batched", 1024, 1, no_effect, false},
          {"gpu_macro_block", 16384, 1,
           "accepted for scikit-learn-intelex compatibility; this build has no GPU kernels", false},
      }};
}

FitHyperparameters default_fit_hyperparameters() { return FitHyperparameters{}; }

FitHyperparameters get_fit_hyperparameters() {
  FitHyperparameters hp;
  hp.cpu_macro_block = tuning::get(kKnobSet, "cpu_macro_block");
  hp.cpu_grain_size = tuning::get(kKnobSet, "cpu_grain_size");
  hp.cpu_max_cols_batched = tuning::get(kKnobSet, "cpu_max_cols_batched");
  return hp;
}

void set_fit_hyperparameters(const FitHyperparameters& hp) {
  if (hp.cpu_macro_block <= 0 || hp.cpu_grain_size <= 0 || hp.cpu_max_cols_batched <= 0)
    throw InvalidArgument("fit hyperparameters must be positive integers");
  tuning::set(kKnobSet, "cpu_macro_block", hp.cpu_macro_block);
  tuning::set(kKnobSet, "cpu_grain_size", hp.cpu_grain_size);
  tuning::set(kKnobSet, "cpu_max_cols_batched", hp.cpu_max_cols_batched);
}

void reset_fit_hyperparameters() { tuning::reset(kKnobSet); }

}  // namespace skaccel::linear_model

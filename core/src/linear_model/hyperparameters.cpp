#include <mutex>

#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"

namespace skaccel::linear_model {
namespace {
std::mutex g_mutex;
FitHyperparameters g_fit = default_fit_hyperparameters();
}  // namespace

FitHyperparameters default_fit_hyperparameters() { return FitHyperparameters{}; }

FitHyperparameters get_fit_hyperparameters() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_fit;
}

void set_fit_hyperparameters(const FitHyperparameters& hp) {
  if (hp.cpu_macro_block <= 0 || hp.cpu_grain_size <= 0 || hp.cpu_max_cols_batched <= 0) {
    throw InvalidArgument("fit hyperparameters must be positive integers");
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  g_fit = hp;
}

void reset_fit_hyperparameters() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_fit = default_fit_hyperparameters();
}

}  // namespace skaccel::linear_model

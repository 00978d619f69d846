#pragma once
// Per-column moments of X in one blocked, parallel, mergeable pass: the reduction behind
// BasicStatistics. (The cross-product moments that covariance, PCA and linear models
// need are linear_model::NormalEquations, with or without targets.)
#include <cstdint>
#include <vector>

#include "skaccel/matrix.hpp"
#include "skaccel/model.hpp"

namespace skaccel::moments {

struct ColumnStatistics {
  std::int64_t n_samples = 0;
  double weight_sum = 0.0;
  std::vector<double> mean;  // Σ w x / Σ w
  std::vector<double> m2;    // Σ w (x − mean)²: centred, never the naive Σ w x² − W mean²
  std::vector<double> min;   // over all rows, weights ignored
  std::vector<double> max;
};

// X: n×p (any strides); sample_weight: n weights (stride given) or nullptr for ones.
template <class T>
ColumnStatistics column_statistics(ConstMatrixView<T> X, const T* sample_weight,
                                   std::int64_t sample_weight_stride, int n_threads);

// The statistics of the union of two row sets.
ColumnStatistics merge(const ColumnStatistics& a, const ColumnStatistics& b);

// The names under which the running column moments are declared (IncrementalBasicStatistics
// stores them) and exchanged with Python.
namespace column_fields {
inline constexpr const char* n_samples = "n_samples_seen_";
inline constexpr const char* weight_sum = "_weight_sum";
inline constexpr const char* mean = "_mean";
inline constexpr const char* m2 = "_m2";
inline constexpr const char* min = "_min";
inline constexpr const char* max = "_max";
}  // namespace column_fields

// As fields: n_samples_seen_ (integer), _weight_sum (float), the rest float64 (p,) arrays.
model::Fields to_fields(const ColumnStatistics& s);
// The statistics held by a state's fields; InvalidArgument when missing or inconsistent.
ColumnStatistics statistics_from(const model::State& state);

}  // namespace skaccel::moments

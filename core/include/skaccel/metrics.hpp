#pragma once
// Ranking metrics: the area under the ROC curve of a binary problem, as scikit-learn's
// roc_auc_score computes it from roc_curve (the trapezoidal area under the curve of
// (false positive rate, true positive rate) at every distinct score), by sorting instead of
// materialising the curve.
//
// The rows are split by class into two arrays of order-preserving integer keys of the
// scores (with their weights), each sorted by a parallel LSD radix sort; one merge walk from
// the highest score down then visits the distinct scores in the order of the curve, with the
// tied rows of both classes grouped as scikit-learn groups them.
#include <cstdint>

namespace skaccel::metrics {

struct RocAuc {
  // The area (the McClish-standardised partial area when max_fpr < 1); NaN when one class
  // has no weight.
  double area = 0.0;
  double positive_weight = 0.0;  // Σ w over the positive rows (their count without weights)
  double negative_weight = 0.0;  // the same over the negative rows
};

// score: n finite scores (stride in elements); positive: n flags (stride in elements) true
// for the positive class; sample_weight: n weights or nullptr (unit weights), rows of zero
// weight ignored as scikit-learn drops them; max_fpr in (0, 1]: with max_fpr < 1 the area
// up to that false positive rate, standardised as scikit-learn standardises it
// (0.5 * (1 + (A - m) / (M - m)), m = max_fpr² / 2, M = max_fpr).
template <class T>
RocAuc roc_auc(const T* score, std::int64_t score_stride, const bool* positive,
               std::int64_t positive_stride, const double* sample_weight,
               std::int64_t sample_weight_stride, std::int64_t n, double max_fpr, int n_threads);

}  // namespace skaccel::metrics

// ROC AUC (skaccel/metrics.hpp): class-split radix sort of the scores, then one merge walk.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/metrics.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::metrics {
namespace {

// Rows a thread must get before another thread is used.
constexpr std::int64_t kGrainRows = 1 << 16;
constexpr int kRadixBits = 8;
constexpr int kBuckets = 1 << kRadixBits;

int task_count(std::int64_t n, int n_threads) {
  return static_cast<int>(std::clamp<std::int64_t>(n / kGrainRows, 1, std::max(1, n_threads)));
}

template <class T>
using KeyOf = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

// An unsigned integer ordered as the float is: the sign bit flipped for positives, every
// bit for negatives. -0.0 is read as +0.0 so that the two zeros tie, as they compare equal.
template <class T>
KeyOf<T> sortable_key(T x) {
  using K = KeyOf<T>;
  constexpr K sign = K(1) << (8 * sizeof(K) - 1);
  if (x == T(0)) x = T(0);
  K bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & sign) ? ~bits : (bits | sign);
}

// Stable LSD radix sort of keys (ascending), carrying weights along when given. Digits that
// every key shares (the exponent bytes of scores in [0, 1], say) are skipped.
template <class K>
void radix_sort(std::vector<K>& keys, std::vector<double>* weights, int n_threads) {
  constexpr int kDigits = static_cast<int>(sizeof(K));
  const auto n = static_cast<std::int64_t>(keys.size());
  if (n < 2) return;
  const int tasks = task_count(n, n_threads);
  auto chunk_begin = [&](int t) { return n * t / tasks; };

  // Histograms of every digit at once, per task, to find the digits worth a pass.
  std::vector<std::array<std::int64_t, kBuckets * kDigits>> all(static_cast<std::size_t>(tasks));
  parallel_tasks(tasks, [&](int t) {
    auto& h = all[t];
    h.fill(0);
    for (std::int64_t i = chunk_begin(t); i < chunk_begin(t + 1); ++i)
      for (int d = 0; d < kDigits; ++d) ++h[d * kBuckets + ((keys[i] >> (d * kRadixBits)) & 0xFF)];
  });
  std::vector<int> digits;
  for (int d = 0; d < kDigits; ++d) {
    bool shared = false;
    for (int b = 0; b < kBuckets && !shared; ++b) {
      std::int64_t count = 0;
      for (int t = 0; t < tasks; ++t) count += all[t][d * kBuckets + b];
      shared = count == n;
    }
    if (!shared) digits.push_back(d);
  }
  if (digits.empty()) return;

  std::vector<K> key_buffer(static_cast<std::size_t>(n));
  std::vector<double> weight_buffer(weights ? static_cast<std::size_t>(n) : 0);
  K* src = keys.data();
  K* dst = key_buffer.data();
  double* wsrc = weights ? weights->data() : nullptr;
  double* wdst = weights ? weight_buffer.data() : nullptr;
  std::vector<std::array<std::int64_t, kBuckets>> offsets(static_cast<std::size_t>(tasks));
  bool first = true;
  for (int d : digits) {
    const int shift = d * kRadixBits;
    // The chunks hold other keys after a pass: their histograms are recounted, except before
    // the first pass.
    if (first) {
      for (int t = 0; t < tasks; ++t)
        std::copy_n(all[t].begin() + d * kBuckets, kBuckets, offsets[t].begin());
    } else {
      parallel_tasks(tasks, [&](int t) {
        auto& h = offsets[t];
        h.fill(0);
        for (std::int64_t i = chunk_begin(t); i < chunk_begin(t + 1); ++i)
          ++h[(src[i] >> shift) & 0xFF];
      });
    }
    first = false;
    // Bucket-major, task-minor exclusive prefix sums: the pass is stable.
    std::int64_t position = 0;
    for (int b = 0; b < kBuckets; ++b)
      for (int t = 0; t < tasks; ++t) {
        const std::int64_t count = offsets[t][b];
        offsets[t][b] = position;
        position += count;
      }
    parallel_tasks(tasks, [&](int t) {
      auto& next = offsets[t];
      for (std::int64_t i = chunk_begin(t); i < chunk_begin(t + 1); ++i) {
        const std::int64_t to = next[(src[i] >> shift) & 0xFF]++;
        dst[to] = src[i];
        if (wsrc) wdst[to] = wsrc[i];
      }
    });
    std::swap(src, dst);
    std::swap(wsrc, wdst);
  }
  if (src != keys.data()) {
    keys.swap(key_buffer);
    if (weights) weights->swap(weight_buffer);
  }
}

template <class K>
struct ClassRows {
  std::vector<K> keys;
  std::vector<double> weights;  // empty without sample weights
};

}  // namespace

template <class T>
RocAuc roc_auc(const T* score, std::int64_t score_stride, const bool* positive,
               std::int64_t positive_stride, const double* sample_weight,
               std::int64_t sample_weight_stride, std::int64_t n, double max_fpr, int n_threads) {
  using K = KeyOf<T>;
  if (n < 0) throw InvalidArgument("a negative number of rows");
  if (!(max_fpr > 0.0 && max_fpr <= 1.0)) throw InvalidArgument("max_fpr must be in (0, 1]");
  const bool weighted = sample_weight != nullptr;
  const int tasks = task_count(n, n_threads);
  auto chunk_begin = [&](int t) { return n * t / tasks; };
  auto kept = [&](std::int64_t i) {
    return !weighted || sample_weight[i * sample_weight_stride] != 0.0;
  };

  // Split by class, in row order: count per chunk, then scatter at the chunks' offsets.
  std::vector<std::array<std::int64_t, 2>> counts(static_cast<std::size_t>(tasks));
  parallel_tasks(tasks, [&](int t) {
    std::array<std::int64_t, 2> c{0, 0};
    for (std::int64_t i = chunk_begin(t); i < chunk_begin(t + 1); ++i) {
      if (!std::isfinite(static_cast<double>(score[i * score_stride])))
        throw InvalidArgument("a score is not finite");
      if (kept(i)) ++c[positive[i * positive_stride] ? 1 : 0];
    }
    counts[t] = c;
  });
  std::array<ClassRows<K>, 2> rows;  // [negative, positive]
  std::array<std::int64_t, 2> total{0, 0};
  for (int t = 0; t < tasks; ++t)
    for (int c = 0; c < 2; ++c) {
      const std::int64_t count = counts[t][c];
      counts[t][c] = total[c];
      total[c] += count;
    }
  for (int c = 0; c < 2; ++c) {
    rows[c].keys.resize(static_cast<std::size_t>(total[c]));
    if (weighted) rows[c].weights.resize(static_cast<std::size_t>(total[c]));
  }
  parallel_tasks(tasks, [&](int t) {
    auto next = counts[t];
    for (std::int64_t i = chunk_begin(t); i < chunk_begin(t + 1); ++i) {
      if (!kept(i)) continue;
      const int c = positive[i * positive_stride] ? 1 : 0;
      const std::int64_t to = next[c]++;
      rows[c].keys[to] = sortable_key(score[i * score_stride]);
      if (weighted) rows[c].weights[to] = sample_weight[i * sample_weight_stride];
    }
  });
  // The classes are sorted one after the other, each with every thread.
  for (auto& r : rows) radix_sort(r.keys, weighted ? &r.weights : nullptr, n_threads);

  RocAuc out;
  auto weight_sum = [&](const ClassRows<K>& r) {
    if (!weighted) return static_cast<double>(r.keys.size());
    double s = 0.0;
    for (double w : r.weights) s += w;
    return s;
  };
  out.negative_weight = weight_sum(rows[0]);
  out.positive_weight = weight_sum(rows[1]);
  const double P = out.positive_weight, N = out.negative_weight;
  if (!(P > 0.0) || !(N > 0.0)) {
    out.area = std::numeric_limits<double>::quiet_NaN();
    return out;
  }

  // The walk from the highest score down: each distinct score is one point of the curve,
  // (fp, tp) the weights of the rows scoring at least as high.
  const auto& neg = rows[0];
  const auto& pos = rows[1];
  std::int64_t i = static_cast<std::int64_t>(pos.keys.size()) - 1;
  std::int64_t j = static_cast<std::int64_t>(neg.keys.size()) - 1;
  double tp = 0.0, fp = 0.0;
  const bool partial = max_fpr < 1.0;
  double twice_area = 0.0;    // the full area, times 2 P N (exact for counts below 2^53)
  double partial_area = 0.0;  // in normalised coordinates, as scikit-learn integrates
  while (i >= 0 || j >= 0) {
    K key = 0;
    if (i >= 0) key = pos.keys[i];
    if (j >= 0 && (i < 0 || neg.keys[j] > key)) key = neg.keys[j];
    double tp_group = 0.0, fp_group = 0.0;
    for (; i >= 0 && pos.keys[i] == key; --i) tp_group += weighted ? pos.weights[i] : 1.0;
    for (; j >= 0 && neg.keys[j] == key; --j) fp_group += weighted ? neg.weights[j] : 1.0;
    if (!partial) {
      twice_area += fp_group * (2.0 * tp + tp_group);
      tp += tp_group;
      fp += fp_group;
      continue;
    }
    const double x0 = fp / N, y0 = tp / P;
    tp += tp_group;
    fp += fp_group;
    const double x1 = fp / N, y1 = tp / P;
    if (x1 <= max_fpr) {
      partial_area += (x1 - x0) * (y0 + y1) / 2.0;
      continue;
    }
    // The curve crosses max_fpr on this segment: its point there, linearly interpolated.
    const double y_at = y0 + (y1 - y0) / (x1 - x0) * (max_fpr - x0);
    partial_area += (max_fpr - x0) * (y0 + y_at) / 2.0;
    break;
  }
  if (!partial) {
    out.area = twice_area / (2.0 * P * N);
  } else {
    const double min_area = 0.5 * max_fpr * max_fpr, max_area = max_fpr;
    out.area = 0.5 * (1.0 + (partial_area - min_area) / (max_area - min_area));
  }
  return out;
}

template RocAuc roc_auc<float>(const float*, std::int64_t, const bool*, std::int64_t, const double*,
                               std::int64_t, std::int64_t, double, int);
template RocAuc roc_auc<double>(const double*, std::int64_t, const bool*, std::int64_t,
                                const double*, std::int64_t, std::int64_t, double, int);

}  // namespace skaccel::metrics

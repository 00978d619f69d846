// k-means kernels (skaccel/cluster.hpp): blocked assignment fused with the update's sums.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../common/blas.hpp"
#include "skaccel/cluster.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::cluster {
namespace {

// Rows per block: scikit-learn's CHUNK_SIZE. A block of X (256 × p) and its scores
// (256 × k) stay in L2 for the reduction.
constexpr std::int64_t kBlockRows = 256;
// Rows a thread must get before another thread is used.
constexpr std::int64_t kGrainRows = 8192;

int task_count(std::int64_t n, int n_threads) {
  return static_cast<int>(std::clamp<std::int64_t>(n / kGrainRows, 1, std::max(1, n_threads)));
}

void check(std::int64_t k, std::int64_t p, const void* centers) {
  if (k < 1) throw InvalidArgument("k-means needs at least one center");
  if (!centers && p > 0) throw InvalidArgument("centers are missing");
}

// Rows [r0, r0 + rows) of X minus offset into buf (rows × p, row-major).
template <class T>
void gather_block(ConstMatrixView<T> X, const T* offset, std::int64_t r0, std::int64_t rows,
                  T* buf) {
  const std::int64_t p = X.cols;
  for (std::int64_t i = 0; i < rows; ++i) {
    T* out = buf + i * p;
    if (X.col_stride == 1) {
      const T* in = X.row(r0 + i);
      if (offset)
        for (std::int64_t j = 0; j < p; ++j) out[j] = in[j] - offset[j];
      else
        std::copy(in, in + p, out);
    } else {
      for (std::int64_t j = 0; j < p; ++j) out[j] = X(r0 + i, j) - (offset ? offset[j] : T(0));
    }
  }
}

}  // namespace

template <class T>
void assign_and_sum(ConstMatrixView<T> X, const T* offset, const T* sw, std::int64_t sws,
                    const T* centers, std::int64_t k, std::int32_t* labels, LloydSums* sums,
                    int n_threads) {
  const std::int64_t n = X.rows, p = X.cols;
  check(k, p, centers);
  // ‖c‖², in T as scikit-learn's kernel has it.
  std::vector<T> center_norms(static_cast<std::size_t>(k), T(0));
  for (std::int64_t c = 0; c < k; ++c)
    for (std::int64_t j = 0; j < p; ++j) center_norms[c] += centers[c * p + j] * centers[c * p + j];
  const int tasks = task_count(n, n_threads);
  std::vector<LloydSums> partial(sums ? static_cast<std::size_t>(tasks) : 0);
  blas::BlasThreadsScope blas_threads(1);
  parallel_tasks(tasks, [&](int task) {
    const std::int64_t begin = n * task / tasks, end = n * (task + 1) / tasks;
    std::vector<T> block(static_cast<std::size_t>(kBlockRows * std::max<std::int64_t>(p, 1)));
    std::vector<T> scores(static_cast<std::size_t>(kBlockRows * k));
    LloydSums* local = sums ? &partial[task] : nullptr;
    if (local) {
      local->sums.assign(static_cast<std::size_t>(k * p), 0.0);
      local->weights.assign(static_cast<std::size_t>(k), 0.0);
    }
    for (std::int64_t r0 = begin; r0 < end; r0 += kBlockRows) {
      const std::int64_t rows = std::min(kBlockRows, end - r0);
      gather_block(X, offset, r0, rows, block.data());
      // scores (rows × k, row-major) = block · centersᵀ: column-major k × rows.
      if (p > 0)
        blas::gemm('T', 'N', k, rows, p, T(1), centers, p, block.data(), p, T(0), scores.data(), k);
      else
        std::fill(scores.begin(), scores.end(), T(0));
      for (std::int64_t i = 0; i < rows; ++i) {
        const T* s = scores.data() + i * k;
        std::int32_t best = 0;
        T best_value = center_norms[0] - 2 * s[0];
        for (std::int64_t c = 1; c < k; ++c) {
          const T v = center_norms[c] - 2 * s[c];
          if (v < best_value) {
            best_value = v;
            best = static_cast<std::int32_t>(c);
          }
        }
        labels[r0 + i] = best;
        if (local) {
          const double w = sw ? static_cast<double>(sw[(r0 + i) * sws]) : 1.0;
          double* acc = local->sums.data() + best * p;
          const T* x = block.data() + i * p;
          for (std::int64_t j = 0; j < p; ++j) acc[j] += w * static_cast<double>(x[j]);
          local->weights[best] += w;
        }
      }
    }
  });
  if (!sums) return;
  sums->sums.assign(static_cast<std::size_t>(k * p), 0.0);
  sums->weights.assign(static_cast<std::size_t>(k), 0.0);
  for (const LloydSums& part : partial) {  // in task order: the same bits for the same tasks
    for (std::size_t i = 0; i < part.sums.size(); ++i) sums->sums[i] += part.sums[i];
    for (std::size_t c = 0; c < part.weights.size(); ++c) sums->weights[c] += part.weights[c];
  }
}

template <class T>
double inertia(ConstMatrixView<T> X, const T* offset, const T* sw, std::int64_t sws,
               const T* centers, std::int64_t k, const std::int32_t* labels, int n_threads) {
  const std::int64_t n = X.rows, p = X.cols;
  check(k, p, centers);
  const int tasks = task_count(n, n_threads);
  std::vector<double> partial(static_cast<std::size_t>(tasks), 0.0);
  parallel_tasks(tasks, [&](int task) {
    double total = 0.0;
    for (std::int64_t i = n * task / tasks; i < n * (task + 1) / tasks; ++i) {
      const std::int32_t label = labels[i];
      if (label < 0 || label >= k) throw InvalidArgument("a label is not a center's index");
      const T* c = centers + label * p;
      double d = 0.0;
      for (std::int64_t j = 0; j < p; ++j) {
        const double v = static_cast<double>(X(i, j)) -
                         (offset ? static_cast<double>(offset[j]) : 0.0) -
                         static_cast<double>(c[j]);
        d += v * v;
      }
      total += (sw ? static_cast<double>(sw[i * sws]) : 1.0) * d;
    }
    partial[task] = total;
  });
  double total = 0.0;
  for (double v : partial) total += v;
  return total;
}

#define SKACCEL_INSTANTIATE(T)                                                                    \
  template void assign_and_sum<T>(ConstMatrixView<T>, const T*, const T*, std::int64_t, const T*, \
                                  std::int64_t, std::int32_t*, LloydSums*, int);                  \
  template double inertia<T>(ConstMatrixView<T>, const T*, const T*, std::int64_t, const T*,      \
                             std::int64_t, const std::int32_t*, int);
SKACCEL_INSTANTIATE(float)
SKACCEL_INSTANTIATE(double)
#undef SKACCEL_INSTANTIATE

}  // namespace skaccel::cluster

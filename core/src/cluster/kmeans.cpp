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
// Expanded squared distances below this share of ‖x‖² + ‖c‖² have lost most of their
// digits to cancellation and are recomputed from the differences.
constexpr double kCancellation = 1e-10;

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

namespace {

// scikit-learn's _relocate_empty_clusters_dense: each empty cluster takes the row farthest
// from its current center (farthest first), moving that row's weighted sum out of its
// cluster. The row keeps its label, as in scikit-learn.
template <class T>
void relocate_empty_clusters(ConstMatrixView<T> X, const T* offset, const T* sw, std::int64_t sws,
                             const std::vector<T>& centers_old, std::int64_t k,
                             const std::vector<std::int32_t>& labels, LloydSums& sums,
                             int n_threads) {
  std::vector<std::int64_t> empty;
  for (std::int64_t c = 0; c < k; ++c)
    if (sums.weights[c] == 0.0) empty.push_back(c);
  if (empty.empty()) return;
  const std::int64_t n = X.rows, p = X.cols;
  std::vector<double> distance(static_cast<std::size_t>(n));
  const int tasks = task_count(n, n_threads);
  parallel_tasks(tasks, [&](int task) {
    for (std::int64_t i = n * task / tasks; i < n * (task + 1) / tasks; ++i) {
      const T* c = centers_old.data() + labels[i] * p;
      double d = 0.0;
      for (std::int64_t j = 0; j < p; ++j) {
        const double v =
            static_cast<double>(X(i, j) - (offset ? offset[j] : T(0))) - static_cast<double>(c[j]);
        d += v * v;
      }
      distance[i] = d;
    }
  });
  // Every row at its center (more clusters than distinct rows): relocating is pointless,
  // and scikit-learn leaves the empty clusters as they are.
  if (*std::max_element(distance.begin(), distance.end()) == 0.0) return;
  const std::int64_t n_empty = std::min<std::int64_t>(static_cast<std::int64_t>(empty.size()), n);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[i] = i;
  std::partial_sort(order.begin(), order.begin() + n_empty, order.end(),
                    [&](std::int64_t a, std::int64_t b) {
                      return distance[a] > distance[b] || (distance[a] == distance[b] && a < b);
                    });
  for (std::int64_t e = 0; e < n_empty; ++e) {
    const std::int64_t to = empty[e], row = order[e], from = labels[row];
    const double w = sw ? static_cast<double>(sw[row * sws]) : 1.0;
    for (std::int64_t j = 0; j < p; ++j) {
      const double x = static_cast<double>(X(row, j) - (offset ? offset[j] : T(0)));
      sums.sums[from * p + j] -= x * w;
      sums.sums[to * p + j] = x * w;
    }
    sums.weights[to] = w;
    sums.weights[from] -= w;
  }
}

}  // namespace

template <class T>
LloydFit<T> lloyd(ConstMatrixView<T> X, const T* offset, const T* sw, std::int64_t sws,
                  const T* centers_init, std::int64_t k, std::int64_t max_iter, double tol,
                  int n_threads) {
  const std::int64_t n = X.rows, p = X.cols;
  check(k, p, centers_init);
  if (max_iter < 1) throw InvalidArgument("max_iter must be at least 1");
  LloydFit<T> fit;
  fit.centers.assign(centers_init, centers_init + k * p);
  fit.labels.assign(static_cast<std::size_t>(n), -1);
  std::vector<std::int32_t> labels_old(static_cast<std::size_t>(n), -1);
  std::vector<T> centers_new(static_cast<std::size_t>(k * p));
  LloydSums sums;
  bool strict_convergence = false;
  std::int64_t iteration = 0;
  for (; iteration < max_iter; ++iteration) {
    assign_and_sum(X, offset, sw, sws, fit.centers.data(), k, fit.labels.data(), &sums, n_threads);
    relocate_empty_clusters(X, offset, sw, sws, fit.centers, k, fit.labels, sums, n_threads);
    // scikit-learn's _average_centers, in its order: a cluster without weight takes the
    // place of the heaviest (the first of equals): its center when already averaged, its
    // sums when not yet.
    const std::int64_t heaviest =
        std::max_element(sums.weights.begin(), sums.weights.end()) - sums.weights.begin();
    double shift = 0.0;  // Σ_c ‖new_c − old_c‖², scikit-learn's center_shift_tot
    for (std::int64_t c = 0; c < k; ++c) {
      T* center = centers_new.data() + c * p;
      if (sums.weights[c] > 0.0) {
        const double scale = 1.0 / sums.weights[c];
        for (std::int64_t j = 0; j < p; ++j)
          center[j] = static_cast<T>(sums.sums[c * p + j] * scale);
      } else if (heaviest < c) {
        std::copy(centers_new.data() + heaviest * p, centers_new.data() + (heaviest + 1) * p,
                  center);
      } else {
        for (std::int64_t j = 0; j < p; ++j)
          center[j] = static_cast<T>(sums.sums[heaviest * p + j]);
      }
      for (std::int64_t j = 0; j < p; ++j) {
        const double d =
            static_cast<double>(center[j]) - static_cast<double>(fit.centers[c * p + j]);
        shift += d * d;
      }
    }
    fit.centers.swap(centers_new);
    if (fit.labels == labels_old) {
      strict_convergence = true;
      break;
    }
    if (shift <= tol) break;
    labels_old = fit.labels;
  }
  fit.n_iter = std::min(iteration + 1, max_iter);
  if (!strict_convergence)  // the labels of the final centers
    assign_and_sum(X, offset, sw, sws, fit.centers.data(), k, fit.labels.data(), nullptr,
                   n_threads);
  fit.inertia = inertia(X, offset, sw, sws, fit.centers.data(), k, fit.labels.data(), n_threads);
  return fit;
}

template <class T>
void center_distances(ConstMatrixView<T> X, const T* centers, std::int64_t k, MatrixView<T> out,
                      int n_threads) {
  const std::int64_t n = X.rows, p = X.cols;
  check(k, p, centers);
  if (out.rows != n || out.cols != k) throw InvalidArgument("the output must be n × k");
  std::vector<double> C(centers, centers + k * p), center_norms(static_cast<std::size_t>(k), 0.0);
  for (std::int64_t c = 0; c < k; ++c)
    for (std::int64_t j = 0; j < p; ++j) center_norms[c] += C[c * p + j] * C[c * p + j];
  const int tasks = task_count(n, n_threads);
  blas::BlasThreadsScope blas_threads(1);
  parallel_tasks(tasks, [&](int task) {
    const std::int64_t begin = n * task / tasks, end = n * (task + 1) / tasks;
    std::vector<double> block(static_cast<std::size_t>(kBlockRows * std::max<std::int64_t>(p, 1)));
    std::vector<double> dots(static_cast<std::size_t>(kBlockRows * k));
    for (std::int64_t r0 = begin; r0 < end; r0 += kBlockRows) {
      const std::int64_t rows = std::min(kBlockRows, end - r0);
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < p; ++j) block[i * p + j] = static_cast<double>(X(r0 + i, j));
      if (p > 0)
        blas::gemm('T', 'N', k, rows, p, 1.0, C.data(), p, block.data(), p, 0.0, dots.data(), k);
      else
        std::fill(dots.begin(), dots.end(), 0.0);
      for (std::int64_t i = 0; i < rows; ++i) {
        double row_norm = 0.0;
        for (std::int64_t j = 0; j < p; ++j) row_norm += block[i * p + j] * block[i * p + j];
        const double* x = block.data() + i * p;
        for (std::int64_t c = 0; c < k; ++c) {
          // scikit-learn: (−2 x·c + ‖x‖²) + ‖c‖², cast to X's dtype, clamped, rooted.
          double d = -2.0 * dots[i * k + c] + row_norm + center_norms[c];
          if (d <= kCancellation * (row_norm + center_norms[c])) {
            // Cancellation: a row at (or next to) a center. The differences give the
            // distance to full precision, and exactly 0 at the center itself (scikit-learn's
            // test: transform(cluster_centers_) has a zero diagonal).
            const double* y = C.data() + c * p;
            d = 0.0;
            for (std::int64_t j = 0; j < p; ++j) d += (x[j] - y[j]) * (x[j] - y[j]);
          }
          out(r0 + i, c) = std::sqrt(std::max(static_cast<T>(d), T(0)));
        }
      }
    }
  });
}

#define SKACCEL_INSTANTIATE(T)                                                                    \
  template void assign_and_sum<T>(ConstMatrixView<T>, const T*, const T*, std::int64_t, const T*, \
                                  std::int64_t, std::int32_t*, LloydSums*, int);                  \
  template double inertia<T>(ConstMatrixView<T>, const T*, const T*, std::int64_t, const T*,      \
                             std::int64_t, const std::int32_t*, int);                             \
  template LloydFit<T> lloyd<T>(ConstMatrixView<T>, const T*, const T*, std::int64_t, const T*,   \
                                std::int64_t, std::int64_t, double, int);                         \
  template void center_distances<T>(ConstMatrixView<T>, const T*, std::int64_t, MatrixView<T>, int);
SKACCEL_INSTANTIATE(float)
SKACCEL_INSTANTIATE(double)
#undef SKACCEL_INSTANTIATE

}  // namespace skaccel::cluster

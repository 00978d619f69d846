// k-means kernels (skaccel/cluster.hpp): blocked assignment fused with the update's sums.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "../common/blas.hpp"
#include "../common/vector_clones.hpp"
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

// Centers per AVX2 register of T: the small-problem kernel takes two registers of centers
// per pass, and one for a last odd register.
template <class T>
constexpr std::int64_t kLanes = 32 / static_cast<std::int64_t>(sizeof(T));
// The small-problem kernel is used while the transposed centers fit in L1 (k·p·sizeof(T)
// at most this): there one gemm per block of 256 rows is mostly call and packing overhead.
constexpr std::int64_t kSmallCenterBytes = 24 * 1024;

// The centers transposed (p × kp, kp = k rounded up to kLanes) and their squared norms in T,
// the padding centers at +inf so that they are never nearest.
template <class T>
struct SmallCenters {
  std::int64_t kp = 0;
  std::vector<T> transposed, norms;
};

template <class T>
bool small_problem(std::int64_t k, std::int64_t p) {
  const std::int64_t kp = (k + kLanes<T> - 1) / kLanes<T> * kLanes<T>;
  return p > 0 && kp * p * static_cast<std::int64_t>(sizeof(T)) <= kSmallCenterBytes;
}

template <class T>
SmallCenters<T> small_centers(const T* centers, const std::vector<T>& norms, std::int64_t k,
                              std::int64_t p) {
  SmallCenters<T> out;
  out.kp = (k + kLanes<T> - 1) / kLanes<T> * kLanes<T>;
  out.transposed.assign(static_cast<std::size_t>(out.kp * p), T(0));
  out.norms.assign(static_cast<std::size_t>(out.kp), std::numeric_limits<T>::infinity());
  for (std::int64_t c = 0; c < k; ++c) {
    out.norms[c] = norms[c];
    for (std::int64_t j = 0; j < p; ++j) out.transposed[j * out.kp + c] = centers[c * p + j];
  }
  return out;
}

// 32-byte vectors of T (GCC/Clang vector extensions): one AVX2 register in the
// x86-64-v3 clone, two SSE2 registers in the default one.
template <class T>
struct Vec32;
template <>
struct Vec32<double> {
  typedef double type __attribute__((vector_size(32)));
};
template <>
struct Vec32<float> {
  typedef float type __attribute__((vector_size(32)));
};

// labels[i] = the first minimum over c of ‖c‖² − 2 x_i·c for the rows of block (rows × p,
// row-major): R rows at a time against 2 kLanes centers at a time, the 2R partial dot
// products held in named vector registers (arrays of them spill to the stack). The same rule
// as the gemm path, the dot products summed in another order (near-ties may resolve
// differently, as they may across BLAS builds).
template <class T, int R>
__attribute__((always_inline)) inline void nearest_rows(const T* x, std::int64_t ld, std::int64_t p,
                                                        const T* transposed, const T* norms,
                                                        std::int64_t kp, std::int32_t* labels) {
  using V = typename Vec32<T>::type;
  constexpr std::int64_t W = 32 / static_cast<std::int64_t>(sizeof(T));
  static_assert(kLanes<T> == W, "one vector of centers per register");
  // Per lane: the least value so far and the first center reaching it (as T: exact for
  // any k this path takes). The first minimum over all centers is then the least index
  // among the lanes holding the least value.
  V best_lo[R], best_hi[R], index_lo[R], index_hi[R];
  V lane_lo, lane_hi;
  for (std::int64_t l = 0; l < W; ++l) {
    lane_lo[l] = static_cast<T>(l);
    lane_hi[l] = static_cast<T>(W + l);
  }
  for (int r = 0; r < R; ++r) {
    best_lo[r] = best_hi[r] = V{} + std::numeric_limits<T>::infinity();
    index_lo[r] = index_hi[r] = V{};
  }
  std::int64_t c0 = 0;
  for (; c0 + 2 * W <= kp; c0 += 2 * W) {
    V lo[R], hi[R];
    for (int r = 0; r < R; ++r) lo[r] = hi[r] = V{};
    const T* ct = transposed + c0;
    for (std::int64_t j = 0; j < p; ++j, ct += kp) {
      V c_lo, c_hi;
      std::memcpy(&c_lo, ct, sizeof(V));
      std::memcpy(&c_hi, ct + W, sizeof(V));
      for (int r = 0; r < R; ++r) {
        const T xr = x[r * ld + j];
        lo[r] += xr * c_lo;
        hi[r] += xr * c_hi;
      }
    }
    V norm_lo, norm_hi;
    std::memcpy(&norm_lo, norms + c0, sizeof(V));
    std::memcpy(&norm_hi, norms + c0 + W, sizeof(V));
    const T base = static_cast<T>(c0);
    for (int r = 0; r < R; ++r) {
      const V d_lo = norm_lo - 2 * lo[r], d_hi = norm_hi - 2 * hi[r];
      const auto less_lo = d_lo < best_lo[r], less_hi = d_hi < best_hi[r];
      best_lo[r] = less_lo ? d_lo : best_lo[r];
      best_hi[r] = less_hi ? d_hi : best_hi[r];
      index_lo[r] = less_lo ? lane_lo + base : index_lo[r];
      index_hi[r] = less_hi ? lane_hi + base : index_hi[r];
    }
  }
  if (c0 < kp) {  // one register of centers left (kp is a multiple of W)
    V lo[R];
    for (int r = 0; r < R; ++r) lo[r] = V{};
    const T* ct = transposed + c0;
    for (std::int64_t j = 0; j < p; ++j, ct += kp) {
      V c_lo;
      std::memcpy(&c_lo, ct, sizeof(V));
      for (int r = 0; r < R; ++r) lo[r] += x[r * ld + j] * c_lo;
    }
    V norm_lo;
    std::memcpy(&norm_lo, norms + c0, sizeof(V));
    const T base = static_cast<T>(c0);
    for (int r = 0; r < R; ++r) {
      const V d_lo = norm_lo - 2 * lo[r];
      const auto less_lo = d_lo < best_lo[r];
      best_lo[r] = less_lo ? d_lo : best_lo[r];
      index_lo[r] = less_lo ? lane_lo + base : index_lo[r];
    }
  }
  // Branch-free reductions (the winning lane is data-dependent: branches mispredict):
  // lo against hi lane by lane, then the least value, then the least index holding it.
  for (int r = 0; r < R; ++r) {
    const auto take_hi =
        (best_hi[r] < best_lo[r]) | ((best_hi[r] == best_lo[r]) & (index_hi[r] < index_lo[r]));
    const V value = take_hi ? best_hi[r] : best_lo[r];
    const V index = take_hi ? index_hi[r] : index_lo[r];
    T least = value[0];
    for (std::int64_t l = 1; l < W; ++l) least = std::min(least, value[l]);
    const V candidates = value == least ? index : V{} + std::numeric_limits<T>::infinity();
    T first = candidates[0];
    for (std::int64_t l = 1; l < W; ++l) first = std::min(first, candidates[l]);
    labels[r] = static_cast<std::int32_t>(first);
  }
}

template <class T>
SKACCEL_VECTOR_CLONES void nearest_small(const T* block, std::int64_t ld, std::int64_t rows,
                                         std::int64_t p, const T* transposed, const T* norms,
                                         std::int64_t kp, std::int32_t* labels) {
  std::int64_t i = 0;
  for (; i + 4 <= rows; i += 4)
    nearest_rows<T, 4>(block + i * ld, ld, p, transposed, norms, kp, labels + i);
  for (; i < rows; ++i)
    nearest_rows<T, 1>(block + i * ld, ld, p, transposed, norms, kp, labels + i);
}

// The weighted sums (in double) of a block's rows into their clusters' accumulators;
// vectorised over the features in the x86-64-v3 clone.
template <class T>
SKACCEL_VECTOR_CLONES void accumulate_block(const T* block, std::int64_t ld, std::int64_t rows,
                                            std::int64_t p, const std::int32_t* labels, const T* sw,
                                            std::int64_t sws, double* sums, double* weights) {
  for (std::int64_t i = 0; i < rows; ++i) {
    const std::int32_t best = labels[i];
    const double w = sw ? static_cast<double>(sw[i * sws]) : 1.0;
    double* acc = sums + best * p;
    const T* x = block + i * ld;
    for (std::int64_t j = 0; j < p; ++j) acc[j] += w * static_cast<double>(x[j]);
    weights[best] += w;
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
  std::optional<SmallCenters<T>> small;
  if (small_problem<T>(k, p)) small = small_centers(centers, center_norms, k, p);
  const int tasks = task_count(n, n_threads);
  std::vector<LloydSums> partial(sums ? static_cast<std::size_t>(tasks) : 0);
  blas::BlasThreadsScope blas_threads(1);
  parallel_tasks(tasks, [&](int task) {
    const std::int64_t begin = n * task / tasks, end = n * (task + 1) / tasks;
    std::vector<T> block(static_cast<std::size_t>(kBlockRows * std::max<std::int64_t>(p, 1)));
    std::vector<T> scores(small ? 0 : static_cast<std::size_t>(kBlockRows * k));
    LloydSums* local = sums ? &partial[task] : nullptr;
    if (local) {
      local->sums.assign(static_cast<std::size_t>(k * p), 0.0);
      local->weights.assign(static_cast<std::size_t>(k), 0.0);
    }
    for (std::int64_t r0 = begin; r0 < end; r0 += kBlockRows) {
      const std::int64_t rows = std::min(kBlockRows, end - r0);
      // Rows read in place when there is nothing to subtract and they are contiguous
      // (predict on C-ordered X); otherwise gathered (and shifted) into the block.
      const bool in_place = small && !offset && X.col_stride == 1;
      const T* rows_data = in_place ? X.row(r0) : block.data();
      const std::int64_t ld = in_place ? X.row_stride : p;
      if (!in_place) gather_block(X, offset, r0, rows, block.data());
      if (small) {
        nearest_small(rows_data, ld, rows, p, small->transposed.data(), small->norms.data(),
                      small->kp, labels + r0);
      } else {
        // scores (rows × k, row-major) = block · centersᵀ: column-major k × rows.
        if (p > 0)
          blas::gemm('T', 'N', k, rows, p, T(1), centers, p, block.data(), p, T(0), scores.data(),
                     k);
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
        }
      }
      if (local)
        accumulate_block(rows_data, ld, rows, p, labels + r0, sw ? sw + r0 * sws : nullptr, sws,
                         local->sums.data(), local->weights.data());
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

template <class T>
FarthestRows farthest_rows(ConstMatrixView<T> X, const T* offset, const T* centers, std::int64_t k,
                           const std::int32_t* labels, std::int64_t count, int n_threads) {
  const std::int64_t n = X.rows, p = X.cols;
  check(k, p, centers);
  std::vector<double> distance(static_cast<std::size_t>(n));
  const int tasks = task_count(n, n_threads);
  parallel_tasks(tasks, [&](int task) {
    for (std::int64_t i = n * task / tasks; i < n * (task + 1) / tasks; ++i) {
      if (labels[i] < 0 || labels[i] >= k) throw InvalidArgument("a label is not a center's index");
      const T* c = centers + labels[i] * p;
      double d = 0.0;
      for (std::int64_t j = 0; j < p; ++j) {
        const double v =
            static_cast<double>(X(i, j) - (offset ? offset[j] : T(0))) - static_cast<double>(c[j]);
        d += v * v;
      }
      distance[i] = d;
    }
  });
  const std::int64_t m = std::clamp<std::int64_t>(count, 0, n);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[i] = i;
  std::partial_sort(order.begin(), order.begin() + m, order.end(),
                    [&](std::int64_t a, std::int64_t b) {
                      return distance[a] > distance[b] || (distance[a] == distance[b] && a < b);
                    });
  FarthestRows out;
  out.rows.assign(order.begin(), order.begin() + m);
  for (std::int64_t i : out.rows) out.distances.push_back(distance[i]);
  return out;
}

template <class T>
double average_centers(const LloydSums& sums, const T* centers_old, std::int64_t k, std::int64_t p,
                       T* centers_new) {
  if (static_cast<std::int64_t>(sums.weights.size()) != k ||
      static_cast<std::int64_t>(sums.sums.size()) != k * p)
    throw InvalidArgument("the sums do not match k centers of p features");
  // scikit-learn's _average_centers, in its order: a cluster without weight takes the
  // place of the heaviest (the first of equals): its center when already averaged, its
  // sums when not yet.
  const std::int64_t heaviest =
      std::max_element(sums.weights.begin(), sums.weights.end()) - sums.weights.begin();
  double shift = 0.0;  // Σ_c ‖new_c − old_c‖², scikit-learn's center_shift_tot
  for (std::int64_t c = 0; c < k; ++c) {
    T* center = centers_new + c * p;
    if (sums.weights[c] > 0.0) {
      const double scale = 1.0 / sums.weights[c];
      for (std::int64_t j = 0; j < p; ++j) center[j] = static_cast<T>(sums.sums[c * p + j] * scale);
    } else if (heaviest < c) {
      std::copy(centers_new + heaviest * p, centers_new + (heaviest + 1) * p, center);
    } else {
      for (std::int64_t j = 0; j < p; ++j) center[j] = static_cast<T>(sums.sums[heaviest * p + j]);
    }
    for (std::int64_t j = 0; j < p; ++j) {
      const double d = static_cast<double>(center[j]) - static_cast<double>(centers_old[c * p + j]);
      shift += d * d;
    }
  }
  return shift;
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
  if (empty.empty() || X.rows == 0) return;
  const std::int64_t p = X.cols;
  const FarthestRows farthest = farthest_rows(X, offset, centers_old.data(), k, labels.data(),
                                              static_cast<std::int64_t>(empty.size()), n_threads);
  // Every row at its center (more clusters than distinct rows): relocating is pointless,
  // and scikit-learn leaves the empty clusters as they are.
  if (farthest.distances.front() == 0.0) return;
  for (std::size_t e = 0; e < farthest.rows.size(); ++e) {
    const std::int64_t to = empty[e], row = farthest.rows[e], from = labels[row];
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
    const double shift = average_centers(sums, fit.centers.data(), k, p, centers_new.data());
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
  template void center_distances<T>(ConstMatrixView<T>, const T*, std::int64_t, MatrixView<T>,    \
                                    int);                                                         \
  template FarthestRows farthest_rows<T>(ConstMatrixView<T>, const T*, const T*, std::int64_t,    \
                                         const std::int32_t*, std::int64_t, int);                 \
  template double average_centers<T>(const LloydSums&, const T*, std::int64_t, std::int64_t, T*);
SKACCEL_INSTANTIATE(float)
SKACCEL_INSTANTIATE(double)
#undef SKACCEL_INSTANTIATE

}  // namespace skaccel::cluster

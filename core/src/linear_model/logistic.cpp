// The logistic losses' passes over X (skaccel/logistic.hpp).
//
// Threads own contiguous row ranges (at least kGrain rows each) and walk them in blocks of
// about kBlockBytes of X; a block is read by BLAS in place when its rows or columns are
// evenly spaced (C- or F-ordered X, row slices), else gathered into a thread-local buffer.
// Per block: the raw predictions Z = X_b·Wᵀ + b (one gemv/gemm), the pointwise losses and
// derivatives in double, then X_bᵀ·G (one gemv/gemm) while the block is still in cache.
// Block results in T are added into per-thread double sums, reduced in thread order, so a
// result depends on the thread count only through rounding, and is reproducible for one.
#include "skaccel/logistic.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../common/blas.hpp"
#include "../common/vector_clones.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::linear_model {
namespace {

constexpr std::int64_t kBlockBytes = 256 << 10;  // of X per block: stays in L2
constexpr std::int64_t kGrain = 16384;           // rows a thread must get

// HalfBinomialLoss: gradient and Hessian of log(1 + exp(z)) − y·z at z
// (closs_grad_hess_half_binomial).
inline void binomial_derivatives(double y, double z, double* g, double* h) {
  if (z > -37) {
    const double e = std::exp(-z);
    *g = ((1 - y) - y * e) / (1 + e);
    *h = e / ((1 + e) * (1 + e));
  } else {
    const double e = std::exp(z);
    *g = e - y;
    *h = e;
  }
}

// log(1 + x) to about one ulp for x ≥ 0 from one log (glibc's log1p costs about three):
// u = 1 + x rounds, and the rounding error (u − 1) − x is corrected to first order.
inline double log1p_fast(double x) {
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  return std::log(u) - ((u - 1.0) - x) / u;
}

// Loss and gradient of HalfBinomialLoss at z with one exponential: log(1 + exp(z)) by
// scikit-learn's cut-offs, with exp(z) = 1/e and log(1 + exp(z)) = z + log1p(e) for
// e = exp(−z) (identities: the values agree with scikit-learn's to rounding).
inline double binomial_loss_gradient(double y, double z, double* g) {
  if (z <= -37) {
    const double e = std::exp(z);
    *g = e - y;
    return e - y * z;
  }
  const double e = std::exp(-z);
  *g = ((1 - y) - y * e) / (1 + e);
  double log1pexp_z;
  if (z <= -2)
    log1pexp_z = log1p_fast(1.0 / e);
  else if (z <= 18)
    log1pexp_z = z + log1p_fast(e);
  else if (z <= 33.3)
    log1pexp_z = z + e;
  else
    log1pexp_z = z;
  return log1pexp_z - y * z;
}

// How BLAS reads the row blocks of X: in place (row-major: the block is a p×rows
// column-major matrix of leading dimension ld; column-major: rows×p of leading dimension
// ld), or gathered row-major into a buffer.
template <class T>
struct Block {
  const T* data;
  std::int64_t ld;
  bool row_major;
};

template <class T>
class RowBlocks {
 public:
  explicit RowBlocks(ConstMatrixView<T> X) : X_(X) {
    const std::int64_t p = X.cols;
    row_major_ = (X.col_stride == 1 || p == 1) && X.row_stride >= std::max<std::int64_t>(p, 1);
    col_major_ = !row_major_ && X.row_stride == 1 && p > 1 && X.col_stride >= X.rows;
    rows_ = std::clamp<std::int64_t>(kBlockBytes / (std::max<std::int64_t>(p, 1) * sizeof(T)), 64,
                                     8192);
  }
  std::int64_t rows_per_block() const { return rows_; }
  bool row_major() const { return row_major_; }

  // body(r0, rows, block) for the blocks of rows [begin, end), each after its raw
  // predictions Z = X_b·Wᵀ (rows × K, row-major; W: K × p) are computed.
  template <class F>
  void for_each_scored(std::int64_t begin, std::int64_t end, const T* W, std::int64_t K,
                       std::vector<T>& buffer, T* Z, F&& body) const;

  Block<T> block(std::int64_t r0, std::int64_t rows, std::vector<T>& buffer) const {
    const std::int64_t p = X_.cols;
    if (row_major_)
      return {X_.row(r0), rows == 1 ? std::max<std::int64_t>(p, 1) : X_.row_stride, true};
    if (col_major_) return {X_.data + r0, X_.col_stride, false};
    buffer.resize(static_cast<std::size_t>(std::max<std::int64_t>(rows * p, 1)));
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < p; ++j) buffer[i * p + j] = X_(r0 + i, j);
    return {buffer.data(), std::max<std::int64_t>(p, 1), true};
  }

 private:
  ConstMatrixView<T> X_;
  bool row_major_ = false, col_major_ = false;
  std::int64_t rows_ = 64;
};

// Z (rows×K row-major) = X_b · Wᵀ, W K×p row-major.
template <class T>
void raw_predictions(const Block<T>& b, std::int64_t rows, std::int64_t p, const T* W,
                     std::int64_t K, T* Z) {
  if (p == 0) {
    std::fill(Z, Z + rows * K, T(0));
    return;
  }
  if (K == 1) {
    if (b.row_major)
      blas::gemv('T', p, rows, T(1), b.data, b.ld, W, 1, T(0), Z, 1);
    else
      blas::gemv('N', rows, p, T(1), b.data, b.ld, W, 1, T(0), Z, 1);
  } else if (b.row_major) {
    blas::gemm('T', 'N', K, rows, p, T(1), W, p, b.data, b.ld, T(0), Z, K);
  } else {
    blas::gemm('T', 'T', K, rows, p, T(1), W, p, b.data, b.ld, T(0), Z, K);
  }
}

template <class T>
template <class F>
void RowBlocks<T>::for_each_scored(std::int64_t begin, std::int64_t end, const T* W, std::int64_t K,
                                   std::vector<T>& buffer, T* Z, F&& body) const {
  for (std::int64_t r0 = begin; r0 < end; r0 += rows_) {
    const std::int64_t rows = std::min(rows_, end - r0);
    const Block<T> blk = block(r0, rows, buffer);
    raw_predictions(blk, rows, X_.cols, W, K, Z);
    body(r0, rows, blk);
  }
}

// out (K×p row-major) = Gᵀ · X_b, G rows×K row-major.
template <class T>
void transposed_product(const Block<T>& b, std::int64_t rows, std::int64_t p, const T* G,
                        std::int64_t K, T* out) {
  if (p == 0) return;
  if (K == 1) {
    if (b.row_major)
      blas::gemv('N', p, rows, T(1), b.data, b.ld, G, 1, T(0), out, 1);
    else
      blas::gemv('T', rows, p, T(1), b.data, b.ld, G, 1, T(0), out, 1);
  } else if (b.row_major) {
    blas::gemm('N', 'T', p, K, rows, T(1), b.data, b.ld, G, K, T(0), out, p);
  } else {
    blas::gemm('T', 'T', p, K, rows, T(1), b.data, b.ld, G, K, T(0), out, p);
  }
}

template <class T>
void check(const LogisticProblem<T>& pr) {
  if (pr.n_classes < 2) throw InvalidArgument("a logistic problem needs at least 2 classes");
  if (!pr.y && pr.X.rows > 0) throw InvalidArgument("y is missing");
}

// Splits [0, n) into contiguous ranges, one per task, and runs body(task, begin, end) with
// the BLAS library single-threaded (the tasks are the parallelism).
template <class F>
int run_ranges(std::int64_t n, int n_threads, F&& body) {
  const int tasks =
      static_cast<int>(std::clamp<std::int64_t>(n / kGrain, 1, std::max(1, n_threads)));
  blas::BlasThreadsScope blas_threads(1);
  parallel_tasks(tasks, [&](int k) { body(k, n * k / tasks, n * (k + 1) / tasks); });
  return tasks;
}

// The model's weights in T (K×p) and intercepts (K, zero without fit_intercept).
template <class T>
void split_coef(const double* coef, std::int64_t K, std::int64_t p, bool fit_intercept,
                std::vector<T>& W, std::vector<double>& b) {
  const std::int64_t dof = p + (fit_intercept ? 1 : 0);
  W.resize(static_cast<std::size_t>(std::max<std::int64_t>(K * p, 1)));
  b.assign(static_cast<std::size_t>(K), 0.0);
  for (std::int64_t k = 0; k < K; ++k) {
    for (std::int64_t j = 0; j < p; ++j) W[k * p + j] = static_cast<T>(coef[k * dof + j]);
    if (fit_intercept) b[k] = coef[k * dof + p];
  }
}

template <class T>
double row_weight(const LogisticProblem<T>& pr, std::int64_t row) {
  return pr.sample_weight ? pr.sample_weight[row * pr.sample_weight_stride] : 1.0;
}

// Whether y is a class index below K (then *label is it).
inline bool is_class_index(double y, std::int64_t K, std::int64_t* label) {
  *label = y >= 0 && y < static_cast<double>(K) ? static_cast<std::int64_t>(y) : 0;
  return y >= 0 && y < static_cast<double>(K) && y == static_cast<double>(*label);
}

// The softmax of one row's raw predictions z + b into prob (K values, shifted by their
// maximum as scikit-learn's HalfMultinomialLoss does); returns log Σ_k exp(z_k + b_k).
template <class T>
double softmax(const T* z, const std::vector<double>& b, std::int64_t K, double* prob) {
  double max_value = static_cast<double>(z[0]) + b[0];
  for (std::int64_t k = 1; k < K; ++k)
    max_value = std::max(max_value, static_cast<double>(z[k]) + b[k]);
  double sum = 0.0;
  for (std::int64_t k = 0; k < K; ++k) {
    prob[k] = std::exp(static_cast<double>(z[k]) + b[k] - max_value);
    sum += prob[k];
  }
  for (std::int64_t k = 0; k < K; ++k) prob[k] /= sum;
  return max_value + std::log(sum);
}

struct BadLabel {
  bool found = false;
  double value = 0;
};

// InvalidArgument when a task met a label outside the classes (raw_columns: 1 binary).
void throw_if_bad_labels(const std::vector<BadLabel>& bad, std::int64_t raw_columns) {
  for (const auto& f : bad)
    if (f.found)
      throw InvalidArgument(
          "logistic labels must be " +
          std::string(raw_columns == 1 ? "0 or 1" : "class indices below n_classes") + ", got " +
          std::to_string(f.value));
}

// Adds the block's Gᵀ·X_b (K×p, in T) and Σ G (intercepts) into a K×dof double sum.
template <class T>
void add_gradient(const Block<T>& blk, std::int64_t rows, std::int64_t p, std::int64_t K,
                  bool fit_intercept, const T* G, std::vector<T>& tmp, double* sum) {
  const std::int64_t dof = p + (fit_intercept ? 1 : 0);
  tmp.resize(static_cast<std::size_t>(std::max<std::int64_t>(K * p, 1)));
  transposed_product(blk, rows, p, G, K, tmp.data());
  for (std::int64_t k = 0; k < K; ++k)
    for (std::int64_t j = 0; j < p; ++j) sum[k * dof + j] += tmp[k * p + j];
  if (fit_intercept)
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t k = 0; k < K; ++k) sum[k * dof + p] += G[i * K + k];
}

// The binary loss and gradient over rows [begin, end) of row-major X, one row at a time:
// x·w, the pointwise terms, then g·x into the gradient while the row is in L1 -- X is read
// from memory once (two BLAS calls per block read it twice). Returns Σ s·loss.

template <class T>
SKACCEL_VECTOR_CLONES double fused_binary_rows(const LogisticProblem<T>& pr,
                                               const std::vector<double>& w, double b,
                                               std::int64_t begin, std::int64_t end, double* grad,
                                               BadLabel& bad) {
  const std::int64_t p = pr.X.cols;
  const double* wd = w.data();
  double local = 0.0, intercept = 0.0;
  for (std::int64_t row = begin; row < end; ++row) {
    const T* x = pr.X.row(row);
    // Eight independent partial sums: one accumulator would chain every addition's
    // latency (the loop would be bound by it, not by memory).
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::int64_t j = 0;
    for (; j + 8 <= p; j += 8)
      for (int u = 0; u < 8; ++u) acc[u] += static_cast<double>(x[j + u]) * wd[j + u];
    double z = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; j < p; ++j) z += static_cast<double>(x[j]) * wd[j];
    z += b;
    const double s = row_weight(pr, row);
    const double y = pr.y[row * pr.y_stride];
    if (y != 0.0 && y != 1.0) bad = {true, y};
    double g;
    local += s * binomial_loss_gradient(y, z, &g);
    g *= s;
    intercept += g;
#pragma omp simd
    for (std::int64_t k = 0; k < p; ++k) grad[k] += g * static_cast<double>(x[k]);
  }
  if (pr.fit_intercept) grad[p] += intercept;
  return local;
}

}  // namespace

template <class T>
double logistic_loss_gradient(const LogisticProblem<T>& pr, const double* coef, double* gradient,
                              double* pointwise, int n_threads) {
  check(pr);
  const std::int64_t n = pr.X.rows, p = pr.X.cols, K = pr.raw_columns(), dof = pr.dof();
  std::vector<T> W;
  std::vector<double> b;
  split_coef(coef, K, p, pr.fit_intercept, W, b);
  const std::vector<double> wd(coef, coef + (K == 1 ? p : 0));  // binary weights in double
  const RowBlocks<T> blocks(pr.X);
  const int max_tasks = std::max(1, n_threads);
  std::vector<double> loss(max_tasks, 0.0);
  std::vector<std::vector<double>> grad(max_tasks);
  std::vector<BadLabel> bad(max_tasks);
  run_ranges(n, n_threads, [&](int task, std::int64_t begin, std::int64_t end) {
    std::vector<T> gathered, Z, G, tmp;
    std::vector<double> e(static_cast<std::size_t>(K));  // exp(z − max) of one row
    if (gradient) grad[task].assign(static_cast<std::size_t>(K * dof), 0.0);
    double local = 0.0;
    if (K == 1 && !pointwise && blocks.row_major()) {
      // Summed in the task's own buffer (the tasks' result vectors may share cache lines).
      std::vector<double> sum(static_cast<std::size_t>(dof) + 16, 0.0);
      BadLabel found;
      loss[task] = fused_binary_rows(pr, wd, b[0], begin, end, sum.data(), found);
      if (gradient) std::copy(sum.begin(), sum.begin() + dof, grad[task].begin());
      bad[task] = found;
      return;
    }
    const std::int64_t step = blocks.rows_per_block();  // buffers hold one block
    Z.resize(static_cast<std::size_t>(step * K));
    G.resize(static_cast<std::size_t>(step * K));
    blocks.for_each_scored(
        begin, end, W.data(), K, gathered, Z.data(),
        [&](std::int64_t r0, std::int64_t rows, const Block<T>& blk) {
          for (std::int64_t i = 0; i < rows; ++i) {
            const std::int64_t row = r0 + i;
            const double s = row_weight(pr, row);
            const double y = pr.y[row * pr.y_stride];
            if (K == 1) {
              if (y != 0.0 && y != 1.0) bad[task] = {true, y};
              const double z = static_cast<double>(Z[i]) + b[0];
              double g;
              local += s * binomial_loss_gradient(y, z, &g);
              if (pointwise) {
                double h;
                binomial_derivatives(y, z, &g, &h);
                pointwise[row] = s * h;
              }
              G[i] = static_cast<T>(s * g);
            } else {
              const T* zr = Z.data() + i * K;
              std::int64_t label;
              if (!is_class_index(y, K, &label)) {
                bad[task] = {true, y};
                continue;
              }
              const double log_sum = softmax(zr, b, K, e.data());
              local += s * (log_sum - (static_cast<double>(zr[label]) + b[label]));
              T* gr = G.data() + i * K;
              double* prob = pointwise ? pointwise + row * K : nullptr;
              for (std::int64_t k = 0; k < K; ++k) {
                if (prob) prob[k] = e[k];
                gr[k] = static_cast<T>(s * (e[k] - (k == label ? 1.0 : 0.0)));
              }
            }
          }
          if (gradient)
            add_gradient(blk, rows, p, K, pr.fit_intercept, G.data(), tmp, grad[task].data());
        });
    loss[task] = local;
  });
  throw_if_bad_labels(bad, K);
  double total = 0.0;
  for (double v : loss) total += v;
  if (gradient) {
    std::fill(gradient, gradient + K * dof, 0.0);
    for (const auto& g : grad)
      for (std::size_t j = 0; j < g.size(); ++j) gradient[j] += g[j];
  }
  return total;
}

template <class T>
void logistic_hessian_product(const LogisticProblem<T>& pr, const double* pointwise,
                              const double* v, double* out, int n_threads) {
  check(pr);
  const std::int64_t n = pr.X.rows, p = pr.X.cols, K = pr.raw_columns(), dof = pr.dof();
  std::vector<T> V;
  std::vector<double> vb;
  split_coef(v, K, p, pr.fit_intercept, V, vb);
  const RowBlocks<T> blocks(pr.X);
  std::vector<std::vector<double>> sums(std::max(1, n_threads));
  run_ranges(n, n_threads, [&](int task, std::int64_t begin, std::int64_t end) {
    std::vector<T> gathered, R, tmp;
    std::vector<double>& sum = sums[task];
    sum.assign(static_cast<std::size_t>(K * dof), 0.0);
    const std::int64_t step = blocks.rows_per_block();  // buffers hold one block
    R.resize(static_cast<std::size_t>(step * K));
    blocks.for_each_scored(
        begin, end, V.data(), K, gathered, R.data(),
        [&](std::int64_t r0, std::int64_t rows, const Block<T>& blk) {
          for (std::int64_t i = 0; i < rows; ++i) {
            const std::int64_t row = r0 + i;
            T* r = R.data() + i * K;
            if (K == 1) {
              r[0] = static_cast<T>(pointwise[row] * (static_cast<double>(r[0]) + vb[0]));
              continue;
            }
            // Σ_l H_{kl} r_l of the softmax: p_k (r_k − Σ_l p_l r_l), times the row's weight.
            const double* prob = pointwise + row * K;
            const double s = row_weight(pr, row);
            double mean = 0.0;
            for (std::int64_t k = 0; k < K; ++k)
              mean += prob[k] * (static_cast<double>(r[k]) + vb[k]);
            for (std::int64_t k = 0; k < K; ++k)
              r[k] = static_cast<T>(s * prob[k] * (static_cast<double>(r[k]) + vb[k] - mean));
          }
          add_gradient(blk, rows, p, K, pr.fit_intercept, R.data(), tmp, sum.data());
        });
  });
  std::fill(out, out + K * dof, 0.0);
  for (const auto& sum : sums)
    for (std::size_t j = 0; j < sum.size(); ++j) out[j] += sum[j];
}

template <class T>
double logistic_gradient_hessian(const LogisticProblem<T>& pr, const double* coef, double* gradient,
                                 double* hessian, double* nonpositive_weight, int n_threads) {
  check(pr);
  if (pr.n_classes != 2) throw InvalidArgument("the full Hessian is for binary problems");
  const std::int64_t n = pr.X.rows, p = pr.X.cols, dof = pr.dof();
  std::vector<T> W;
  std::vector<double> b;
  split_coef(coef, 1, p, pr.fit_intercept, W, b);
  const RowBlocks<T> blocks(pr.X);
  const int max_tasks = std::max(1, n_threads);
  std::vector<std::vector<double>> grads(max_tasks), hessians(max_tasks);
  std::vector<double> weights(max_tasks, 0.0), nonpositive(max_tasks, 0.0);
  std::vector<BadLabel> bad(max_tasks);
  run_ranges(n, n_threads, [&](int task, std::int64_t begin, std::int64_t end) {
    std::vector<T> gathered, Z, G, A, tmp, H;
    grads[task].assign(static_cast<std::size_t>(dof), 0.0);
    hessians[task].assign(static_cast<std::size_t>(dof * dof), 0.0);
    const std::int64_t step = blocks.rows_per_block();  // buffers hold one block
    Z.resize(static_cast<std::size_t>(step));
    G.resize(static_cast<std::size_t>(step));
    A.resize(static_cast<std::size_t>(step * dof));
    H.resize(static_cast<std::size_t>(dof * dof));
    double weight = 0.0, nonpos = 0.0;
    blocks.for_each_scored(begin, end, W.data(), 1, gathered, Z.data(),
                           [&](std::int64_t r0, std::int64_t rows, const Block<T>& blk) {
                             for (std::int64_t i = 0; i < rows; ++i) {
                               const std::int64_t row = r0 + i;
                               const double s = row_weight(pr, row);
                               const double y = pr.y[row * pr.y_stride];
                               if (y != 0.0 && y != 1.0) bad[task] = {true, y};
                               double g, h;
                               binomial_derivatives(y, static_cast<double>(Z[i]) + b[0], &g, &h);
                               G[i] = static_cast<T>(s * g);
                               weight += s;
                               if (s * h <= 0) nonpos += s;
                               // √|s·h| (x, 1): its cross-product is the block's Hessian
                               // (scikit-learn takes |s·h|).
                               const T root = static_cast<T>(std::sqrt(std::abs(s * h)));
                               T* a = A.data() + i * dof;
                               for (std::int64_t j = 0; j < p; ++j) a[j] = root * pr.X(row, j);
                               if (pr.fit_intercept) a[p] = root;
                             }
                             add_gradient(blk, rows, p, 1, pr.fit_intercept, G.data(), tmp,
                                          grads[task].data());
                             if (dof > 0) {
                               blas::syrk_upper('N', dof, rows, A.data(), dof, T(0), H.data(), dof);
                               double* acc = hessians[task].data();
                               for (std::int64_t c = 0; c < dof; ++c)
                                 for (std::int64_t r = 0; r <= c; ++r)
                                   acc[c * dof + r] += H[c * dof + r];
                             }
                           });
    weights[task] = weight;
    nonpositive[task] = nonpos;
  });
  throw_if_bad_labels(bad, 1);
  std::fill(gradient, gradient + dof, 0.0);
  std::fill(hessian, hessian + dof * dof, 0.0);
  double total = 0.0, nonpos = 0.0;
  for (int t = 0; t < max_tasks; ++t) {
    if (grads[t].empty()) continue;
    for (std::int64_t j = 0; j < dof; ++j) gradient[j] += grads[t][j];
    // Column-major upper triangle: element (r, c), r ≤ c, at c·dof + r.
    for (std::int64_t c = 0; c < dof; ++c)
      for (std::int64_t r = 0; r <= c; ++r) hessian[r * dof + c] += hessians[t][c * dof + r];
    total += weights[t];
    nonpos += nonpositive[t];
  }
  for (std::int64_t r = 0; r < dof; ++r)
    for (std::int64_t c = 0; c < r; ++c) hessian[r * dof + c] = hessian[c * dof + r];
  if (nonpositive_weight) *nonpositive_weight = nonpos;
  return total;
}

template <class T>
double logistic_multinomial_hessian(const LogisticProblem<T>& pr, const double* coef,
                                    double* gradient, double* hessian, int n_threads) {
  check(pr);
  if (pr.n_classes < 3) throw InvalidArgument("the multinomial Hessian needs 3 or more classes");
  const std::int64_t n = pr.X.rows, p = pr.X.cols, K = pr.n_classes, dof = pr.dof();
  const std::int64_t pairs = K * (K + 1) / 2, m = K * dof;
  std::vector<T> W;
  std::vector<double> b;
  split_coef(coef, K, p, pr.fit_intercept, W, b);
  const RowBlocks<T> blocks(pr.X);
  const int max_tasks = std::max(1, n_threads);
  std::vector<std::vector<double>> grads(max_tasks), blocks_kl(max_tasks);
  std::vector<double> weights(max_tasks, 0.0);
  std::vector<BadLabel> bad(max_tasks);
  run_ranges(n, n_threads, [&](int task, std::int64_t begin, std::int64_t end) {
    std::vector<T> gathered, Z, G, A, C, tmp, H;
    std::vector<double> s_row;
    grads[task].assign(static_cast<std::size_t>(K * dof), 0.0);
    std::vector<double>& acc = blocks_kl[task];
    acc.assign(static_cast<std::size_t>(pairs * dof * dof), 0.0);
    const std::int64_t step = blocks.rows_per_block();  // buffers hold one block
    Z.resize(static_cast<std::size_t>(step * K));
    G.resize(static_cast<std::size_t>(step * K));
    A.resize(static_cast<std::size_t>(step * dof));
    C.resize(static_cast<std::size_t>(step * dof));
    H.resize(static_cast<std::size_t>(dof * dof));
    std::vector<double> P(static_cast<std::size_t>(step * K));  // probabilities
    s_row.resize(static_cast<std::size_t>(step));
    double weight = 0.0;
    blocks.for_each_scored(
        begin, end, W.data(), K, gathered, Z.data(),
        [&](std::int64_t r0, std::int64_t rows, const Block<T>& blk) {
          for (std::int64_t i = 0; i < rows; ++i) {
            const std::int64_t row = r0 + i;
            const double s = row_weight(pr, row);
            const double y = pr.y[row * pr.y_stride];
            std::int64_t label;
            if (!is_class_index(y, K, &label)) bad[task] = {true, y};
            softmax(Z.data() + i * K, b, K, P.data() + i * K);
            for (std::int64_t k = 0; k < K; ++k)
              G[i * K + k] = static_cast<T>(s * (P[i * K + k] - (k == label ? 1.0 : 0.0)));
            s_row[i] = s;
            weight += s;
            T* a = A.data() + i * dof;
            for (std::int64_t j = 0; j < p; ++j) a[j] = pr.X(row, j);
            if (pr.fit_intercept) a[p] = T(1);
          }
          add_gradient(blk, rows, p, K, pr.fit_intercept, G.data(), tmp, grads[task].data());
          // Block (k, l), k ≤ l: Aᵀ diag(w) A with w = s p_k (δ_kl − p_l), by one gemm on the
          // block while A is in cache.
          std::int64_t pair = 0;
          for (std::int64_t k = 0; k < K; ++k) {
            for (std::int64_t l = k; l < K; ++l, ++pair) {
              for (std::int64_t i = 0; i < rows; ++i) {
                const double pk = P[i * K + k];
                const double w = k == l ? pk * (1 - pk) * s_row[i] : -pk * P[i * K + l] * s_row[i];
                const T wt = static_cast<T>(w);
                const T* a = A.data() + i * dof;
                T* c = C.data() + i * dof;
                for (std::int64_t j = 0; j < dof; ++j) c[j] = wt * a[j];
              }
              blas::gemm('N', 'T', dof, dof, rows, T(1), A.data(), dof, C.data(), dof, T(0),
                         H.data(), dof);
              double* out = acc.data() + pair * dof * dof;
              for (std::int64_t q = 0; q < dof * dof; ++q) out[q] += H[q];
            }
          }
        });
    weights[task] = weight;
  });
  throw_if_bad_labels(bad, K);
  std::fill(gradient, gradient + K * dof, 0.0);
  std::fill(hessian, hessian + m * m, 0.0);
  double total = 0.0;
  for (int t = 0; t < max_tasks; ++t) {
    if (grads[t].empty()) continue;
    for (std::int64_t q = 0; q < K * dof; ++q) gradient[q] += grads[t][q];
    total += weights[t];
    std::int64_t pair = 0;
    for (std::int64_t k = 0; k < K; ++k)
      for (std::int64_t l = k; l < K; ++l, ++pair) {
        // H (column-major dof×dof): element (i, j) = Σ w x̃_i x̃_j at j·dof + i.
        const double* blk = blocks_kl[t].data() + pair * dof * dof;
        // Diagonal blocks (k = l) from their upper triangle, so the Hessian is exactly
        // symmetric (the gemm's two halves round differently).
        for (std::int64_t j = 0; j < dof; ++j)
          for (std::int64_t i = 0; i < (k == l ? j + 1 : dof); ++i) {
            const double v = blk[j * dof + i];
            hessian[(i * K + k) * m + (j * K + l)] += v;
            if (k != l || i != j) hessian[(j * K + l) * m + (i * K + k)] += v;
          }
      }
  }
  return total;
}

#define SKACCEL_LOGISTIC(T)                                                                       \
  template double logistic_loss_gradient<T>(const LogisticProblem<T>&, const double*, double*,    \
                                            double*, int);                                        \
  template void logistic_hessian_product<T>(const LogisticProblem<T>&, const double*,             \
                                            const double*, double*, int);                         \
  template double logistic_gradient_hessian<T>(const LogisticProblem<T>&, const double*, double*, \
                                               double*, double*, int);                            \
  template double logistic_multinomial_hessian<T>(const LogisticProblem<T>&, const double*,       \
                                                  double*, double*, int);
SKACCEL_LOGISTIC(float)
SKACCEL_LOGISTIC(double)
#undef SKACCEL_LOGISTIC

}  // namespace skaccel::linear_model

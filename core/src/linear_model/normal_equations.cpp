// One pass over (X, y, w) producing the centred weighted cross-products.
//
// Numerics: each row block is gathered into a thread-local buffer of the input's type as
// √w·(x − s), where the shift s is the weighted mean of the first block. The cross-product
// of shifted data only needs a rank-one correction by the (small) distance between s and
// the true mean, so no catastrophic cancellation occurs when |mean| ≫ spread; float32
// blocks' products are added into double accumulators. Where every column's first-block
// mean lies within one standard deviation of zero, the shift is zero (at most one bit of
// the products' rounding bound), and unit-weight X in a layout BLAS addresses is then read
// in place instead of gathered. Threads own contiguous block ranges and their partial
// sums are reduced in thread order, so results are reproducible for a given thread count.
//
// Range: products of the gathered values must neither underflow nor overflow the compute
// type (|X| ~ 1e-162 squares to 0 in double, float32 blocks of ~1e-25 to 0 in float). The
// largest gathered magnitude of X is bounded by the gram's diagonal (Σ a² per column), which
// the pass computes anyway: max² ≤ max diag ≤ n·max². Only when that bound cannot show the
// magnitude in a safe range is the exact maximum found by a read-only pass (tracking it in
// the gather cost ~8 % more instructions on every fit); when it lies outside, the pass is
// repeated on data scaled by one power of two (exact), and the statistics say so (x_scale,
// y_scale): the solvers unscale their solutions, other consumers their results. y's maximum
// (t values a row) is tracked in the gather.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "../common/blas.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::linear_model {
namespace {

struct Partial {
  std::vector<double> gram;   // p×p column-major, upper triangle filled by syrk
  std::vector<double> xty;    // p×t row-major (= t×p column-major)
  std::vector<double> x_sum;  // Σ w (x − s)
  std::vector<double> y_sum;  // Σ w (y − s_y)
  double weight_sum = 0.0;
  double max_abs_y = 0.0;  // of the gathered targets
  Partial(std::int64_t p, std::int64_t t)
      : gram(static_cast<std::size_t>(p * p), 0.0),
        xty(static_cast<std::size_t>(p * t), 0.0),
        x_sum(static_cast<std::size_t>(p), 0.0),
        y_sum(static_cast<std::size_t>(t), 0.0) {}
};

// Compute type of the BLAS calls: double for double input; float for float input, whose
// per-block products are then added into the double accumulators (blocks are small, so
// single-precision rounding stays at the level of one block, on shifted data).
template <class T>
using Compute = T;

// Thread-local scratch for one block: A (rows×p) and B (rows×t) row-major, r = √w, and
// for float the block's own products before they join the double sums.
//
// A, B and r live in a buffer the thread keeps between calls: allocated afresh for every
// fit, glibc often served these few hundred kB by a new mmap, whose page faults made a
// 2M×50 fit ~15 % slower than the same instructions on warm memory.
template <class C>
class ThreadBuffer {
 public:
  explicit ThreadBuffer(std::size_t n) {
    Slot& slot = thread_slot();
    if (!slot.in_use) {  // a thread runs one accumulation at a time; else a buffer of its own
      slot.in_use = true;
      slot_ = &slot;
      if (slot.data.size() < n) slot.data.resize(n);
      data_ = slot.data.data();
    } else {
      own_.resize(n);
      data_ = own_.data();
    }
  }
  ~ThreadBuffer() {
    if (!slot_) return;
    if (slot_->data.size() * sizeof(C) > kKeepBytes) std::vector<C>().swap(slot_->data);
    slot_->in_use = false;
  }
  ThreadBuffer(const ThreadBuffer&) = delete;
  ThreadBuffer& operator=(const ThreadBuffer&) = delete;
  C* data() const { return data_; }

 private:
  static constexpr std::size_t kKeepBytes = std::size_t(16) << 20;  // kept per thread
  struct Slot {
    std::vector<C> data;
    bool in_use = false;
  };
  static Slot& thread_slot() {
    thread_local Slot slot;
    return slot;
  }
  Slot* slot_ = nullptr;
  std::vector<C> own_;
  C* data_ = nullptr;
};

// A view of part of a ThreadBuffer (what the BLAS calls read).
template <class C>
struct Part {
  C* begin;
  C* data() const { return begin; }
};

template <class C>
struct Scratch {
  ThreadBuffer<C> storage;
  Part<C> A, B, r;
  std::vector<C> gram, xty, x_sum, y_sum;
  // gathered_p: the columns of X gathered per row (0 where X is read in place).
  Scratch(std::int64_t rows, std::int64_t p, std::int64_t gathered_p, std::int64_t t)
      : storage(static_cast<std::size_t>(rows * gathered_p + rows * t + rows)),
        A{storage.data()},
        B{storage.data() + rows * gathered_p},
        r{storage.data() + rows * gathered_p + rows * t} {
    if constexpr (!std::is_same_v<C, double>) {
      gram.resize(static_cast<std::size_t>(p * p));
      xty.resize(static_cast<std::size_t>(p * t));
      x_sum.resize(static_cast<std::size_t>(p));
      y_sum.resize(static_cast<std::size_t>(t));
    }
  }
};

template <class T>
double weight_at(const T* w, std::int64_t stride, std::int64_t i) {
  return w ? static_cast<double>(w[i * stride]) : 1.0;
}

struct Gathered {
  double weight_sum = 0.0;
  double max_abs_y = 0.0;
};

// One row of gather(): a[j] = rs·(x[j] − xs[j]), rs = √w·scale (a power of two times √w,
// so for scale 1 the values are those of the unscaled pass, bit for bit).
template <class T, class C>
void gather_row(const T* x, std::int64_t cs, std::int64_t p, const double* xs, double rs, C* a) {
  if (cs == 1) {
    for (std::int64_t j = 0; j < p; ++j)
      a[j] = static_cast<C>(rs * (static_cast<double>(x[j]) - xs[j]));
  } else {
    for (std::int64_t j = 0; j < p; ++j)
      a[j] = static_cast<C>(rs * (static_cast<double>(x[j * cs]) - xs[j]));
  }
}

// Gathers rows [r0, r1) as √w·xc·(x − xs) into A (unless A is null: X read in place) and
// √w·yc·(y − ys) into B (row-major, first row at the given pointers) and √w into r;
// returns Σw and the largest |B|.
template <class T, class C>
Gathered gather(ConstMatrixView<T> X, ConstMatrixView<T> Y, const T* w, std::int64_t ws,
                std::int64_t r0, std::int64_t r1, const double* xs, const double* ys, double xc,
                double yc, C* A, C* B, C* r) {
  const std::int64_t p = X.cols, t = Y.cols;
  Gathered g;
  double my = 0.0;
  for (std::int64_t i = r0; i < r1; ++i) {
    const double wi = weight_at(w, ws, i);
    const double ri = std::sqrt(wi);
    g.weight_sum += wi;
    C* b = B + (i - r0) * t;
    r[i - r0] = static_cast<C>(ri);
    if (A) gather_row(X.row(i), X.col_stride, p, xs, ri * xc, A + (i - r0) * p);
    const T* y = Y.row(i);
    const double ry = ri * yc;
    for (std::int64_t j = 0; j < t; ++j) {
      const double v = ry * (static_cast<double>(y[j * Y.col_stride]) - ys[j]);
      my = std::max(my, std::abs(v));
      b[j] = static_cast<C>(v);
    }
  }
  g.max_abs_y = my;
  return g;
}

// max |√w·(x − xs)| over all rows: the exact bound, for the rare data where the gram's
// diagonal cannot bound it into range (read-only; the maximum does not depend on order).
template <class T>
double max_abs_gathered(ConstMatrixView<T> X, const T* w, std::int64_t ws, const double* xs,
                        int n_threads) {
  const std::int64_t n = X.rows, p = X.cols;
  const int parts = static_cast<int>(std::min<std::int64_t>(std::max(1, n_threads), n));
  std::vector<double> part_max(static_cast<std::size_t>(parts), 0.0);
  parallel_tasks(parts, [&](int part) {
    double m = 0.0;
    for (std::int64_t i = n * part / parts; i < n * (part + 1) / parts; ++i) {
      const double ri = std::sqrt(weight_at(w, ws, i));
      for (std::int64_t j = 0; j < p; ++j)
        m = std::max(m, std::abs(ri * (static_cast<double>(X(i, j)) - xs[j])));
    }
    part_max[static_cast<std::size_t>(part)] = m;
  });
  return *std::max_element(part_max.begin(), part_max.end());
}

// Whether products of values up to `max_abs` in magnitude stay in the normal range of the
// compute type C, summed over a block (0, NaN and infinity: nothing to rescale).
template <class C>
bool in_range(double max_abs) {
  if (!(max_abs > 0.0) || !std::isfinite(max_abs)) return true;
  const int e = std::ilogb(max_abs);
  return std::is_same_v<C, double> ? (e >= -480 && e <= 480) : (e >= -50 && e <= 50);
}

// Whether the gram's diagonal (Σ a² per column over n rows, a = gathered X) shows every
// |a| in in_range<C>'s range: max² ≤ max_diag ≤ n·max² (to a relative roundoff far inside
// the margins), so max_diag ∈ [n·2^−2(E−1), 2^2(E−1)] puts ilogb(max) in [−E, E].
template <class C>
bool diagonal_shows_in_range(double max_diag, std::int64_t n) {
  constexpr int e = std::is_same_v<C, double> ? 479 : 49;
  return std::isfinite(max_diag) && max_diag <= std::ldexp(1.0, 2 * e) &&
         max_diag >= static_cast<double>(n) * std::ldexp(1.0, -2 * e);
}

// The power of two that brings max_abs into [0.5, 1).
double unit_scale(double max_abs) {
  if (!(max_abs > 0.0) || !std::isfinite(max_abs)) return 1.0;
  return std::ldexp(1.0, -(std::ilogb(max_abs) + 1));
}

// A block of X's rows as the BLAS calls read it: column-major p×rows (rows stored
// row-major: the gathered block, or C-ordered X in place) or column-major rows×p
// (F-ordered X in place), with leading dimension ld.
template <class C>
struct XBlock {
  const C* data;
  std::int64_t ld;
  bool rows_by_columns;  // true: column-major rows×p
};

// Products of one block into (gram, xty, x_sum, y_sum) = block + beta·previous.
template <class C>
void block_products(std::int64_t rows, std::int64_t p, std::int64_t t, XBlock<C> a,
                    const Scratch<C>& s, bool center, C beta, C* gram, C* xty, C* x_sum, C* y_sum) {
  // xᵀ-major ('N': A is p×rows) or row-major in columns ('T': A is rows×p).
  const char op = a.rows_by_columns ? 'T' : 'N';
  blas::syrk_upper(op, p, rows, a.data, a.ld, beta, gram, p);
  // xty is column-major t×p:  C_cm(t×p) = B_cm · A_cmᵀ  (no targets: moments of X alone)
  if (t == 1) {
    if (a.rows_by_columns)
      blas::gemv('T', rows, p, C(1), a.data, a.ld, s.B.data(), 1, beta, xty, 1);
    else
      blas::gemv('N', p, rows, C(1), a.data, a.ld, s.B.data(), 1, beta, xty, 1);
  } else if (t > 1) {
    blas::gemm('N', a.rows_by_columns ? 'N' : 'T', t, p, rows, C(1), s.B.data(), t, a.data, a.ld,
               beta, xty, t);
  }
  if (center) {
    // Σ w (x − s) = Σ r · (r (x − s)): one matrix-vector product over the block.
    if (a.rows_by_columns)
      blas::gemv('T', rows, p, C(1), a.data, a.ld, s.r.data(), 1, beta, x_sum, 1);
    else
      blas::gemv('N', p, rows, C(1), a.data, a.ld, s.r.data(), 1, beta, x_sum, 1);
    if (t > 0) blas::gemv('N', t, rows, C(1), s.B.data(), t, s.r.data(), 1, beta, y_sum, 1);
  }
}

template <class C>
void accumulate_block(std::int64_t rows, std::int64_t p, std::int64_t t, XBlock<C> a, Scratch<C>& s,
                      bool center, Partial& acc) {
  if constexpr (std::is_same_v<C, double>) {
    block_products<C>(rows, p, t, a, s, center, 1.0, acc.gram.data(), acc.xty.data(),
                      acc.x_sum.data(), acc.y_sum.data());
  } else {
    block_products<C>(rows, p, t, a, s, center, C(0), s.gram.data(), s.xty.data(), s.x_sum.data(),
                      s.y_sum.data());
    for (std::int64_t j = 0; j < p; ++j)
      for (std::int64_t i = 0; i <= j; ++i) acc.gram[j * p + i] += s.gram[j * p + i];
    for (std::size_t i = 0; i < acc.xty.size(); ++i) acc.xty[i] += s.xty[i];
    if (center) {
      for (std::size_t i = 0; i < acc.x_sum.size(); ++i) acc.x_sum[i] += s.x_sum[i];
      for (std::size_t i = 0; i < acc.y_sum.size(); ++i) acc.y_sum[i] += s.y_sum[i];
    }
  }
}

// How X's rows reach the BLAS calls. Gathering computes √w·xc·(x − xs); for unit weights,
// a zero shift and scale 1 that is x itself, bit for bit, so X is read in place when its
// layout is one BLAS addresses (a copy of every row saved: ~a fifth of a 2M×50 fit).
enum class XAccess { gathered, in_place_rows, in_place_columns };

template <class T>
XAccess x_access(ConstMatrixView<T> X, const T* w, const std::vector<double>& xs, double xc) {
  if (w || xc != 1.0) return XAccess::gathered;
  for (double v : xs)
    if (v != 0.0) return XAccess::gathered;
  constexpr std::int64_t kMaxLd = 0x7fffffff;  // the BLAS's 32-bit leading dimensions
  if ((X.col_stride == 1 || X.cols == 1) && X.row_stride >= X.cols && X.row_stride <= kMaxLd)
    return XAccess::in_place_rows;
  if (X.row_stride == 1 && X.col_stride >= X.rows && X.col_stride <= kMaxLd && X.cols > 1)
    return XAccess::in_place_columns;
  return XAccess::gathered;
}

template <class T>
XBlock<T> block_of(ConstMatrixView<T> X, XAccess access, std::int64_t r0, const T* gathered) {
  switch (access) {
    case XAccess::in_place_rows:
      return {X.row(r0), X.row_stride, false};
    case XAccess::in_place_columns:
      return {X.data + r0, X.col_stride, true};
    default:
      return {gathered, X.cols, false};
  }
}

template <class T>
void check_inputs(ConstMatrixView<T> X, ConstMatrixView<T> Y) {
  if (X.rows <= 0 || X.cols <= 0) throw InvalidArgument("X must be a non-empty 2-D array");
  if (Y.rows != X.rows) throw InvalidArgument("X and y have different numbers of samples");
  if (Y.cols < 0) throw InvalidArgument("y has a negative number of targets");
}

// The shift: the weighted mean of the first block (zero when not centring), as a running
// mean (a sum of large values could overflow).
struct Shift {
  std::vector<double> x, y;
};

// Whether every column's weighted mean m over the first `rows` rows lies within one
// weighted standard deviation σ of zero. Then the cross-products of unshifted x have at
// most twice the rounding bound of shifted ones (Σw·x² = Σw·(x−m)² + Σw·m² ≤ 2·Σw·(x−m)²:
// one bit, where |m| ≫ σ would lose many), and unweighted X can be read in place. The
// test is computed on each column scaled by a power of two that brings its largest |x| to
// [0.5, 1) (exact), and with weights divided by the largest, so that no square or sum
// leaves the range and decides wrongly. It depends on the values only, not on X's layout:
// every layout of the same data takes the same shift, hence the same statistics.
template <class T>
bool mean_within_one_sd_of_zero(ConstMatrixView<T> X, const T* w, std::int64_t ws,
                                std::int64_t rows, const std::vector<double>& mean) {
  const std::int64_t p = X.cols;
  std::vector<double> scale(static_cast<std::size_t>(p), 0.0), ss(static_cast<std::size_t>(p), 0.0);
  double w_max = 0.0, w_sum = 0.0;
  for (std::int64_t i = 0; i < rows; ++i) {
    const double wi = weight_at(w, ws, i);
    if (!(wi > 0.0)) continue;
    w_max = std::max(w_max, wi);
    for (std::int64_t j = 0; j < p; ++j)
      scale[j] = std::max(scale[j], std::abs(static_cast<double>(X(i, j))));
  }
  if (!(w_max > 0.0) || !std::isfinite(w_max)) return false;
  for (auto& c : scale) c = unit_scale(c);
  for (std::int64_t i = 0; i < rows; ++i) {
    const double wi = weight_at(w, ws, i);
    if (!(wi > 0.0)) continue;
    const double u = wi / w_max;
    w_sum += u;
    for (std::int64_t j = 0; j < p; ++j) {
      const double d = (static_cast<double>(X(i, j)) - mean[j]) * scale[j];
      ss[j] += u * d * d;
    }
  }
  for (std::int64_t j = 0; j < p; ++j) {
    const double m = mean[j] * scale[j];
    if (!(m * m * w_sum <= ss[j])) return false;  // NaN: keep the shift
  }
  return true;
}

template <class T>
Shift first_block_mean(ConstMatrixView<T> X, ConstMatrixView<T> Y, const T* w, std::int64_t ws,
                       bool center, std::int64_t block) {
  const std::int64_t p = X.cols, t = Y.cols;
  Shift s{std::vector<double>(static_cast<std::size_t>(p), 0.0),
          std::vector<double>(static_cast<std::size_t>(t), 0.0)};
  if (!center) return s;
  double wsum = 0.0;
  for (std::int64_t i = 0; i < block; ++i) {
    const double wi = weight_at(w, ws, i);
    if (!(wi > 0.0)) continue;
    wsum += wi;
    const double f = wi / wsum;
    for (std::int64_t j = 0; j < p; ++j) s.x[j] += f * (static_cast<double>(X(i, j)) - s.x[j]);
    for (std::int64_t j = 0; j < t; ++j) s.y[j] += f * (static_cast<double>(Y(i, j)) - s.y[j]);
  }
  // A zero shift, where it costs at most a bit (above), lets unweighted X be read in place.
  if (mean_within_one_sd_of_zero(X, w, ws, block, s.x)) std::fill(s.x.begin(), s.x.end(), 0.0);
  return s;
}

// What one pass gives: the statistics and what bounds the gathered magnitudes.
struct Pass {
  NormalEquations ne;
  double max_gram_diagonal = 0.0;  // max_j Σ a_j², a = gathered X
  double max_abs_y = 0.0;
};

// One pass over the data, gathered with scales xc (X) and yc (Y).
template <class T>
Pass accumulate(ConstMatrixView<T> X, ConstMatrixView<T> Y, const T* w, std::int64_t ws,
                bool center, int n_threads, const Shift& shift, double xc, double yc) {
  const std::int64_t n = X.rows, p = X.cols, t = Y.cols;
  const FitHyperparameters hp = get_fit_hyperparameters();
  const std::int64_t block = std::min<std::int64_t>(hp.cpu_macro_block, n);
  const std::int64_t n_blocks = (n + block - 1) / block;
  const std::vector<double>&xs = shift.x, &ys = shift.y;
  using C = Compute<T>;
  const XAccess access = std::is_same_v<C, T> ? x_access(X, w, xs, xc) : XAccess::gathered;
  const std::int64_t gathered_p = access == XAccess::gathered ? p : 0;

  const bool per_thread = p <= hp.cpu_max_cols_batched;
  int threads = std::max(1, n_threads);
  threads = static_cast<int>(
      std::min<std::int64_t>(threads, std::max<std::int64_t>(1, n / hp.cpu_grain_size)));
  threads = static_cast<int>(std::min<std::int64_t>(threads, n_blocks));

  std::vector<Partial> partials;
  blas::BlasThreadsScope blas_threads(per_thread ? 1 : threads);
  if (per_thread) {
    partials.reserve(static_cast<std::size_t>(threads));
    for (int k = 0; k < threads; ++k) partials.emplace_back(p, t);
    parallel_tasks(threads, [&](int k) {
      const std::int64_t b0 = n_blocks * k / threads, b1 = n_blocks * (k + 1) / threads;
      Scratch<C> scratch(block, p, gathered_p, t);
      Partial& acc = partials[static_cast<std::size_t>(k)];
      C* const A = gathered_p ? scratch.A.data() : nullptr;
      for (std::int64_t b = b0; b < b1; ++b) {
        const std::int64_t r0 = b * block, r1 = std::min(n, r0 + block);
        const Gathered g = gather(X, Y, w, ws, r0, r1, xs.data(), ys.data(), xc, yc, A,
                                  scratch.B.data(), scratch.r.data());
        acc.weight_sum += g.weight_sum;
        acc.max_abs_y = std::max(acc.max_abs_y, g.max_abs_y);
        accumulate_block(r1 - r0, p, t, block_of(X, access, r0, A), scratch, center, acc);
      }
    });
  } else {
    // Wide data: one accumulator; the gather is parallel, each BLAS call is threaded by
    // the BLAS library itself.
    partials.emplace_back(p, t);
    Partial& acc = partials.front();
    Scratch<C> scratch(block, p, gathered_p, t);
    C* const A = gathered_p ? scratch.A.data() : nullptr;
    for (std::int64_t b = 0; b < n_blocks; ++b) {
      const std::int64_t r0 = b * block, r1 = std::min(n, r0 + block);
      const std::int64_t rows = r1 - r0;
      const int parts = static_cast<int>(std::min<std::int64_t>(threads, rows));
      std::vector<Gathered> part_sums(static_cast<std::size_t>(parts));
      parallel_tasks(parts, [&](int part) {
        const std::int64_t q0 = r0 + rows * part / parts, q1 = r0 + rows * (part + 1) / parts;
        part_sums[static_cast<std::size_t>(part)] = gather(
            X, Y, w, ws, q0, q1, xs.data(), ys.data(), xc, yc, A ? A + (q0 - r0) * p : nullptr,
            scratch.B.data() + (q0 - r0) * t, scratch.r.data() + (q0 - r0));
      });
      for (const Gathered& g : part_sums) {  // in part order: reproducible
        acc.weight_sum += g.weight_sum;
        acc.max_abs_y = std::max(acc.max_abs_y, g.max_abs_y);
      }
      accumulate_block(r1 - r0, p, t, block_of(X, access, r0, A), scratch, center, acc);
    }
  }

  // Reduce in thread order (deterministic for a fixed thread count).
  Partial& total = partials.front();
  for (std::size_t k = 1; k < partials.size(); ++k) {
    const Partial& o = partials[k];
    for (std::size_t i = 0; i < total.gram.size(); ++i) total.gram[i] += o.gram[i];
    for (std::size_t i = 0; i < total.xty.size(); ++i) total.xty[i] += o.xty[i];
    for (std::size_t i = 0; i < total.x_sum.size(); ++i) total.x_sum[i] += o.x_sum[i];
    for (std::size_t i = 0; i < total.y_sum.size(); ++i) total.y_sum[i] += o.y_sum[i];
    total.weight_sum += o.weight_sum;
    total.max_abs_y = std::max(total.max_abs_y, o.max_abs_y);
  }

  Pass pass;
  for (std::int64_t j = 0; j < p; ++j)  // a NaN column is ignored, as max |a| ignores it
    pass.max_gram_diagonal = std::max(pass.max_gram_diagonal, total.gram[j * p + j]);
  pass.max_abs_y = total.max_abs_y;
  NormalEquations& ne = pass.ne;
  ne.n_samples = n;
  ne.n_features = p;
  ne.n_targets = t;
  ne.weight_sum = total.weight_sum;
  ne.centered = center;
  ne.x_scale = xc;
  ne.y_scale = yc;
  ne.x_mean.assign(static_cast<std::size_t>(p), 0.0);
  ne.y_mean.assign(static_cast<std::size_t>(t), 0.0);
  ne.gram.assign(static_cast<std::size_t>(p * p), 0.0);
  ne.xty.assign(static_cast<std::size_t>(p * t), 0.0);

  std::vector<double> dx(static_cast<std::size_t>(p), 0.0), dy(static_cast<std::size_t>(t), 0.0);
  if (center && total.weight_sum > 0.0) {
    for (std::int64_t j = 0; j < p; ++j) dx[j] = total.x_sum[j] / total.weight_sum;
    for (std::int64_t j = 0; j < t; ++j) dy[j] = total.y_sum[j] / total.weight_sum;
    for (std::int64_t j = 0; j < p; ++j) ne.x_mean[j] = xs[j] * xc + dx[j];
    for (std::int64_t j = 0; j < t; ++j) ne.y_mean[j] = ys[j] * yc + dy[j];
  }
  const double sw = total.weight_sum;
  // gram: column-major upper (i <= j) -> full row-major, minus the rank-one correction.
  for (std::int64_t j = 0; j < p; ++j) {
    for (std::int64_t i = 0; i <= j; ++i) {
      const double v = total.gram[j * p + i] - sw * dx[i] * dx[j];
      ne.gram[i * p + j] = v;
      ne.gram[j * p + i] = v;
    }
  }
  // xty: column-major t×p, element (k, j) at j*t + k  -> row-major p×t (j, k).
  for (std::int64_t j = 0; j < p; ++j)
    for (std::int64_t k = 0; k < t; ++k)
      ne.xty[j * t + k] = total.xty[j * t + k] - sw * dx[j] * dy[k];
  return pass;
}

}  // namespace

template <class T>
NormalEquations accumulate_normal_equations(ConstMatrixView<T> X, ConstMatrixView<T> Y, const T* w,
                                            std::int64_t ws, bool center, int n_threads) {
  check_inputs(X, Y);
  using C = Compute<T>;
  const std::int64_t block =
      std::min<std::int64_t>(get_fit_hyperparameters().cpu_macro_block, X.rows);
  const Shift shift = first_block_mean(X, Y, w, ws, center, block);
  Pass pass = accumulate<T>(X, Y, w, ws, center, n_threads, shift, 1.0, 1.0);
  const bool y_ok = in_range<C>(pass.max_abs_y);
  double max_abs_x = 0.0;  // known only when the diagonal could not bound it
  const bool x_ok = diagonal_shows_in_range<C>(pass.max_gram_diagonal, X.rows) ||
                    in_range<C>(max_abs_x = max_abs_gathered(X, w, ws, shift.x.data(), n_threads));
  if (x_ok && y_ok) return std::move(pass.ne);
  // Rare: values whose products leave the compute type's range. A second pass on data
  // scaled by powers of two (exact) keeps every digit.
  const double xc = x_ok ? 1.0 : unit_scale(max_abs_x);
  const double yc = y_ok ? 1.0 : unit_scale(pass.max_abs_y);
  return std::move(accumulate<T>(X, Y, w, ws, center, n_threads, shift, xc, yc).ne);
}

NormalEquations merge(const NormalEquations& a, const NormalEquations& b) {
  if (a.n_features != b.n_features || a.n_targets != b.n_targets || a.centered != b.centered)
    throw InvalidArgument("cannot merge statistics of different shapes or centring");
  if (a.x_scale != b.x_scale || a.y_scale != b.y_scale)
    throw InvalidArgument("cannot merge statistics of differently scaled data");
  if (b.weight_sum == 0.0 && b.n_samples == 0) return a;
  if (a.weight_sum == 0.0 && a.n_samples == 0) return b;
  const std::int64_t p = a.n_features, t = a.n_targets;
  NormalEquations m = a;
  m.n_samples = a.n_samples + b.n_samples;
  m.weight_sum = a.weight_sum + b.weight_sum;
  for (std::size_t i = 0; i < m.gram.size(); ++i) m.gram[i] += b.gram[i];
  for (std::size_t i = 0; i < m.xty.size(); ++i) m.xty[i] += b.xty[i];
  if (!a.centered || m.weight_sum <= 0.0) return m;
  // Chan, Golub & LeVeque: the cross term of the two means.
  const double f = a.weight_sum * b.weight_sum / m.weight_sum;
  const double share = b.weight_sum / m.weight_sum;
  std::vector<double> dx(static_cast<std::size_t>(p)), dy(static_cast<std::size_t>(t));
  for (std::int64_t j = 0; j < p; ++j) dx[j] = b.x_mean[j] - a.x_mean[j];
  for (std::int64_t k = 0; k < t; ++k) dy[k] = b.y_mean[k] - a.y_mean[k];
  for (std::int64_t i = 0; i < p; ++i) {
    for (std::int64_t j = 0; j < p; ++j) m.gram[i * p + j] += f * dx[i] * dx[j];
    for (std::int64_t k = 0; k < t; ++k) m.xty[i * t + k] += f * dx[i] * dy[k];
  }
  for (std::int64_t j = 0; j < p; ++j) m.x_mean[j] += share * dx[j];
  for (std::int64_t k = 0; k < t; ++k) m.y_mean[k] += share * dy[k];
  return m;
}

bool all_finite(const NormalEquations& ne) {
  auto finite = [](const std::vector<double>& v) {
    for (double x : v)
      if (!std::isfinite(x)) return false;
    return true;
  };
  return std::isfinite(ne.weight_sum) && finite(ne.gram) && finite(ne.xty) && finite(ne.x_mean) &&
         finite(ne.y_mean);
}

template NormalEquations accumulate_normal_equations<float>(ConstMatrixView<float>,
                                                            ConstMatrixView<float>, const float*,
                                                            std::int64_t, bool, int);
template NormalEquations accumulate_normal_equations<double>(ConstMatrixView<double>,
                                                             ConstMatrixView<double>, const double*,
                                                             std::int64_t, bool, int);

}  // namespace skaccel::linear_model

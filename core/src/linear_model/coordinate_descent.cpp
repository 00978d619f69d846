// Elastic-net coordinate descent (see coordinate_descent.hpp): one driver, two problem
// representations (the Gram matrix, or the residual over X's columns).
#include "skaccel/coordinate_descent.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../common/vector_clones.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::linear_model {
namespace {

// scikit-learn's our_rand_r (sklearn/utils/_random.pxd) and rand_int: a 32-bit xorshift
// reduced modulo 2^31, then modulo `end`.
std::uint32_t rand_int(std::uint32_t end, std::uint32_t& state) {
  if (state == 0) state = 1;  // its DEFAULT_SEED: the stream never sticks at 0
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return (state % (std::uint32_t{2147483647} + 1u)) % end;
}

double sign(double v) { return v == 0.0 ? 0.0 : (v > 0.0 ? 1.0 : -1.0); }

// The duality gap of scikit-learn's gap_enet / gap_enet_gram from the quantities both
// paths have: R·R, R·y and Xᵀ R (in xta, turned into Xᵀ R − l2·w in place when l1 > 0).
// Returns the gap; dual_norm receives the dual norm of xta the screening rule uses.
double duality_gap(const EnetOptions& o, const std::vector<double>& w, double r_norm2, double ry,
                   std::vector<double>& xta, double& dual_norm) {
  const double alpha = o.l1, beta = o.l2;
  const std::size_t p = w.size();
  double w_l2_norm2 = 0.0;
  if (beta > 0)
    for (double v : w) w_l2_norm2 += v * v;
  if (alpha == 0) {
    double norm = 0.0;
    for (double v : xta) norm += v * v;
    dual_norm = norm;
    if (beta == 0) return norm;  // OLS: the first-order condition ||XᵀR||²
    return r_norm2 + 0.5 * beta * w_l2_norm2 - ry + 1.0 / (2.0 * beta) * norm;  // formulation B
  }
  double w_l1 = 0.0;
  for (std::size_t j = 0; j < p; ++j) {
    xta[j] -= beta * w[j];
    w_l1 += std::fabs(w[j]);
  }
  double norm = p ? (o.positive ? xta[0] : std::fabs(xta[0])) : 0.0;
  for (std::size_t j = 1; j < p; ++j)
    norm = std::max(norm, o.positive ? xta[j] : std::fabs(xta[j]));
  dual_norm = norm;
  // Formulation A, with the dual point scaled into the feasible set.
  const double primal = 0.5 * (r_norm2 + beta * w_l2_norm2) + alpha * w_l1;
  const double scale = norm > alpha ? alpha / norm : 1.0;
  const double dual = -0.5 * scale * scale * (r_norm2 + beta * w_l2_norm2) + scale * ry;
  return primal - dual;
}

// The Gram representation: Qw is kept up to date.
struct GramProblem {
  const double* Q;
  const double* q;
  double y_norm2;
  std::int64_t p;
  std::vector<double> Qw;

  double norm2(std::int64_t j) const { return Q[j * p + j]; }
  double correlation(std::int64_t j, double w_j) const { return q[j] - Qw[j] + w_j * norm2(j); }
  void step(std::int64_t j, double delta) {  // w_j += delta
    const double* row = Q + j * p;
    for (std::int64_t k = 0; k < p; ++k) Qw[k] += delta * row[k];
  }
  double gap(const EnetOptions& o, const std::vector<double>& w, std::vector<double>& xta,
             double& dual_norm) const {
    double qw = 0.0, wqw = 0.0;
    for (std::int64_t j = 0; j < p; ++j) {
      qw += w[j] * q[j];
      wqw += w[j] * Qw[j];
      xta[j] = q[j] - Qw[j];
    }
    return duality_gap(o, w, y_norm2 + wqw - 2.0 * qw, y_norm2 - qw, xta, dual_norm);
  }
  // scikit-learn's Gram path accepts the starting point only for a gap ≥ 0 (a singular Q
  // may give a slightly negative one).
  static bool start_converged(double gap, double tol) { return 0 <= gap && gap <= tol; }
};

// z · r for one contiguous column, z = s ⊙ (x − m) (s null: unit weights). The reduction
// is vectorised (several partial sums, as BLAS's ddot has).
template <class T>
SKACCEL_VECTOR_CLONES double column_dot(const T* x, const double* s, double m, const double* r,
                                        std::int64_t n) {
  double acc = 0.0;
  if (s) {
#pragma omp simd reduction(+ : acc)
    for (std::int64_t i = 0; i < n; ++i) acc += s[i] * (static_cast<double>(x[i]) - m) * r[i];
  } else {
#pragma omp simd reduction(+ : acc)
    for (std::int64_t i = 0; i < n; ++i) acc += (static_cast<double>(x[i]) - m) * r[i];
  }
  return acc;
}

// r −= delta · z for one contiguous column.
template <class T>
SKACCEL_VECTOR_CLONES void column_axpy(const T* x, const double* s, double m, double delta,
                                       double* r, std::int64_t n) {
  if (s) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) r[i] -= delta * (s[i] * (static_cast<double>(x[i]) - m));
  } else {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) r[i] -= delta * (static_cast<double>(x[i]) - m);
  }
}

// The residual representation over X's columns: z_ij = s_i (x_ij − x̄_j), with s_i = √w_i.
// Z is never formed: each column of X is read in place (contiguously when X is F-ordered).
template <class T>
struct ResidualProblem {
  ConstMatrixView<T> X;
  const double* x_mean;
  std::vector<double> scale;  // √w_i, empty for unit weights
  std::vector<double> y;      // s_i (y_i − ȳ)
  std::vector<double> R;      // y − Z w
  std::vector<double> norms;  // ||z_j||²
  double y_norm2 = 0.0;
  int n_threads = 1;

  // f(j) for every column, on threads when there is enough work: each column's result is
  // computed the same way whatever the split (the iterates do not depend on n_threads).
  template <class F>
  void for_columns(F&& f) const {
    const std::int64_t p = X.cols;
    const int tasks = static_cast<int>(
        std::clamp<std::int64_t>(X.rows * p / (1 << 18), 1, std::min<std::int64_t>(n_threads, p)));
    if (tasks <= 1) {
      for (std::int64_t j = 0; j < p; ++j) f(j);
      return;
    }
    parallel_tasks(tasks, [&](int k) {
      for (std::int64_t j = p * k / tasks; j < p * (k + 1) / tasks; ++j) f(j);
    });
  }

  const T* column(std::int64_t j) const { return X.data + j * X.col_stride; }
  const double* weights() const { return scale.empty() ? nullptr : scale.data(); }
  bool contiguous() const { return X.row_stride == 1; }

  double dot(std::int64_t j, const std::vector<double>& r) const {
    if (contiguous()) return column_dot(column(j), weights(), x_mean[j], r.data(), X.rows);
    const T* col = column(j);
    double s = 0.0;
    for (std::int64_t i = 0; i < X.rows; ++i)
      s += (scale.empty() ? 1.0 : scale[i]) *
           (static_cast<double>(col[i * X.row_stride]) - x_mean[j]) * r[i];
    return s;
  }
  double norm2(std::int64_t j) const { return norms[j]; }
  double correlation(std::int64_t j, double w_j) const { return dot(j, R) + w_j * norms[j]; }
  void step(std::int64_t j, double delta) {  // w_j += delta: R −= delta z_j
    if (contiguous()) return column_axpy(column(j), weights(), x_mean[j], delta, R.data(), X.rows);
    const T* col = column(j);
    for (std::int64_t i = 0; i < X.rows; ++i)
      R[i] -= delta * ((scale.empty() ? 1.0 : scale[i]) *
                       (static_cast<double>(col[i * X.row_stride]) - x_mean[j]));
  }
  double column_norm2(std::int64_t j) const {
    const T* col = column(j);
    double s = 0.0;
    for (std::int64_t i = 0; i < X.rows; ++i) {
      const double z = (scale.empty() ? 1.0 : scale[i]) *
                       (static_cast<double>(col[i * X.row_stride]) - x_mean[j]);
      s += z * z;
    }
    return s;
  }
  double gap(const EnetOptions& o, const std::vector<double>& w, std::vector<double>& xta,
             double& dual_norm) const {
    double r_norm2 = 0.0, ry = 0.0;
    for (std::size_t i = 0; i < R.size(); ++i) {
      r_norm2 += R[i] * R[i];
      ry += R[i] * y[i];
    }
    for_columns([&](std::int64_t j) { xta[j] = dot(j, R); });
    return duality_gap(o, w, r_norm2, ry, xta, dual_norm);
  }
  static bool start_converged(double gap, double tol) { return gap <= tol; }
};

// The coordinate descent of enet_coordinate_descent(_gram), on either representation.
template <class Problem>
EnetResult coordinate_descent(Problem& pb, std::int64_t p, std::vector<double> w,
                              const EnetOptions& o) {
  if (o.max_iter < 1) throw InvalidArgument("max_iter must be at least 1");
  if (static_cast<std::int64_t>(w.size()) != p) throw InvalidArgument("coef has the wrong size");
  const double alpha = o.l1, beta = o.l2;
  const bool screening = alpha != 0;  // no screening without an l1 penalty
  std::uint32_t state = o.seed;
  EnetResult res;
  res.tol = o.tol * pb.y_norm2;
  const double tol = res.tol, d_w_tol = o.tol;
  std::vector<double> xta(static_cast<std::size_t>(p));
  std::vector<std::uint32_t> active(static_cast<std::size_t>(p));
  std::vector<char> excluded(static_cast<std::size_t>(p), 0);
  std::int64_t n_active = p;
  for (std::int64_t j = 0; j < p; ++j) active[j] = static_cast<std::uint32_t>(j);

  // Gap safe screening (Ndiaye et al. 2017, eq. 11): features that cannot be active at
  // the optimum are set to zero and skipped.
  auto screen = [&](double gap, double dual_norm, bool first) {
    const double radius = std::sqrt(2.0 * std::fabs(gap)) / alpha;
    n_active = 0;
    for (std::int64_t j = 0; j < p; ++j) {
      if (!first && excluded[j]) continue;
      if (first && pb.norm2(j) == 0) {
        w[j] = 0;
        excluded[j] = 1;
        continue;
      }
      const double xj_theta = xta[j] / std::max(alpha, dual_norm);
      const double d_j = (1 - std::fabs(xj_theta)) / std::sqrt(pb.norm2(j) + beta);
      if (d_j <= radius) {
        active[n_active++] = static_cast<std::uint32_t>(j);
        excluded[j] = 0;
      } else {
        if (w[j] != 0) {
          pb.step(j, -w[j]);
          w[j] = 0;
        }
        excluded[j] = 1;
      }
    }
  };

  double dual_norm = 0.0;
  res.gap = pb.gap(o, w, xta, dual_norm);
  if (Problem::start_converged(res.gap, tol)) {
    res.coef = std::move(w);
    res.converged = true;
    return res;
  }
  if (screening) screen(res.gap, dual_norm, true);

  std::int64_t n_iter = 0;
  for (n_iter = 0; n_iter < o.max_iter; ++n_iter) {
    double w_max = 0.0, d_w_max = 0.0;
    for (std::int64_t f = 0; f < n_active; ++f) {
      std::int64_t j = o.random ? rand_int(static_cast<std::uint32_t>(n_active), state) : f;
      if (screening) j = active[j];
      const double norm2 = pb.norm2(j);
      if (norm2 == 0.0) continue;
      const double w_j = w[j];
      const double tmp = pb.correlation(j, w_j);
      const double updated =
          (o.positive && tmp < 0)
              ? 0.0
              : sign(tmp) * std::max(std::fabs(tmp) - alpha, 0.0) / (norm2 + beta);
      if (updated != w_j) pb.step(j, updated - w_j);
      w[j] = updated;
      d_w_max = std::max(d_w_max, std::fabs(updated - w_j));
      w_max = std::max(w_max, std::fabs(updated));
    }
    if (w_max == 0.0 || d_w_max / w_max <= d_w_tol || n_iter == o.max_iter - 1) {
      res.gap = pb.gap(o, w, xta, dual_norm);
      if (res.gap <= tol) {
        res.converged = true;
        break;
      }
      if (screening) screen(res.gap, dual_norm, false);
    }
  }
  res.n_iter = res.converged ? n_iter + 1 : o.max_iter;
  res.coef = std::move(w);
  return res;
}

}  // namespace

EnetResult enet_gram(const double* Q, const double* q, double y_norm2, std::int64_t p,
                     std::vector<double> coef0, const EnetOptions& options) {
  GramProblem pb{Q, q, y_norm2, p, std::vector<double>(static_cast<std::size_t>(p), 0.0)};
  for (std::int64_t j = 0; j < p; ++j)
    if (coef0[j] != 0.0) pb.step(j, coef0[j]);
  return coordinate_descent(pb, p, std::move(coef0), options);
}

template <class T>
EnetResult enet_residual(ConstMatrixView<T> X, const T* y, std::int64_t y_stride,
                         const double* x_mean, double y_mean, const T* sample_weight,
                         std::int64_t sw_stride, std::vector<double> coef0,
                         const EnetOptions& options, int n_threads) {
  const std::int64_t n = X.rows, p = X.cols;
  if (static_cast<std::int64_t>(coef0.size()) != p)
    throw InvalidArgument("coef has the wrong size");
  ResidualProblem<T> pb{X, x_mean, {}, {}, {}, {}, 0.0, std::max(1, n_threads)};
  if (sample_weight) {
    pb.scale.resize(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
      pb.scale[i] = std::sqrt(static_cast<double>(sample_weight[i * sw_stride]));
  }
  pb.y.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(y[i * y_stride]) - y_mean;
    pb.y[i] = sample_weight ? pb.scale[i] * v : v;
    pb.y_norm2 += pb.y[i] * pb.y[i];
  }
  pb.norms.resize(static_cast<std::size_t>(p));
  pb.for_columns([&](std::int64_t j) { pb.norms[j] = pb.column_norm2(j); });
  pb.R = pb.y;
  for (std::int64_t j = 0; j < p; ++j)
    if (coef0[j] != 0.0) pb.step(j, coef0[j]);
  return coordinate_descent(pb, p, std::move(coef0), options);
}

template <class T>
std::vector<double> weighted_centered_norms(ConstMatrixView<T> Y, const double* y_mean, const T* sw,
                                            std::int64_t sw_stride) {
  std::vector<double> out(static_cast<std::size_t>(Y.cols), 0.0);
  for (std::int64_t i = 0; i < Y.rows; ++i) {
    const double s = sw ? static_cast<double>(sw[i * sw_stride]) : 1.0;
    for (std::int64_t k = 0; k < Y.cols; ++k) {
      const double v = static_cast<double>(Y(i, k)) - y_mean[k];
      out[k] += s * v * v;
    }
  }
  return out;
}

namespace {

// Σ_i w_i x_ij / Σ_i w_i per column, in one pass in X's memory order.
// F-ordered X is summed column by column, the columns split over threads (each column's
// sum the same whatever the split).
template <class T>
std::vector<double> weighted_column_means(ConstMatrixView<T> X, const T* sw, std::int64_t sws,
                                          int n_threads) {
  const std::int64_t n = X.rows, p = X.cols;
  std::vector<double> sum(static_cast<std::size_t>(p), 0.0);
  double total = 0.0;
  for (std::int64_t i = 0; i < n; ++i) total += sw ? static_cast<double>(sw[i * sws]) : 1.0;
  if (X.row_stride == 1 || p == 1) {
    auto column_sum = [&](std::int64_t j) {
      const T* col = X.data + j * X.col_stride;
      double s = 0.0;
      for (std::int64_t i = 0; i < n; ++i)
        s += (sw ? static_cast<double>(sw[i * sws]) : 1.0) *
             static_cast<double>(col[i * X.row_stride]);
      sum[j] = s;
    };
    const int tasks = static_cast<int>(std::clamp<std::int64_t>(
        n * p / (1 << 18), 1, std::min<std::int64_t>(std::max(1, n_threads), p)));
    parallel_tasks(tasks, [&](int k) {
      for (std::int64_t j = p * k / tasks; j < p * (k + 1) / tasks; ++j) column_sum(j);
    });
  } else {
    for (std::int64_t i = 0; i < n; ++i) {
      const double w = sw ? static_cast<double>(sw[i * sws]) : 1.0;
      for (std::int64_t j = 0; j < p; ++j) sum[j] += w * static_cast<double>(X(i, j));
    }
  }
  for (double& v : sum) v /= total;
  return sum;
}

bool all_finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

template <class T>
std::optional<ElasticNetFit> fit_elastic_net(ConstMatrixView<T> X, ConstMatrixView<T> Y,
                                             const T* sw, std::int64_t sws, bool fit_intercept,
                                             bool gram, const std::vector<double>& coef0,
                                             const std::vector<std::uint32_t>& seeds,
                                             EnetOptions options, int n_threads) {
  const std::int64_t n = X.rows, p = X.cols, t = Y.cols;
  if (Y.rows != n) throw InvalidArgument("X and y have different numbers of rows");
  if (static_cast<std::int64_t>(coef0.size()) != t * p ||
      static_cast<std::int64_t>(seeds.size()) != t)
    throw InvalidArgument("coef0 must be n_targets × n_features and seeds n_targets");
  ElasticNetFit fit;
  fit.n_targets = t;
  fit.n_features = p;
  fit.coef.resize(static_cast<std::size_t>(t * p));
  auto start = [&](std::int64_t k) {
    return std::vector<double>(coef0.begin() + k * p, coef0.begin() + (k + 1) * p);
  };
  auto keep = [&](std::int64_t k, EnetResult r) {
    std::copy(r.coef.begin(), r.coef.end(), fit.coef.begin() + k * p);
    r.coef.clear();
    fit.targets.push_back(r);
  };
  if (gram) {
    const NormalEquations ne =
        accumulate_normal_equations<T>(X, Y, sw, sws, fit_intercept, n_threads);
    if (!all_finite(ne)) return std::nullopt;
    if (ne.x_scale == 1.0 && ne.y_scale == 1.0) {
      const std::vector<double> y_norm2 = weighted_centered_norms<T>(Y, ne.y_mean.data(), sw, sws);
      fit.x_mean = ne.x_mean;
      fit.y_mean = ne.y_mean;
      std::vector<double> q(static_cast<std::size_t>(p));
      for (std::int64_t k = 0; k < t; ++k) {
        for (std::int64_t j = 0; j < p; ++j) q[j] = ne.xty[j * t + k];
        options.seed = seeds[k];
        keep(k, enet_gram(ne.gram.data(), q.data(), y_norm2[k], p, start(k), options));
      }
      return fit;
    }
    // Magnitudes the cross-products had to scale: the residual path works on X itself.
  }
  std::vector<double> means = weighted_column_means<T>(X, sw, sws, n_threads);
  std::vector<double> y_means = weighted_column_means<T>(Y, sw, sws, 1);
  if (!all_finite(means) || !all_finite(y_means)) return std::nullopt;
  if (!fit_intercept) {
    std::fill(means.begin(), means.end(), 0.0);
    std::fill(y_means.begin(), y_means.end(), 0.0);
  }
  for (std::int64_t k = 0; k < t; ++k) {
    options.seed = seeds[k];
    keep(k, enet_residual<T>(X, Y.data + k * Y.col_stride, Y.row_stride, means.data(), y_means[k],
                             sw, sws, start(k), options, n_threads));
  }
  fit.x_mean = std::move(means);
  fit.y_mean = std::move(y_means);
  return fit;
}

#define SKACCEL_INSTANTIATE(T)                                                                    \
  template std::optional<ElasticNetFit> fit_elastic_net<T>(                                       \
      ConstMatrixView<T>, ConstMatrixView<T>, const T*, std::int64_t, bool, bool,                 \
      const std::vector<double>&, const std::vector<std::uint32_t>&, EnetOptions, int);           \
  template EnetResult enet_residual<T>(ConstMatrixView<T>, const T*, std::int64_t, const double*, \
                                       double, const T*, std::int64_t, std::vector<double>,       \
                                       const EnetOptions&, int);                                  \
  template std::vector<double> weighted_centered_norms<T>(ConstMatrixView<T>, const double*,      \
                                                          const T*, std::int64_t);
SKACCEL_INSTANTIATE(float)
SKACCEL_INSTANTIATE(double)
#undef SKACCEL_INSTANTIATE

}  // namespace skaccel::linear_model

// Per-thread partial moments over contiguous row ranges, each shifted by its first row
// (so Σ w (x − s)² does not cancel when |mean| ≫ spread), merged in thread order.
#include <algorithm>
#include <cmath>
#include <limits>

#include "skaccel/errors.hpp"
#include "skaccel/moments.hpp"
#include "skaccel/threading.hpp"


namespace skaccel::moments {
namespace {

constexpr std::int64_t kGrain = 32768;  // rows a thread must get

ColumnStatistics empty_stats(std::int64_t p) {
  ColumnStatistics s;
  s.mean.assign(static_cast<std::size_t>(p), 0.0);
  s.m2.assign(static_cast<std::size_t>(p), 0.0);
  s.min.assign(static_cast<std::size_t>(p), std::numeric_limits<double>::infinity());
  s.max.assign(static_cast<std::size_t>(p), -std::numeric_limits<double>::infinity());
  return s;
}

template <class T>
ColumnStatistics rows_statistics(ConstMatrixView<T> X, const T* w, std::int64_t ws, std::int64_t r0,
                                 std::int64_t r1) {
  const std::int64_t p = X.cols;
  ColumnStatistics s = empty_stats(p);
  if (r0 >= r1) return s;
  std::vector<double> shift(static_cast<std::size_t>(p)), sum(static_cast<std::size_t>(p), 0.0),
      sq(static_cast<std::size_t>(p), 0.0);
  for (std::int64_t j = 0; j < p; ++j) shift[j] = static_cast<double>(X(r0, j));
  double wsum = 0.0;
  for (std::int64_t i = r0; i < r1; ++i) {
    const double wi = w ? static_cast<double>(w[i * ws]) : 1.0;
    wsum += wi;
    const T* x = X.row(i);
    const std::int64_t cs = X.col_stride;
    auto update = [&](std::int64_t j, double v) {
      const double d = v - shift[j];
      sum[j] += wi * d;
      sq[j] += wi * d * d;
      s.min[j] = std::min(s.min[j], v);
      s.max[j] = std::max(s.max[j], v);
    };
    if (cs == 1) {  // the common layout: a contiguous, vectorizable inner loop
      for (std::int64_t j = 0; j < p; ++j) update(j, static_cast<double>(x[j]));
    } else {
      for (std::int64_t j = 0; j < p; ++j) update(j, static_cast<double>(x[j * cs]));
    }
  }
  s.n_samples = r1 - r0;
  s.weight_sum = wsum;
  for (std::int64_t j = 0; j < p; ++j) {
    const double delta = wsum != 0.0 ? sum[j] / wsum : 0.0;
    s.mean[j] = shift[j] + delta;
    s.m2[j] = sq[j] - wsum * delta * delta;
  }
  return s;
}

}  // namespace

ColumnStatistics merge(const ColumnStatistics& a, const ColumnStatistics& b) {
  if (a.mean.size() != b.mean.size())
    throw InvalidArgument("cannot merge statistics with different numbers of features");
  if (b.n_samples == 0) return a;
  if (a.n_samples == 0) return b;
  ColumnStatistics m = a;
  m.n_samples += b.n_samples;
  m.weight_sum += b.weight_sum;
  const double f = m.weight_sum != 0.0 ? a.weight_sum * b.weight_sum / m.weight_sum : 0.0;
  const double share = m.weight_sum != 0.0 ? b.weight_sum / m.weight_sum : 0.0;
  for (std::size_t j = 0; j < m.mean.size(); ++j) {
    const double d = b.mean[j] - a.mean[j];
    m.m2[j] = a.m2[j] + b.m2[j] + f * d * d;
    m.mean[j] = a.mean[j] + share * d;
    m.min[j] = std::min(a.min[j], b.min[j]);
    m.max[j] = std::max(a.max[j], b.max[j]);
  }
  return m;
}

template <class T>
ColumnStatistics column_statistics(ConstMatrixView<T> X, const T* w, std::int64_t ws,
                                   int n_threads) {
  if (X.cols <= 0) throw InvalidArgument("X must have at least one feature");
  const std::int64_t n = X.rows;
  const int threads =
      static_cast<int>(std::clamp<std::int64_t>(n / kGrain, 1, std::max(1, n_threads)));
  std::vector<ColumnStatistics> partials(static_cast<std::size_t>(threads));
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
  {
    const int k = thread_index();
    partials[static_cast<std::size_t>(k)] =
        rows_statistics(X, w, ws, n * k / threads, n * (k + 1) / threads);
  }
  ColumnStatistics total = empty_stats(X.cols);
  for (const auto& part : partials) total = merge(total, part);
  return total;
}

template ColumnStatistics column_statistics<float>(ConstMatrixView<float>, const float*,
                                                   std::int64_t, int);
template ColumnStatistics column_statistics<double>(ConstMatrixView<double>, const double*,
                                                    std::int64_t, int);

}  // namespace skaccel::moments

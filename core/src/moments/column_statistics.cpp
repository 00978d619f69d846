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
  parallel_tasks(threads, [&](int k) {
    partials[static_cast<std::size_t>(k)] =
        rows_statistics(X, w, ws, n * k / threads, n * (k + 1) / threads);
  });
  ColumnStatistics total = empty_stats(X.cols);
  for (const auto& part : partials) total = merge(total, part);
  return total;
}

model::Fields to_fields(const ColumnStatistics& s) {
  namespace cf = column_fields;
  model::Fields f;
  const auto p = static_cast<std::int64_t>(s.mean.size());
  f.set(cf::n_samples, model::Value::of_integer(s.n_samples));
  f.set(cf::weight_sum, model::Value::of_floating(s.weight_sum));
  f.set_array<double>(cf::mean, {p}, s.mean);
  f.set_array<double>(cf::m2, {p}, s.m2);
  f.set_array<double>(cf::min, {p}, s.min);
  f.set_array<double>(cf::max, {p}, s.max);
  return f;
}

ColumnStatistics statistics_from(const model::State& state) {
  namespace cf = column_fields;
  using model::Value;
  ColumnStatistics s;
  const Value* n = state.field(cf::n_samples);
  const Value* w = state.field(cf::weight_sum);
  // A count set to an integral float (scikit-learn's IncrementalPCA tests do) counts.
  const bool integral_float =
      n && n->kind == Value::Kind::floating && n->floating >= 0 && n->floating <= 9.0e15 &&
      n->floating == static_cast<double>(static_cast<std::int64_t>(n->floating));
  if (!n || !((n->kind == Value::Kind::integer && n->integer >= 0) || integral_float))
    throw InvalidArgument("the statistics lack a non-negative integer n_samples_seen_");
  if (!w || (w->kind != Value::Kind::floating && w->kind != Value::Kind::integer))
    throw InvalidArgument("the statistics lack a number _weight_sum");
  s.n_samples = integral_float ? static_cast<std::int64_t>(n->floating) : n->integer;
  s.weight_sum = w->kind == Value::Kind::floating ? w->floating : static_cast<double>(w->integer);
  std::int64_t p = -1;
  for (auto [name, target] : {std::pair{cf::mean, &s.mean}, std::pair{cf::m2, &s.m2},
                              std::pair{cf::min, &s.min}, std::pair{cf::max, &s.max}}) {
    const model::Tensor* t = state.optional_tensor(name);
    if (!t || t->shape.size() != 1 || (p >= 0 && t->shape[0] != p))
      throw InvalidArgument(std::string("the statistics lack a consistent 1-D '") + name + "'");
    p = t->shape[0];
    const double* v = t->as<double>();
    target->assign(v, v + p);
  }
  return s;
}

template ColumnStatistics column_statistics<float>(ConstMatrixView<float>, const float*,
                                                   std::int64_t, int);
template ColumnStatistics column_statistics<double>(ConstMatrixView<double>, const double*,
                                                    std::int64_t, int);

}  // namespace skaccel::moments

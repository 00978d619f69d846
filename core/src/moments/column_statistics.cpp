// Per-thread partial moments over contiguous row ranges, each shifted by its first row
// (so Σ w (x − s)² does not cancel when |mean| ≫ spread), merged in thread order.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
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

constexpr std::int64_t kTileRows = 256;  // rows of X a tile visits column chunk by chunk

// Two doubles as one value (GCC/Clang vector extension: one SSE2 register); a chunk of
// four columns is two of them.
using Double2 = double __attribute__((vector_size(16)));
constexpr int kChunk = 4;

template <class T>
[[gnu::always_inline]] inline Double2 load2(const T* x) {
  if constexpr (std::is_same_v<T, double>) {
    Double2 v;
    std::memcpy(&v, x, sizeof v);
    return v;
  } else {
    T f[2];
    std::memcpy(f, x, sizeof f);
    return Double2{static_cast<double>(f[0]), static_cast<double>(f[1])};
  }
}

[[gnu::always_inline]] inline void store2(double* x, Double2 v) { std::memcpy(x, &v, sizeof v); }

// (v < m ? v : m) and (m < v ? v : m): x86's minpd/maxpd compute exactly these (a NaN v
// keeps m), in one instruction where the generic form takes a compare and a blend.
[[gnu::always_inline]] inline Double2 min_keeping(Double2 v, Double2 m) {
#if defined(__SSE2__)
  return _mm_min_pd(v, m);
#else
  return v < m ? v : m;
#endif
}
[[gnu::always_inline]] inline Double2 max_keeping(Double2 v, Double2 m) {
#if defined(__SSE2__)
  return _mm_max_pd(v, m);
#else
  return m < v ? v : m;
#endif
}

// Running sums of one row range: Σ w d, Σ w d², min and max of x, d = x − shift.
struct Sums {
  std::vector<double> shift, sum, sq, min, max;
};

// Adds rows [i0, i1) to the sums. Row-contiguous X is visited a tile of rows at a time,
// chunk of four columns by chunk, the chunk's accumulators held in registers over the tile
// (which stays in cache between chunks). Per column, rows are added in order with the
// plain loop's operations, so the sums are the plain row loop's, bit for bit, and min and
// max skip NaN as std::min and std::max do.
template <class T, bool Weighted>
void add_rows(ConstMatrixView<T> X, const T* w, std::int64_t ws, std::int64_t i0, std::int64_t i1,
              Sums& a) {
  const std::int64_t p = X.cols;
  std::int64_t j0 = 0;
  if (X.col_stride == 1 || p == 1) {
    for (; j0 + kChunk <= p; j0 += kChunk) {
      Double2 s0 = load2(&a.sum[j0]), s1 = load2(&a.sum[j0 + 2]);
      Double2 q0 = load2(&a.sq[j0]), q1 = load2(&a.sq[j0 + 2]);
      Double2 lo0 = load2(&a.min[j0]), lo1 = load2(&a.min[j0 + 2]);
      Double2 hi0 = load2(&a.max[j0]), hi1 = load2(&a.max[j0 + 2]);
      const Double2 sh0 = load2(&a.shift[j0]), sh1 = load2(&a.shift[j0 + 2]);
      for (std::int64_t i = i0; i < i1; ++i) {
        const T* x = X.row(i) + j0;
        const Double2 v0 = load2(x), v1 = load2(x + 2);
        const Double2 d0 = v0 - sh0, d1 = v1 - sh1;
        if constexpr (Weighted) {
          const double wi = static_cast<double>(w[i * ws]);
          s0 += wi * d0, s1 += wi * d1;
          q0 += wi * d0 * d0, q1 += wi * d1 * d1;
        } else {
          s0 += d0, s1 += d1;
          q0 += d0 * d0, q1 += d1 * d1;
        }
        lo0 = min_keeping(v0, lo0), lo1 = min_keeping(v1, lo1);
        hi0 = max_keeping(v0, hi0), hi1 = max_keeping(v1, hi1);
      }
      store2(&a.sum[j0], s0), store2(&a.sum[j0 + 2], s1);
      store2(&a.sq[j0], q0), store2(&a.sq[j0 + 2], q1);
      store2(&a.min[j0], lo0), store2(&a.min[j0 + 2], lo1);
      store2(&a.max[j0], hi0), store2(&a.max[j0 + 2], hi1);
    }
  }
  if (j0 == p) return;
  for (std::int64_t i = i0; i < i1; ++i) {  // the last columns, or any strided layout
    const double wi = Weighted ? static_cast<double>(w[i * ws]) : 1.0;
    for (std::int64_t j = j0; j < p; ++j) {
      const double v = static_cast<double>(X(i, j));
      const double d = v - a.shift[j];
      a.sum[j] += Weighted ? wi * d : d;
      a.sq[j] += Weighted ? wi * d * d : d * d;
      a.min[j] = std::min(a.min[j], v);
      a.max[j] = std::max(a.max[j], v);
    }
  }
}

// Asks for rows [i0, i1) of row-contiguous X ahead of their tile, in address order: the
// tile's column-chunk visits jump by a row, which the hardware prefetcher follows poorly.
template <class T>
void prefetch_rows(ConstMatrixView<T> X, std::int64_t i0, std::int64_t i1) {
  if (X.col_stride != 1 && X.cols != 1) return;
  constexpr std::int64_t kLine = 64;
  const std::int64_t row_bytes = X.cols * static_cast<std::int64_t>(sizeof(T));
  for (std::int64_t i = i0; i < i1; ++i) {
    const char* row = reinterpret_cast<const char*>(X.row(i));
    for (std::int64_t b = 0; b < row_bytes; b += kLine) __builtin_prefetch(row + b);
  }
}

template <class T>
ColumnStatistics rows_statistics(ConstMatrixView<T> X, const T* w, std::int64_t ws, std::int64_t r0,
                                 std::int64_t r1) {
  const std::int64_t p = X.cols;
  ColumnStatistics s = empty_stats(p);
  if (r0 >= r1) return s;
  const auto np = static_cast<std::size_t>(p);
  Sums a{std::vector<double>(np), std::vector<double>(np, 0.0), std::vector<double>(np, 0.0), s.min,
         s.max};
  for (std::int64_t j = 0; j < p; ++j) a.shift[j] = static_cast<double>(X(r0, j));
  double wsum = 0.0;
  for (std::int64_t i = r0; i < r1; ++i) wsum += w ? static_cast<double>(w[i * ws]) : 1.0;
  for (std::int64_t i0 = r0; i0 < r1; i0 += kTileRows) {
    const std::int64_t i1 = std::min(r1, i0 + kTileRows);
    prefetch_rows(X, i1, std::min(r1, i1 + kTileRows));
    if (w)
      add_rows<T, true>(X, w, ws, i0, i1, a);
    else
      add_rows<T, false>(X, w, ws, i0, i1, a);
  }
  s.n_samples = r1 - r0;
  s.weight_sum = wsum;
  s.min = std::move(a.min);
  s.max = std::move(a.max);
  for (std::int64_t j = 0; j < p; ++j) {
    const double delta = wsum != 0.0 ? a.sum[j] / wsum : 0.0;
    s.mean[j] = a.shift[j] + delta;
    s.m2[j] = a.sq[j] - wsum * delta * delta;
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

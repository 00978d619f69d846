// The brute force's tiles of reduced distances for the metrics other than the Euclidean
// (rows.hpp: metric_tile), vectorised across the rows of Y and blocked over queries.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../common/vector_clones.hpp"
#include "rows.hpp"

namespace skaccel::neighbors::detail {
namespace {

// Queries and rows of Y whose running sums stay in registers over the features: 4 × 8
// doubles (eight AVX2 registers), each of Y's values loaded once for four queries.
constexpr std::int64_t kQueries = 4, kRows = 8;

// Whether a metric's term is the difference's absolute value (taken before the widening
// to double, which leaves it exact).
template <class Terms>
constexpr bool kAbsolute =
    std::is_same_v<Terms, ManhattanTerms> || std::is_same_v<Terms, ChebyshevTerms>;

template <class D, class Terms>
inline __attribute__((always_inline)) void tile_body(const D* queries, std::int64_t n_queries,
                                                     const D* y_columns, std::int64_t cols,
                                                     std::int64_t p, const Terms& terms,
                                                     double* out) {
  // Fewer than four queries: the last is repeated (its extra sums are not written).
  const D* q[kQueries];
  for (std::int64_t a = 0; a < kQueries; ++a) q[a] = queries + std::min(a, n_queries - 1) * p;
  std::int64_t b0 = 0;
  for (; b0 + kRows <= cols; b0 += kRows) {
    double sums[kQueries][kRows] = {};
    for (std::int64_t f = 0; f < p; ++f) {
      const D* y = y_columns + f * cols + b0;
      for (std::int64_t a = 0; a < kQueries; ++a) {
        const D x = q[a][f];
#pragma omp simd
        for (std::int64_t r = 0; r < kRows; ++r) {
          if constexpr (kAbsolute<Terms>) {
            // |x − y| in D, then widened (exactly): one conversion per difference.
            sums[a][r] = terms.add(sums[a][r], static_cast<double>(std::fabs(x - y[r])));
          } else {
            sums[a][r] = terms.add(sums[a][r], terms.term(static_cast<double>(x - y[r])));
          }
        }
      }
    }
    for (std::int64_t a = 0; a < n_queries; ++a)
      for (std::int64_t r = 0; r < kRows; ++r) out[a * cols + b0 + r] = sums[a][r];
  }
  for (std::int64_t b = b0; b < cols; ++b)
    for (std::int64_t a = 0; a < n_queries; ++a) {
      double s = 0.0;
      for (std::int64_t f = 0; f < p; ++f)
        s = terms.add(s, terms.term(static_cast<double>(q[a][f] - y_columns[f * cols + b])));
      out[a * cols + b] = s;
    }
}

}  // namespace

#define SKACCEL_METRIC_TILE(D, Terms)                                                           \
  SKACCEL_VECTOR_CLONES void metric_tile(const D* queries, std::int64_t n_queries,              \
                                         const D* y_columns, std::int64_t cols, std::int64_t p, \
                                         const Terms& terms, double* out) {                     \
    tile_body(queries, n_queries, y_columns, cols, p, terms, out);                              \
  }
SKACCEL_METRIC_TILE(double, ManhattanTerms)
SKACCEL_METRIC_TILE(float, ManhattanTerms)
SKACCEL_METRIC_TILE(double, ChebyshevTerms)
SKACCEL_METRIC_TILE(float, ChebyshevTerms)
SKACCEL_METRIC_TILE(double, MinkowskiTerms)
SKACCEL_METRIC_TILE(float, MinkowskiTerms)
#undef SKACCEL_METRIC_TILE

}  // namespace skaccel::neighbors::detail

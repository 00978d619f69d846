// Vectorised elementary functions (vector_math.hpp).
#include "vector_math.hpp"

#include <algorithm>
#include <cstring>

#include "vector_clones.hpp"

namespace skaccel::vector_math {
namespace {

// 1.5·2⁵²: adding it rounds a double below 2⁵¹ in magnitude to an integer, and leaves that
// integer in the low bits of the sum's mantissa (read back by subtracting the bits of the
// constant itself), with no float-to-integer conversion, which AVX2 lacks for 64 bits.
constexpr double kShifter = 6755399441055744.0;

// Unsigned, so that the exponent shift below is defined for every input (a NaN's garbage
// bits included: its result is replaced by the NaN itself).
inline std::uint64_t bits_of(double value) {
  std::uint64_t out;
  std::memcpy(&out, &value, sizeof out);
  return out;
}

inline double from_bits(std::uint64_t value) {
  double out;
  std::memcpy(&out, &value, sizeof out);
  return out;
}

}  // namespace

// Built with -fno-trapping-math (core/CMakeLists.txt): the clamps and the NaN select are
// then vector selects; GCC otherwise keeps each comparison a branch and the loop scalar.
SKACCEL_VECTOR_CLONES
void exp_inplace(double* values, std::int64_t n) {
  constexpr double kLog2e = 1.4426950408889634;
  // ln 2 in two parts (fdlibm's): k·kLn2Hi is exact for |k| < 2¹¹.
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const std::uint64_t shifter_bits = bits_of(kShifter);
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = values[i];
    // Beyond [−746, 710] exp is 0 or +inf in double; the clamp keeps k in range (and
    // takes NaN to −746: NaN is put back below).
    const double clamped = std::min(std::max(x, -746.0), 710.0);
    // x = k·ln 2 + r, |r| ≤ ln 2 / 2.
    const double k = (clamped * kLog2e + kShifter) - kShifter;
    const double r = (clamped - k * kLn2Hi) - k * kLn2Lo;
    // exp(r) by its Taylor series to r¹³ (truncation below 1e-17 relative for |r| ≤ 0.35).
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2^k as 2^k1 · 2^k2 (k1 = ⌊k/2⌋), both normal doubles for k in [−1077, 1025], so
    // that the one rounding of a subnormal result is the last product's.
    const double k1 = ((k * 0.5 - 0.25) + kShifter) - kShifter;
    const double k2 = k - k1;
    const double scale1 = from_bits((bits_of(k1 + 1023.0 + kShifter) - shifter_bits) << 52);
    const double scale2 = from_bits((bits_of(k2 + 1023.0 + kShifter) - shifter_bits) << 52);
    const double result = p * scale1 * scale2;
    values[i] = x == x ? result : x;
  }
}

}  // namespace skaccel::vector_math

#pragma once
// Elementary functions over arrays, in loops the compiler vectorises (libm's exp is one
// call per value): used where a model's output applies them to every score.
#include <cstdint>

namespace skaccel::vector_math {

// values[i] = exp(values[i]) for i < n, within 2 ulp of the correctly rounded value over
// the whole double range (subnormal results included; exp(−inf) = 0, exp(+inf) = +inf,
// NaN stays NaN).
void exp_inplace(double* values, std::int64_t n);

}  // namespace skaccel::vector_math

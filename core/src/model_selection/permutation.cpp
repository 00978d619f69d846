// NumPy's legacy permutation (skaccel/model_selection.hpp).
#include <cstdint>
#include <numeric>

#include "skaccel/errors.hpp"
#include "skaccel/model_selection.hpp"

namespace skaccel::model_selection {
namespace {

constexpr int kN = MT19937State::kWords, kM = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfu, kUpper = 0x80000000u, kLower = 0x7fffffffu;

std::uint32_t twist(std::uint32_t current, std::uint32_t next, std::uint32_t shifted) {
  const std::uint32_t y = (current & kUpper) | (next & kLower);
  return shifted ^ (y >> 1) ^ ((0u - (y & 1u)) & kMatrixA);
}

// The next block of 624 words, as NumPy's mt19937_gen computes it.
void regenerate(MT19937State& s) {
  int i = 0;
  for (; i < kN - kM; ++i) s.key[i] = twist(s.key[i], s.key[i + 1], s.key[i + kM]);
  for (; i < kN - 1; ++i) s.key[i] = twist(s.key[i], s.key[i + 1], s.key[i + kM - kN]);
  s.key[kN - 1] = twist(s.key[kN - 1], s.key[0], s.key[kM - 1]);
  s.pos = 0;
}

std::uint32_t next_uint32(MT19937State& s) {
  if (s.pos >= kN) regenerate(s);
  std::uint32_t y = s.key[s.pos++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

// A uniform integer in [0, bound] by NumPy's random_interval (bound < 2³²): the draw
// masked to bound's bit length, redrawn while it exceeds bound.
std::uint32_t bounded(MT19937State& s, std::uint32_t bound) {
  std::uint32_t mask = bound;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  std::uint32_t value;
  do value = next_uint32(s) & mask;
  while (value > bound);
  return value;
}

}  // namespace

void legacy_permutation(MT19937State& state, std::int64_t* out, std::int64_t n) {
  if (n < 0 || n > (std::int64_t(1) << 32))
    throw InvalidArgument("the permutation length must be in [0, 2**32]");
  if (state.pos < 0 || state.pos > kN) throw InvalidArgument("the MT19937 position is invalid");
  std::iota(out, out + n, std::int64_t(0));
  // The swap partners depend only on the random stream, not on the data, so they are drawn
  // kAhead steps early and their cache lines prefetched: the walk's random accesses then
  // overlap instead of each waiting for DRAM (NumPy's loop waits).
  constexpr std::int64_t kAhead = 256;
  std::uint32_t partner[kAhead];
  const std::int64_t last = n - 1;  // i runs from last down to 1
  const std::int64_t primed = last < kAhead ? last : kAhead;
  for (std::int64_t k = 0; k < primed; ++k) {
    partner[k] = bounded(state, static_cast<std::uint32_t>(last - k));
    __builtin_prefetch(out + partner[k], 1);
  }
  for (std::int64_t i = last, k = 0; i >= 1; --i, ++k) {
    const std::int64_t slot = k % kAhead;
    const std::int64_t j = partner[slot];
    const std::int64_t value = out[j];
    out[j] = out[i];
    out[i] = value;
    const std::int64_t upcoming = i - kAhead;
    if (upcoming >= 1) {
      partner[slot] = bounded(state, static_cast<std::uint32_t>(upcoming));
      __builtin_prefetch(out + partner[slot], 1);
    }
  }
}

}  // namespace skaccel::model_selection

// ROC AUC (skaccel/metrics.hpp) against the pairwise definition, and the row gather
// (skaccel/model_selection.hpp) against direct indexing: ties, signed zeros, weights,
// partial areas, strides, threads, bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/metrics.hpp"
#include "skaccel/model_selection.hpp"

using namespace skaccel;

namespace {

// Σ over (positive, negative) pairs of w⁺w⁻ ([s⁺ > s⁻] + ½ [s⁺ = s⁻]) / (Σw⁺ Σw⁻).
template <class T>
double pairwise_auc(const std::vector<T>& s, const std::vector<bool>& y,
                    const std::vector<double>& w) {
  long double num = 0, P = 0, N = 0;
  for (std::size_t i = 0; i < s.size(); ++i) (y[i] ? P : N) += w[i];
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j)
      if (y[i] && !y[j]) num += w[i] * w[j] * (s[i] > s[j] ? 1.0L : s[i] == s[j] ? 0.5L : 0.0L);
  return static_cast<double>(num / (P * N));
}

template <class T>
metrics::RocAuc auc(const std::vector<T>& s, const std::vector<bool>& y, const double* w,
                    double max_fpr = 1.0, int threads = 2) {
  std::vector<char> flags(y.begin(), y.end());
  return metrics::roc_auc<T>(s.data(), 1, reinterpret_cast<const bool*>(flags.data()), 1, w, 1,
                             static_cast<std::int64_t>(s.size()), max_fpr, threads);
}

}  // namespace

TEST(RocAuc, EqualsThePairwiseDefinitionWithTiesAndWeights) {
  std::mt19937_64 rng(3);
  for (int n : {2, 3, 17, 300}) {
    std::vector<double> s(n), w(n);
    std::vector<bool> y(n);
    for (int i = 0; i < n; ++i) {
      s[i] = static_cast<double>(rng() % 7) - 3.0;  // many ties, negative scores
      y[i] = (rng() % 2) == 1;
      w[i] = 0.25 + static_cast<double>(rng() % 8);
    }
    y[0] = true;
    y[1] = false;
    const std::vector<double> ones(n, 1.0);
    EXPECT_EQ(auc(s, y, nullptr).area, pairwise_auc(s, y, ones)) << n;
    EXPECT_NEAR(auc(s, y, w.data()).area, pairwise_auc(s, y, w), 1e-14) << n;
    std::vector<float> f(s.begin(), s.end());
    EXPECT_EQ(auc(f, y, nullptr).area, pairwise_auc(f, y, ones)) << n;
  }
}

TEST(RocAuc, SignedZerosTieAndZeroWeightsAreIgnored) {
  const std::vector<double> s{-0.0, 0.0, 1.0, -1.0};
  const std::vector<bool> y{true, false, true, false};
  EXPECT_EQ(auc(s, y, nullptr).area, 0.875);  // the zeros tie: (1 + 0.5 + 1 + 1) / 4
  const std::vector<double> w{1.0, 1.0, 0.0, 1.0};
  const auto r = auc(s, y, w.data());
  EXPECT_EQ(r.area, 0.75);
  EXPECT_EQ(r.positive_weight, 1.0);
  EXPECT_EQ(r.negative_weight, 2.0);
}

TEST(RocAuc, OneClassGivesNaN) {
  const std::vector<double> s{0.1, 0.2};
  EXPECT_TRUE(std::isnan(auc(s, {true, true}, nullptr).area));
  EXPECT_EQ(auc(s, {true, true}, nullptr).negative_weight, 0.0);
}

TEST(RocAuc, PartialAreaIsStandardised) {
  // A perfect ranking gives 1 at every max_fpr...
  const std::vector<double> s{0.9, 0.8, 0.3, 0.1};
  const std::vector<bool> perfect{true, true, false, false};
  for (double max_fpr : {0.1, 0.5, 1.0})
    EXPECT_DOUBLE_EQ(auc(s, perfect, nullptr, max_fpr).area, 1.0);
  // ...and a random one (every score tied) 0.5: the McClish correction's fixed point.
  const std::vector<double> tied{0.5, 0.5, 0.5, 0.5};
  EXPECT_DOUBLE_EQ(auc(tied, {true, false, true, false}, nullptr, 0.3).area, 0.5);
}

TEST(RocAuc, ThreadsAndStridesDoNotChangeTheResult) {
  std::mt19937_64 rng(5);
  const std::int64_t n = 300000;
  std::vector<double> strided(2 * n), w(n);
  std::vector<char> flags(3 * n);
  for (std::int64_t i = 0; i < n; ++i) {
    strided[2 * i] = std::round(std::ldexp(static_cast<double>(rng() >> 11), -53) * 1000.0);
    flags[3 * i] = (rng() % 3) == 0;
    w[i] = static_cast<double>(rng() % 5);
  }
  const auto* f = reinterpret_cast<const bool*>(flags.data());
  const auto one = metrics::roc_auc<double>(strided.data(), 2, f, 3, w.data(), 1, n, 0.4, 1);
  const auto two = metrics::roc_auc<double>(strided.data(), 2, f, 3, w.data(), 1, n, 0.4, 2);
  EXPECT_EQ(one.area, two.area);
  EXPECT_EQ(one.positive_weight, two.positive_weight);
}

TEST(RocAuc, RejectsBadArguments) {
  const std::vector<double> s{0.1, NAN};
  EXPECT_THROW(auc(s, {true, false}, nullptr), InvalidArgument);
  EXPECT_THROW(auc(std::vector<double>{0.1, 0.2}, {true, false}, nullptr, 0.0), InvalidArgument);
  EXPECT_THROW(auc(std::vector<double>{0.1, 0.2}, {true, false}, nullptr, 1.5), InvalidArgument);
}

TEST(GatherRows, MatchesIndexingInEveryLayout) {
  const std::int64_t n = 1000, p = 5;
  std::vector<double> X(n * p);
  for (std::int64_t i = 0; i < n * p; ++i) X[i] = static_cast<double>(i);
  std::vector<std::int64_t> index;
  for (std::int64_t r = 0; r < 700; ++r) index.push_back((r * 389) % n);
  const auto* bytes = reinterpret_cast<const std::byte*>(X.data());
  const std::int64_t e = sizeof(double);
  // row-major, column-major, reversed rows
  const model_selection::ByteMatrix sources[] = {
      {bytes, n, p, e, p * e, e},
      {bytes, n, p, e, e, n * e},
      {bytes + (n - 1) * p * e, n, p, e, -p * e, e},
  };
  for (const auto& src : sources)
    for (bool column_major_out : {false, true}) {
      std::vector<double> out(index.size() * p, -1.0);
      const auto m = static_cast<std::int64_t>(index.size());
      model_selection::MutableByteMatrix dst{reinterpret_cast<std::byte*>(out.data()),
                                             m,
                                             p,
                                             e,
                                             column_major_out ? e : p * e,
                                             column_major_out ? m * e : e};
      model_selection::gather_rows(src, index.data(), 1, dst, 2);
      for (std::int64_t r = 0; r < m; ++r)
        for (std::int64_t j = 0; j < p; ++j) {
          double expected;
          std::memcpy(&expected, src.data + index[r] * src.row_stride + j * src.col_stride, e);
          const double got = column_major_out ? out[j * m + r] : out[r * p + j];
          ASSERT_EQ(got, expected);
        }
    }
}

TEST(GatherRows, RejectsOutOfRangeIndicesBeforeCopying) {
  std::vector<double> X(10, 1.0), out(2, 0.0);
  const std::int64_t e = sizeof(double);
  model_selection::ByteMatrix src{reinterpret_cast<const std::byte*>(X.data()), 10, 1, e, e, e};
  model_selection::MutableByteMatrix dst{reinterpret_cast<std::byte*>(out.data()), 2, 1, e, e, e};
  const std::vector<std::int64_t> bad{0, 10};
  EXPECT_THROW(model_selection::gather_rows(src, bad.data(), 1, dst, 1), InvalidArgument);
  EXPECT_EQ(out[0], 0.0);
}

namespace {

// NumPy's legacy seeding of an int (init_genrand), the one std::mt19937 uses too.
model_selection::MT19937State seeded(std::uint32_t seed) {
  model_selection::MT19937State state;
  state.key[0] = seed;
  for (int i = 1; i < model_selection::MT19937State::kWords; ++i)
    state.key[i] =
        1812433253u * (state.key[i - 1] ^ (state.key[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  state.pos = model_selection::MT19937State::kWords;
  return state;
}

}  // namespace

TEST(LegacyPermutation, IsNumpysForSeedZero) {
  // numpy.random.RandomState(0).permutation(10); the state is then at word 12.
  auto state = seeded(0);
  std::vector<std::int64_t> out(10);
  model_selection::legacy_permutation(state, out.data(), 10);
  EXPECT_EQ(out, (std::vector<std::int64_t>{2, 8, 4, 9, 1, 6, 7, 3, 0, 5}));
  EXPECT_EQ(state.pos, 12);
}

TEST(LegacyPermutation, EqualsAPlainFisherYatesOnTheStandardEngine) {
  // std::mt19937 is the same generator with the same seeding: a plain, unprefetched walk
  // drawing from it is the reference, across several 624-word blocks and window sizes.
  for (const std::int64_t n : {0, 1, 2, 3, 255, 256, 257, 100'003}) {
    auto state = seeded(42);
    std::vector<std::int64_t> out(static_cast<std::size_t>(n));
    model_selection::legacy_permutation(state, out.data(), n);
    std::mt19937 engine(42);
    std::vector<std::int64_t> expected(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) expected[i] = i;
    for (std::int64_t i = n - 1; i >= 1; --i) {
      std::uint32_t mask = static_cast<std::uint32_t>(i);
      for (int shift = 1; shift < 32; shift *= 2) mask |= mask >> shift;
      std::uint32_t j;
      do j = static_cast<std::uint32_t>(engine()) & mask;
      while (j > i);
      std::swap(expected[i], expected[j]);
    }
    EXPECT_EQ(out, expected) << n;
    // The state continues the engine's stream: a permutation of two swaps unless the
    // next word is odd.
    std::vector<std::int64_t> two(2);
    model_selection::legacy_permutation(state, two.data(), 2);
    EXPECT_EQ(two[0], (engine() & 1u) ? 0 : 1) << n;
  }
}

TEST(LegacyPermutation, RejectsABadPosition) {
  auto state = seeded(1);
  state.pos = 625;
  std::vector<std::int64_t> out(3);
  EXPECT_THROW(model_selection::legacy_permutation(state, out.data(), 3), InvalidArgument);
}

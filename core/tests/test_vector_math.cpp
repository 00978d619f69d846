// The vectorised exp (src/common/vector_math.hpp) against libm over the whole double range.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "../src/common/vector_math.hpp"

namespace {

double ulps(double got, double expected) {
  if (got == expected) return 0.0;
  const double ulp = std::nextafter(expected, std::numeric_limits<double>::infinity()) - expected;
  return std::fabs(got - expected) / ulp;
}

}  // namespace

TEST(VectorExp, WithinTwoUlpsOfLibmEverywhere) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> wide(-750.0, 712.0), narrow(-1.0, 1.0);
  std::vector<double> x;
  for (int i = 0; i < 200'000; ++i) x.push_back(wide(rng));
  for (int i = 0; i < 100'000; ++i) x.push_back(narrow(rng));
  // Subnormal results (below −708.4), the last representable ones and the overflow edge.
  for (double v = -745.2; v < -708.0; v += 0.37) x.push_back(v);
  for (double v : {0.0, -0.0, 1e-300, -1e-300, 709.78, 709.79, -744.44, -745.13, -745.14})
    x.push_back(v);
  std::vector<double> got = x;
  skaccel::vector_math::exp_inplace(got.data(), static_cast<std::int64_t>(got.size()));
  double worst = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double expected = std::exp(x[i]);
    if (std::isinf(expected) || expected == 0.0 || std::fpclassify(expected) == FP_SUBNORMAL) {
      // Overflow, underflow and subnormals: within one unit of the smallest subnormal.
      if (std::isinf(expected))
        ASSERT_EQ(got[i], expected) << x[i];
      else
        ASSERT_LE(std::fabs(got[i] - expected), std::numeric_limits<double>::denorm_min()) << x[i];
      continue;
    }
    worst = std::max(worst, ulps(got[i], expected));
    ASSERT_LE(ulps(got[i], expected), 2.0) << x[i];
  }
  EXPECT_LE(worst, 2.0);
}

TEST(VectorExp, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x{-inf, inf, std::numeric_limits<double>::quiet_NaN(), -1e300, 1e300, 0.0};
  skaccel::vector_math::exp_inplace(x.data(), static_cast<std::int64_t>(x.size()));
  EXPECT_EQ(x[0], 0.0);
  EXPECT_EQ(x[1], inf);
  EXPECT_TRUE(std::isnan(x[2]));
  EXPECT_EQ(x[3], 0.0);
  EXPECT_EQ(x[4], inf);
  EXPECT_EQ(x[5], 1.0);
}

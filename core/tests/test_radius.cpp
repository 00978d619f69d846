// Neighbours within a radius (skaccel/neighbors.hpp) against explicit sums, for both
// arithmetics, the tree and the tiles, thread counts and strides; DBSCAN's labels
// (skaccel/cluster.hpp) against a plain depth-first expansion.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <random>
#include <vector>

#include "skaccel/cluster.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/neighbors.hpp"

using namespace skaccel;
using namespace skaccel::neighbors;

namespace {

std::vector<double> grid_and_noise(std::int64_t side, std::int64_t p, unsigned seed) {
  // A grid of step 0.1 (distances equal to the radius within roundoff) followed by as
  // many Gaussian rows.
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N(0.0, 0.3);
  std::vector<double> v;
  std::int64_t cells = 1;
  for (std::int64_t f = 0; f < p; ++f) cells *= side;
  for (std::int64_t c = 0; c < cells; ++c) {
    std::int64_t r = c;
    for (std::int64_t f = 0; f < p; ++f, r /= side)
      v.push_back(0.1 * static_cast<double>(r % side));
  }
  for (std::int64_t c = 0; c < cells * p; ++c) v.push_back(N(rng));
  return v;
}

// The rows j with Σ_f (x_f − y_f)² ≤ radius², in increasing order.
std::vector<std::vector<std::int64_t>> reference(const std::vector<double>& X, std::int64_t p,
                                                 double radius) {
  const std::int64_t n = static_cast<std::int64_t>(X.size()) / p;
  std::vector<std::vector<std::int64_t>> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (std::int64_t f = 0; f < p; ++f) {
        const double d = X[i * p + f] - X[j * p + f];
        s += d * d;
      }
      if (s <= radius * radius) out[i].push_back(j);
    }
  return out;
}

std::vector<std::vector<std::int64_t>> sorted_rows(const Neighborhoods& h) {
  std::vector<std::vector<std::int64_t>> out;
  for (std::size_t i = 0; i + 1 < h.indptr.size(); ++i) {
    std::vector<std::int64_t> row(h.indices.begin() + h.indptr[i],
                                  h.indices.begin() + h.indptr[i + 1]);
    std::sort(row.begin(), row.end());
    out.push_back(row);
  }
  return out;
}

}  // namespace

TEST(RadiusNeighborhoods, TreeArithmeticIsTheExplicitSumByTreeAndByTiles) {
  for (std::int64_t p : {2, 3, 8}) {
    const std::int64_t side = p == 8 ? 2 : (p == 3 ? 6 : 14);
    const std::vector<double> X = grid_and_noise(side, p, 1);
    const std::int64_t n = static_cast<std::int64_t>(X.size()) / p;
    const auto view = ConstMatrixView<double>::row_major(X.data(), n, p);
    for (double radius : {0.1, 0.1 * std::sqrt(2.0), 0.3, 0.0}) {
      const auto expected = reference(X, p, radius);
      for (int threads : {1, 3}) {
        // p ≤ 6 searches the tree; p = 8 the tiles with the trees' decisions.
        const Neighborhoods h =
            radius_neighborhoods<double>(view, view, radius, RadiusArithmetic::tree, 5, threads);
        EXPECT_EQ(sorted_rows(h), expected) << "p " << p << " radius " << radius;
      }
    }
  }
}

TEST(RadiusNeighborhoods, FloatRowsAndStridesGiveTheSameNeighbourhoods) {
  // float32 rows: the tree (p = 3) and the sgemm screen (p = 8) keep the trees' rows.
  for (std::int64_t q : {3, 8}) {
    const std::vector<double> G = grid_and_noise(q == 3 ? 5 : 2, q, 4);
    std::vector<float> Gf(G.begin(), G.end());
    std::vector<double> Gd(Gf.begin(), Gf.end());  // the float rows' values, in double
    const std::int64_t rows = static_cast<std::int64_t>(G.size()) / q;
    const auto view = ConstMatrixView<float>::row_major(Gf.data(), rows, q);
    for (double radius : {0.1, 0.25, 0.1 * std::sqrt(3.0)})
      EXPECT_EQ(sorted_rows(
                    radius_neighborhoods<float>(view, view, radius, RadiusArithmetic::tree, 2, 2)),
                reference(Gd, q, radius))
          << "p " << q << " radius " << radius;
  }
  const std::int64_t p = 3;
  const std::vector<double> X = grid_and_noise(5, p, 2);
  const std::int64_t n = static_cast<std::int64_t>(X.size()) / p;
  std::vector<float> Xf(X.begin(), X.end());
  std::vector<double> Xd(Xf.begin(), Xf.end());
  // Column-major with a padded leading dimension.
  std::vector<double> colmajor(static_cast<std::size_t>((n + 3) * p));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t f = 0; f < p; ++f) colmajor[f * (n + 3) + i] = Xd[i * p + f];
  const ConstMatrixView<double> cview(colmajor.data(), n, p, 1, n + 3);
  for (auto arithmetic : {RadiusArithmetic::tree, RadiusArithmetic::brute}) {
    const auto rowmajor = ConstMatrixView<double>::row_major(Xd.data(), n, p);
    EXPECT_EQ(
        sorted_rows(radius_neighborhoods<double>(cview, cview, 0.25, arithmetic, 4, 2)),
        sorted_rows(radius_neighborhoods<double>(rowmajor, rowmajor, 0.25, arithmetic, 4, 1)));
  }
}

TEST(RadiusNeighborhoods, BruteArithmeticDiffersOnlyWithinTheProductFormsError) {
  // Rows far from the origin on a grid of step 0.1: the product form ‖x‖² − 2x·y + ‖y‖²
  // cancels (about 1e-8 of error against radius² = 0.01), so brute force may decide pairs
  // at the radius differently from the explicit sum, and only those.
  std::vector<double> X;
  for (int i = 0; i < 30; ++i)
    for (int j = 0; j < 30; ++j) X.insert(X.end(), {1e4 + 0.1 * i, -1e4 + 0.1 * j});
  const std::int64_t n = static_cast<std::int64_t>(X.size()) / 2;
  const auto view = ConstMatrixView<double>::row_major(X.data(), n, 2);
  const double radius = 0.1;
  const auto brute =
      sorted_rows(radius_neighborhoods<double>(view, view, radius, RadiusArithmetic::brute, 5, 2));
  const auto exact = reference(X, 2, radius);
  std::int64_t differ = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<std::int64_t> changed;
    std::set_symmetric_difference(brute[i].begin(), brute[i].end(), exact[i].begin(),
                                  exact[i].end(), std::back_inserter(changed));
    for (auto j : changed) {
      const double dx = X[2 * i] - X[2 * j], dy = X[2 * i + 1] - X[2 * j + 1];
      EXPECT_NEAR(dx * dx + dy * dy, radius * radius, 1e-6) << i << " " << j;
      ++differ;
    }
    // Pairs clearly inside or outside agree.
    EXPECT_TRUE(std::binary_search(brute[i].begin(), brute[i].end(), i));
  }
  EXPECT_LT(differ, n * 4);
  // The same rows near the origin: no cancellation, both arithmetics agree away from ties.
  std::vector<double> near(X);
  for (std::int64_t i = 0; i < n; ++i) near[2 * i] -= 1e4, near[2 * i + 1] += 1e4;
  const auto near_view = ConstMatrixView<double>::row_major(near.data(), n, 2);
  const auto a = sorted_rows(
      radius_neighborhoods<double>(near_view, near_view, 0.15, RadiusArithmetic::brute, 5, 1));
  EXPECT_EQ(a, reference(near, 2, 0.15));
}

TEST(RadiusNeighborhoods, RejectsBadArguments) {
  std::vector<double> X(6, 0.0), Y(4, 0.0);
  const auto x = ConstMatrixView<double>::row_major(X.data(), 2, 3);
  const auto y = ConstMatrixView<double>::row_major(Y.data(), 2, 2);
  EXPECT_THROW(radius_neighborhoods<double>(x, y, 1.0, RadiusArithmetic::tree, 5, 1),
               InvalidArgument);
  EXPECT_THROW(radius_neighborhoods<double>(x, x, -1.0, RadiusArithmetic::tree, 5, 1),
               InvalidArgument);
  EXPECT_THROW(radius_neighborhoods<double>(x, x, std::nan(""), RadiusArithmetic::tree, 5, 1),
               InvalidArgument);
  EXPECT_THROW(radius_neighborhoods<double>(x, x, 1.0, RadiusArithmetic::tree, 0, 1),
               InvalidArgument);
}

namespace {

// dbscan_inner as scikit-learn writes it: labels set when a row is popped, neighbours of
// core rows pushed.
std::vector<std::int64_t> reference_labels(const std::vector<std::vector<std::int64_t>>& hoods,
                                           const std::vector<std::uint8_t>& is_core) {
  const std::int64_t n = static_cast<std::int64_t>(hoods.size());
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n), -1), stack;
  std::int64_t label = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (labels[i] != -1 || !is_core[i]) continue;
    std::int64_t v = i;
    for (;;) {
      if (labels[v] == -1) {
        labels[v] = label;
        if (is_core[v])
          for (auto j : hoods[v])
            if (labels[j] == -1) stack.push_back(j);
      }
      if (stack.empty()) break;
      v = stack.back();
      stack.pop_back();
    }
    ++label;
  }
  return labels;
}

}  // namespace

TEST(DbscanLabels, EqualScikitLearnsExpansion) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    const std::int64_t n = 1 + static_cast<std::int64_t>(rng() % 60);
    // A random symmetric neighbourhood graph with self loops.
    std::vector<std::vector<std::int64_t>> hoods(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) hoods[i].push_back(i);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = i + 1; j < n; ++j)
        if (rng() % 10 == 0) hoods[i].push_back(j), hoods[j].push_back(i);
    std::vector<std::int64_t> indptr{0}, indices;
    for (auto& h : hoods) {
      std::shuffle(h.begin(), h.end(), rng);
      indices.insert(indices.end(), h.begin(), h.end());
      indptr.push_back(static_cast<std::int64_t>(indices.size()));
    }
    std::vector<double> weights(static_cast<std::size_t>(n));
    for (auto& w : weights) w = static_cast<double>(static_cast<int>(rng() % 5) - 1);
    for (bool weighted : {false, true}) {
      const double min_samples = weighted ? 3.0 : 4.0;
      std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
      std::vector<std::uint8_t> is_core(static_cast<std::size_t>(n));
      cluster::dbscan_labels(indptr.data(), indices.data(), n, weighted ? weights.data() : nullptr,
                             min_samples, labels.data(), is_core.data());
      std::vector<std::uint8_t> expected_core(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) {
        double s = 0.0;
        for (auto j : hoods[i]) s += weighted ? weights[j] : 1.0;
        expected_core[i] = s >= min_samples;
      }
      EXPECT_EQ(is_core, expected_core);
      EXPECT_EQ(labels, reference_labels(hoods, expected_core)) << "trial " << trial;
    }
  }
}

TEST(DbscanLabels, RejectsANeighbourOutsideTheRows) {
  const std::vector<std::int64_t> indptr{0, 1, 2}, indices{0, 2};
  std::vector<std::int64_t> labels(2);
  std::vector<std::uint8_t> is_core(2);
  EXPECT_THROW(cluster::dbscan_labels(indptr.data(), indices.data(), 2, nullptr, 1.0, labels.data(),
                                      is_core.data()),
               InvalidArgument);
}

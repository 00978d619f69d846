// DBSCAN's labels from the ε-neighbourhoods (skaccel/cluster.hpp).
#include <cstdint>
#include <vector>

#include "skaccel/cluster.hpp"
#include "skaccel/errors.hpp"

namespace skaccel::cluster {

void dbscan_labels(const std::int64_t* indptr, const std::int64_t* indices, std::int64_t n,
                   const double* sample_weight, double min_samples, std::int64_t* labels,
                   std::uint8_t* is_core) {
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t begin = indptr[i], end = indptr[i + 1];
    if (sample_weight == nullptr) {
      is_core[i] = static_cast<double>(end - begin) >= min_samples;
    } else {
      double weight = 0.0;
      for (std::int64_t a = begin; a < end; ++a) weight += sample_weight[indices[a]];
      is_core[i] = weight >= min_samples;
    }
    labels[i] = -1;
  }
  for (std::int64_t a = 0; a < indptr[n]; ++a)
    if (indices[a] < 0 || indices[a] >= n) throw InvalidArgument("a neighbour is not a row");
  // Each cluster is labelled whole, from its first core row, before the next begins: so
  // a non-core row reached from several clusters keeps the first (the lowest label).
  std::int64_t cluster = 0;
  std::vector<std::int64_t> stack;
  for (std::int64_t seed = 0; seed < n; ++seed) {
    if (labels[seed] != -1 || !is_core[seed]) continue;
    labels[seed] = cluster;
    stack.assign(1, seed);
    while (!stack.empty()) {
      const std::int64_t i = stack.back();
      stack.pop_back();
      for (std::int64_t a = indptr[i]; a < indptr[i + 1]; ++a) {
        const std::int64_t j = indices[a];
        if (labels[j] != -1) continue;
        labels[j] = cluster;
        if (is_core[j]) stack.push_back(j);
      }
    }
    ++cluster;
  }
}

}  // namespace skaccel::cluster

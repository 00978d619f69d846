// The cluster model types: KMeans (fitted fields and C++ predict/transform) and DBSCAN
// (fitted fields only: scikit-learn's DBSCAN has no inference method).
#include <cstdint>
#include <vector>

#include "skaccel/cluster.hpp"
#include "skaccel/model.hpp"

namespace skaccel::cluster {
namespace {

using model::DType;
using model::field;
using model::optional;
using model::State;

const DType F = DType::floating, F64 = DType::float64, I = DType::integer, N = DType::numeric;

std::int64_t n_clusters(const State& s) { return s.tensor("cluster_centers_").shape[0]; }

template <class T>
void predict_rows(const State& s, const model::AnyMatrix& X, const model::AnyMatrix& out,
                  int n_threads) {
  const model::Tensor& centers = s.tensor("cluster_centers_");
  std::vector<std::int32_t> labels(static_cast<std::size_t>(X.rows));
  assign_and_sum<T>(X.view<const T>(), nullptr, nullptr, 1, centers.as<T>(), centers.shape[0],
                    labels.data(), nullptr, n_threads);
  MatrixView<std::int32_t> result = out.view<std::int32_t>();
  for (std::int64_t i = 0; i < X.rows; ++i) result(i, 0) = labels[i];
}

// KMeans.predict: the index of the nearest center (the first of equals), as scikit-learn's
// E step computes it on uncentred X.
model::Method predict_method() {
  model::Method m;
  m.name = "predict";
  m.doc = "Index of the nearest cluster center";
  m.outputs = {{"labels", model::OutputType::int32}};
  m.columns = [](const State&) -> std::int64_t { return 1; };
  m.one_dimensional = [](const State&) { return true; };
  m.run = [](const State& s, const model::AnyMatrix& X, const std::vector<model::AnyMatrix>& out,
             int n_threads) {
    if (X.dtype == model::ScalarType::float32)
      predict_rows<float>(s, X, out[0], n_threads);
    else
      predict_rows<double>(s, X, out[0], n_threads);
  };
  return m;
}

template <class T>
void transform_rows(const State& s, const model::AnyMatrix& X, const model::AnyMatrix& out,
                    int n_threads) {
  const model::Tensor& centers = s.tensor("cluster_centers_");
  center_distances<T>(X.view<const T>(), centers.as<T>(), centers.shape[0], out.view<T>(),
                      n_threads);
}

// KMeans.transform: the Euclidean distance to every center.
model::Method transform_method() {
  model::Method m;
  m.name = "transform";
  m.doc = "Euclidean distances to the cluster centers";
  m.outputs = {{"X_new", model::OutputType::floating}};
  m.columns = n_clusters;
  m.one_dimensional = [](const State&) { return false; };
  m.run = [](const State& s, const model::AnyMatrix& X, const std::vector<model::AnyMatrix>& out,
             int n_threads) {
    if (X.dtype == model::ScalarType::float32)
      transform_rows<float>(s, X, out[0], n_threads);
    else
      transform_rows<double>(s, X, out[0], n_threads);
  };
  return m;
}

}  // namespace

SKACCEL_REGISTER_MODEL_TYPE(KMeans) {
  return {"KMeans",
          "cluster",
          "k-means clustering (Lloyd)",
          model::concat(
              {
                  field("cluster_centers_", F, {"n_clusters", "n_features"}, "Cluster centers"),
                  field("labels_", I, {"n_samples"}, "Cluster of each training row (int32)"),
                  field("inertia_", F64, {}, "Weighted sum of squared distances to the centers"),
                  field("n_iter_", I, {}, "Lloyd iterations of the best run"),
                  // What scikit-learn's fit resolves from the parameters and X, and keeps
                  // (its tests read _n_init).
                  optional(field("_tol", F64, {}, "tol scaled by the mean variance of X")),
                  optional(field("_n_init", I, {}, "Runs of the last fit")),
                  optional(field("_algorithm", DType::string, {}, "algorithm, resolved")),
              },
              model::input_fields()),
          {predict_method(), transform_method()}};
}

SKACCEL_REGISTER_MODEL_TYPE(DBSCAN) {
  return {"DBSCAN",
          "cluster",
          "density-based clustering (DBSCAN)",
          model::concat(
              {
                  field("labels_", I, {"n_samples"}, "Cluster of each training row, -1 for noise"),
                  field("core_sample_indices_", I, {"n_core_samples"}, "Rows of the core samples"),
                  // X's rows, in X's dtype (float64 when there is no core row, as in
                  // scikit-learn).
                  field("components_", N, {"n_core_samples", "n_features"},
                        "The core samples' rows of X"),
              },
              model::input_fields()),
          {}};
}

}  // namespace skaccel::cluster

#pragma once
// k-means kernels: the assignment of rows to their nearest center fused with the weighted
// per-cluster sums the update step needs (one Lloyd iteration, as scikit-learn's
// lloyd_iter_chunked_dense computes it), and the inertia.
//
// Distances are never materialised beyond one block of rows: each block of X is gathered
// (shifted by an optional offset, as scikit-learn centres X before its fit) into a small
// thread-local buffer in T, multiplied by the centers with one gemm, and reduced at once:
// the nearest center is the first minimum of ‖c‖² − 2 x·c (scikit-learn's rule, ‖x‖² being
// the same for every center). Sums and weights are accumulated in double.
#include <cstdint>
#include <vector>

#include "skaccel/matrix.hpp"

namespace skaccel::cluster {

struct LloydSums {
  std::vector<double> sums;     // k×p, row-major: Σ w x over each cluster's rows (shifted)
  std::vector<double> weights;  // k: Σ w over each cluster's rows
};

// labels (n) receive each row's nearest center among centers (k×p, row-major, in the
// shifted coordinates). With sums != nullptr, also the weighted sums and weights per cluster
// of the shifted rows. offset: p values subtracted from every row (nullptr: none);
// sample_weight: n weights with the given stride (nullptr: unit weights).
template <class T>
void assign_and_sum(ConstMatrixView<T> X, const T* offset, const T* sample_weight,
                    std::int64_t sample_weight_stride, const T* centers, std::int64_t k,
                    std::int32_t* labels, LloydSums* sums, int n_threads);

// Σ_i w_i ‖x_i − offset − centers[labels_i]‖², computed from the differences (not from the
// expanded form), in double.
template <class T>
double inertia(ConstMatrixView<T> X, const T* offset, const T* sample_weight,
               std::int64_t sample_weight_stride, const T* centers, std::int64_t k,
               const std::int32_t* labels, int n_threads);

// The `count` rows of X − offset farthest from their centers (centers[labels_i]), farthest
// first and the lower index first among equal distances, with their squared distances (in
// double): the rows scikit-learn's _relocate_empty_clusters_dense moves to empty clusters.
struct FarthestRows {
  std::vector<std::int64_t> rows;
  std::vector<double> distances;
};

template <class T>
FarthestRows farthest_rows(ConstMatrixView<T> X, const T* offset, const T* centers, std::int64_t k,
                           const std::int32_t* labels, std::int64_t count, int n_threads);

// scikit-learn's _average_centers: centers_new (k×p) = the weighted means of the sums, a
// cluster without weight taking the heaviest's place; returns Σ_c ‖new_c − old_c‖² (the
// center shift the tolerance is compared with).
template <class T>
double average_centers(const LloydSums& sums, const T* centers_old, std::int64_t k, std::int64_t p,
                       T* centers_new);

// One k-means run by Lloyd's algorithm, as scikit-learn's _kmeans_single_lloyd: each
// iteration assigns and sums (assign_and_sum), relocates the centers of empty clusters to
// the rows farthest from their centers (_relocate_empty_clusters_dense), averages, and stops
// when the labels repeat (strict convergence) or when the squared center shift is at most
// tol; without strict convergence a last assignment makes the labels those of the final
// centers. centers_init and the result are in the shifted coordinates (X − offset).
template <class T>
struct LloydFit {
  std::vector<T> centers;  // k×p, row-major
  std::vector<std::int32_t> labels;
  double inertia = 0.0;
  std::int64_t n_iter = 0;
};

template <class T>
LloydFit<T> lloyd(ConstMatrixView<T> X, const T* offset, const T* sample_weight,
                  std::int64_t sample_weight_stride, const T* centers_init, std::int64_t k,
                  std::int64_t max_iter, double tol, int n_threads);

// Euclidean distances of every row of X to every center (out: n×k), as scikit-learn's
// euclidean_distances computes them: ‖x‖² − 2 x·c + ‖c‖², clamped at 0, square-rooted;
// in double for float32 (scikit-learn upcasts float32 blocks too).
template <class T>
void center_distances(ConstMatrixView<T> X, const T* centers, std::int64_t k, MatrixView<T> out,
                      int n_threads);

// --- DBSCAN -----------------------------------------------------------------------------

// scikit-learn's DBSCAN from the rows' ε-neighbourhoods (CSR, each row among its own
// neighbours): a row is core when its neighbours number (or, with sample_weight, weigh in
// double) at least min_samples; clusters are the connected components of core rows,
// numbered from 0 in the order of their first core row; a non-core row takes the lowest
// cluster among its core neighbours, else −1 (noise). That is what dbscan_inner's
// depth-first expansion from each unlabelled core row in turn gives. labels, is_core: n.
void dbscan_labels(const std::int64_t* indptr, const std::int64_t* indices, std::int64_t n,
                   const double* sample_weight, double min_samples, std::int64_t* labels,
                   std::uint8_t* is_core);

}  // namespace skaccel::cluster

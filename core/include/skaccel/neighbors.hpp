#pragma once
// Pairwise distances between the rows of two matrices, tile by tile: a tile of products by
// one gemm (or a tile of absolute differences), turned into distances while it is in
// cache and written to the output, so no other n×m intermediate is ever held.
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/matrix.hpp"

namespace skaccel::neighbors {

enum class DotMetric {
  // sqrt(max(((−2 x·y) + ‖x‖²) + ‖y‖², 0)) as scikit-learn's euclidean_distances sums it
  // (the square without the root when `squared`); products and sums in double, float32
  // rows converted as scikit-learn upcasts them, the result rounded to T.
  euclidean,
  // clip(1 − x·y, 0, 2), scikit-learn's cosine_distances of rows the caller normalised;
  // products in T (scikit-learn's float32 path multiplies in float32).
  cosine,
};

// out(i, j) = the metric between row i of X and row j of Y (out: X.rows × Y.rows, any
// strides). x_norms / y_norms: the rows' squared norms (euclidean only; in double).
// same: X and Y are one matrix, whose diagonal scikit-learn sets to 0.
template <class T>
void dot_distances(ConstMatrixView<T> X, ConstMatrixView<T> Y, const double* x_norms,
                   const double* y_norms, DotMetric metric, bool squared, bool same,
                   MatrixView<T> out, int n_threads);

// out(i, j) = Σ_f |X(i, f) − Y(j, f)| summed in double in feature order, as SciPy's
// cdist(metric="cityblock") sums it, rounded to Out.
template <class T, class Out>
void manhattan_distances(ConstMatrixView<T> X, ConstMatrixView<T> Y, MatrixView<Out> out,
                         int n_threads);

// --- k nearest neighbours ---------------------------------------------------------------

// A metric of the Minkowski family as scikit-learn's DistanceMetric computes it, by its
// reduced distance (what its searches rank by): euclidean Σ_f (x_f − y_f)² (its root the
// distance), manhattan Σ_f |x_f − y_f|, chebyshev max_f |x_f − y_f| (both their own
// distance), minkowski Σ_f |x_f − y_f|^p by std::pow (the distance its 1/p-th power), the
// features in order.
enum class MetricKind { euclidean, manhattan, chebyshev, minkowski };
struct Metric {
  MetricKind kind = MetricKind::euclidean;
  double p = 2.0;  // minkowski's order (0 < p < ∞)
};

// scikit-learn's name of the metric ("euclidean", "l2", "manhattan", "cityblock", "l1",
// "chebyshev", "infinity", "minkowski" with the order p), else InvalidArgument.
Metric metric_named(const std::string& name, double p);

// The k nearest rows of Y to every row of X by Euclidean distance, as scikit-learn's
// ArgKmin ranks them: by −2 x·y + ‖y‖² in double (float32 rows are converted, as
// scikit-learn upcasts them), the nearer first, the lower row of Y first among equal
// distances. The distances (their squares when `squared`) are those scikit-learn gives:
// with `brute_distances` its brute force's, sqrt(max(the rank + ‖x‖², 0)), rounded to
// float32 for float32 rows (the square, then its root); otherwise its trees',
// sqrt(Σ_f (x_f − y_f)²) summed in double in feature order (exactly 0 for a query equal
// to a row). distances, indices: X.rows × k, any strides. 1 ≤ k ≤ Y.rows. No X.rows ×
// Y.rows matrix is held: tiles of products feed bounded per-row heaps. The rows of X are
// shared among the threads when there are enough of them, else the rows of Y (heaps merged
// in order); either way the result is the same.
template <class T>
void kneighbors_euclidean(ConstMatrixView<T> X, ConstMatrixView<T> Y, std::int64_t k, bool squared,
                          bool brute_distances, MatrixView<double> distances,
                          MatrixView<std::int64_t> indices, int n_threads);

// A kd-tree over the rows of Y, laid out as scikit-learn's KDTree: a complete binary tree
// (node i's children 2i + 1, 2i + 2) of floor(log2(max(1, (n − 1) / leaf_size))) + 1
// levels, each node a range [start, end) of `index` (a permutation of Y's rows) split at its
// middle position on the dimension of largest spread, with its rows' bounding box
// (lower/upper, n_nodes × n_features, in double). `points` holds Y's rows in the tree's
// order, each leaf's rows a feature-major block (for the leaf [start, end), feature f of
// row index[start + r] at points[start · n_features + f · (end − start) + r]): a leaf is
// one contiguous read, its distances computed a vector of rows at a time.
template <class T>
struct KDTree {
  std::int64_t n_nodes = 0, n_features = 0;
  std::vector<std::int64_t> index, start, end;
  std::vector<double> lower, upper;
  std::vector<T> points;
};

template <class T>
KDTree<T> build_kdtree(ConstMatrixView<T> Y, std::int64_t leaf_size);

// kneighbors_euclidean's result by the tree: the same neighbours and order (the lower row
// first among equal distances), with distances ranked and given as scikit-learn's trees
// compute them (squared differences summed in double, feature by feature). Queries are
// shared among the threads.
// By another metric of the family: ranked by its reduced distances in the trees'
// arithmetic; `squared` gives the reduced distances, else the distances (the root by
// std::pow, as kneighbors_metric).
template <class T>
void kdtree_kneighbors(const KDTree<T>& tree, ConstMatrixView<T> X, ConstMatrixView<T> Y,
                       std::int64_t k, bool squared, MatrixView<double> distances,
                       MatrixView<std::int64_t> indices, int n_threads, Metric metric = Metric{});

// The k nearest rows of Y to every row of X by a metric other than the Euclidean, as
// scikit-learn's searches rank them (the nearer first, the lower row among equal reduced
// distances). With `brute_distances`, its brute force's arithmetic (ArgKmin): for float32
// rows each difference in float32 and the reduced distance rounded to float32, the
// distance (minkowski's root) too; otherwise its trees' (KDTree, BallTree: the rows in
// double). distances: the reduced distances when `reduced`, else the distances (the
// root by std::pow; scikit-learn's trees take it by NumPy's power: the caller's to take
// from the reduced ones). Tiles of Y (a feature-major block per tile) feed bounded
// per-row heaps; the threads share queries or, for few, the rows of Y, as
// kneighbors_euclidean does.
template <class T>
void kneighbors_metric(ConstMatrixView<T> X, ConstMatrixView<T> Y, std::int64_t k, Metric metric,
                       bool reduced, bool brute_distances, MatrixView<double> distances,
                       MatrixView<std::int64_t> indices, int n_threads);

// The search the fitted algorithm selects: `brute` (kneighbors_euclidean, with
// scikit-learn's brute-force distances), or `kd_tree`: the results of scikit-learn's trees
// (KDTree and BallTree), their distances summed as they sum them, by a kd-tree of
// leaf_size built on Y for this call when it pays (at least 1,000 queries and at most 8
// features, or 10 for 100,000 rows of Y or more; the measured crossovers are in
// kdtree.cpp), else by brute force.
enum class SearchAlgorithm { brute, kd_tree };

// A kd-tree that a caller keeps between searches of one model (the Python estimators do):
// while a KeptTreeScope lives on a thread, the model types' searches on that thread over
// exactly the rows it was built on (the same memory and shape) take it, where a tree pays,
// instead of building one. Scopes nest; each restores the one before it.
template <class T>
class KeptTreeScope {
 public:
  KeptTreeScope(const KDTree<T>& tree, const T* rows);
  ~KeptTreeScope();
  KeptTreeScope(const KeptTreeScope&) = delete;
  KeptTreeScope& operator=(const KeptTreeScope&) = delete;

 private:
  const void* previous_tree_;
  const void* previous_rows_;
  bool previous_float_;
};

// The tree of the innermost KeptTreeScope of this thread when it was built on `rows`
// (n_rows × n_features, of T), else nullptr.
template <class T>
const KDTree<T>* kept_tree(const T* rows, std::int64_t n_rows, std::int64_t n_features);

// Whether the kd-tree is the faster search of n_queries rows in n_rows of n_features: few
// enough features for that many rows, and enough queries to pay for its build unless it is
// `built` already (a model keeps its tree between searches).
bool kdtree_pays(std::int64_t n_queries, std::int64_t n_features, std::int64_t n_rows, bool built);

// `metric`: the Euclidean (kneighbors_euclidean), or another of the family
// (kneighbors_metric, whose `reduced` is `squared` here) with the same choice of search.
template <class T>
void kneighbors(ConstMatrixView<T> X, ConstMatrixView<T> Y, std::int64_t k, bool squared,
                SearchAlgorithm algorithm, std::int64_t leaf_size, MatrixView<double> distances,
                MatrixView<std::int64_t> indices, int n_threads, Metric metric = Metric{});

// How scikit-learn weighs the neighbours (_get_weights): uniformly, or by 1 / distance
// where a row with a zero distance weighs its zero-distance neighbours 1 and the others 0.
enum class NeighborWeights { uniform, distance };

// scikit-learn's KNeighborsClassifier.predict_proba of one output: out(i, c) = the summed
// weights of row i's neighbours of class c (neighbour by neighbour), over their total.
// labels: the class index of every row of Y; distances are read for `distance` weights.
void neighbor_class_probabilities(ConstMatrixView<std::int64_t> indices,
                                  ConstMatrixView<double> distances, const std::int64_t* labels,
                                  std::int64_t n_labels, std::int64_t n_classes,
                                  NeighborWeights weights, MatrixView<double> out, int n_threads);

// KNeighborsClassifier.predict of one output: the class index of the largest vote (the
// smallest index among equal votes), votes summed as scikit-learn's mode / weighted_mode
// sum them.
void neighbor_class_votes(ConstMatrixView<std::int64_t> indices, ConstMatrixView<double> distances,
                          const std::int64_t* labels, std::int64_t n_labels, std::int64_t n_classes,
                          NeighborWeights weights, std::int64_t* out, int n_threads);

// KNeighborsRegressor.predict: out(i, t) = the mean (or 1/distance-weighted mean) of Y's
// targets over row i's neighbours, summed in NumPy's order and dtype (Out: float32 for the
// uniform mean of float32 targets, float64 otherwise). targets: n_labels × n_outputs.
template <class Y, class Out>
void neighbor_regression(ConstMatrixView<std::int64_t> indices, ConstMatrixView<double> distances,
                         ConstMatrixView<Y> targets, NeighborWeights weights, MatrixView<Out> out,
                         int n_threads);

// --- neighbours within a radius ---------------------------------------------------------

// Every row's neighbours in CSR form: those of query i are indices[indptr[i] .. indptr[i+1]),
// with their squared distances (in the search's arithmetic) in `distances` when asked for.
struct Neighborhoods {
  std::vector<std::int64_t> indptr, indices;
  std::vector<double> distances;
};

// Which of scikit-learn's radius searches the result reproduces: `tree`, its KDTree and
// BallTree, which keep a row when Σ_f (x_f − y_f)² (in double, feature by feature) is at
// most radius²; `brute`, its brute force (RadiusNeighbors), which keeps a row when
// max((‖x‖² + (−2 x·y)) + ‖y‖², 0) ≤ radius², the products by dgemm on rows converted to
// double (radius² rounded to float32 for float32 rows, as its float32 reduction squares it).
enum class RadiusArithmetic { tree, brute };

inline RadiusArithmetic radius_arithmetic(const std::string& name) {
  if (name == "tree") return RadiusArithmetic::tree;
  if (name == "brute") return RadiusArithmetic::brute;
  throw InvalidArgument("arithmetic must be 'tree' or 'brute'");
}

// The rows of Y within `radius` of each row of X (query i's neighbours in increasing order
// of their rows for `brute`; in the kd-tree's order for `tree`). `tree` searches a kd-tree
// of leaf_size built on Y where it pays (a sample of the queries tells: see tree_pays in
// radius.cpp), else screens by the brute force's products and decides every pair within
// their error bound of the radius by the trees' sum, so both give the trees'
// neighbourhoods. Queries are shared among the threads; the result does not depend on
// their number. With `with_distances`, each neighbour's squared distance as that search
// gives it: the trees' sum, or the brute force's max(product form, 0). `built_tree`, a
// kd-tree already built on Y, is searched instead of a new one (leaf_size then unused).

template <class T>
Neighborhoods radius_neighborhoods(ConstMatrixView<T> X, ConstMatrixView<T> Y, double radius,
                                   RadiusArithmetic arithmetic, std::int64_t leaf_size,
                                   int n_threads, bool with_distances = false,
                                   const KDTree<T>* built_tree = nullptr);

// --- local outlier factor ---------------------------------------------------------------

// scikit-learn's LocalOutlierFactor._local_reachability_density of each query:
//   out(i) = 1 / (mean_a max(D(distances(i, a)), k_distance(indices(i, a))) + 1e-10),
// k_distance(j) = distances_fit(j, k − 1) (the k-th neighbour's distance of training row j),
// computed in A = the wider of D and M, the mean by NumPy's pairwise sum. D is the type
// scikit-learn keeps the distances in: float when it rounds them to float32 (float32 X),
// else double. indices: n × k rows of distances_fit (n_fit × k). InvalidArgument for
// shapes that do not agree and indices out of range.
template <class D, class M>
void local_reachability_density(ConstMatrixView<double> distances,
                                ConstMatrixView<std::int64_t> indices,
                                ConstMatrixView<M> distances_fit, std::common_type_t<D, M>* out,
                                int n_threads);

// out(i) = −mean_a lrd_fit(indices(i, a)) / lrd(i), in A (scikit-learn's
// negative_outlier_factor_ of the training rows, where lrd = lrd_fit, and score_samples).
template <class M, class A>
void local_outlier_scores(ConstMatrixView<std::int64_t> indices, const M* lrd_fit,
                          std::int64_t n_fit, const A* lrd, A* out, int n_threads);

}  // namespace skaccel::neighbors

// The neighbours model types (NearestNeighbors, KNeighborsClassifier, KNeighborsRegressor):
// the training rows once, and the searches and votes that read them.
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "skaccel/model.hpp"
#include "skaccel/neighbors.hpp"

namespace skaccel::neighbors {
namespace {

using model::DType;
using model::field;
using model::State;

const DType F = DType::floating, I = DType::integer, S = DType::string, L = DType::label;

std::int64_t n_neighbors(const State& s) {
  const model::Value* k = s.param("n_neighbors");
  if (!k || k->kind != model::Value::Kind::integer)
    throw StateError("n_neighbors must be an integer");
  const std::int64_t n_fit = s.tensor("_fit_X").shape[0];
  if (k->integer < 1 || k->integer > n_fit)
    throw StateError("n_neighbors = " + std::to_string(k->integer) + " must be in [1, " +
                     std::to_string(n_fit) + "] (the training rows)");
  return k->integer;
}

// The metric the core searches by: effective_metric_ of the Minkowski family without
// parameters (euclidean, what scikit-learn's minkowski p=2 resolves to; manhattan, p=1;
// chebyshev, p=inf; their aliases). A minkowski of another p keeps it in
// effective_metric_params_, which no declared field holds: scikit-learn's code computes.
Metric metric_of(const State& s) {
  const model::Value* metric = s.field("effective_metric_");
  if (!metric || metric->kind != model::Value::Kind::string || metric->string == "minkowski")
    throw StateError("the core computes effective_metric_ 'euclidean', 'manhattan' or 'chebyshev'");
  try {
    return metric_named(metric->string, 2.0);
  } catch (const InvalidArgument&) {
    throw StateError("the core does not compute effective_metric_ '" + metric->string + "'");
  }
}

NeighborWeights weights_of(const State& s) {
  const model::Value* w = s.param("weights");
  if (w && w->kind == model::Value::Kind::string) {
    if (w->string == "uniform") return NeighborWeights::uniform;
    if (w->string == "distance") return NeighborWeights::distance;
  }
  throw StateError("weights must be 'uniform' or 'distance'");
}

// distances and indices of X's n_neighbors nearest training rows, by the search the fitted
// algorithm selects (kd_tree and ball_tree: the caller's kept tree of these rows, where it
// pays, else the kd-tree built for the call or brute force with the trees' distances).
void search(const State& s, const model::AnyMatrix& X, std::int64_t k, MatrixView<double> distances,
            MatrixView<std::int64_t> indices, int n_threads) {
  const Metric metric = metric_of(s);
  const model::Tensor& fit = s.tensor("_fit_X");
  const model::Value* method = s.field("_fit_method");
  const bool tree = method && method->kind == model::Value::Kind::string &&
                    (method->string == "kd_tree" || method->string == "ball_tree");
  std::int64_t leaf_size = 30;
  if (tree) {
    const model::Value* leaf = s.param("leaf_size");
    if (!leaf || leaf->kind != model::Value::Kind::integer || leaf->integer < 1)
      throw StateError("leaf_size must be a positive integer");
    leaf_size = leaf->integer;
  }
  const SearchAlgorithm algorithm = tree ? SearchAlgorithm::kd_tree : SearchAlgorithm::brute;
  const auto run = [&](auto zero) {
    using T = decltype(zero);
    const ConstMatrixView<T> rows =
        ConstMatrixView<T>::row_major(fit.as<T>(), fit.shape[0], fit.shape[1]);
    const ConstMatrixView<T> queries = X.view<const T>();
    // A tree its caller keeps for these rows (KeptTreeScope), where a kept tree pays.
    const KDTree<T>* kept = tree ? kept_tree<T>(rows.data, rows.rows, rows.cols) : nullptr;
    if (kept != nullptr && kdtree_pays(queries.rows, rows.cols, rows.rows, /*built=*/true))
      kdtree_kneighbors<T>(*kept, queries, rows, k, false, distances, indices, n_threads, metric);
    else
      kneighbors<T>(queries, rows, k, false, algorithm, leaf_size, distances, indices, n_threads,
                    metric);
  };
  if (X.dtype == model::ScalarType::float32)
    run(float{});
  else
    run(double{});
}

struct Neighbours {
  std::vector<double> distances;
  std::vector<std::int64_t> indices;
  std::int64_t rows, k;
  ConstMatrixView<double> d() const {
    return ConstMatrixView<double>::row_major(distances.data(), rows, k);
  }
  ConstMatrixView<std::int64_t> i() const {
    return ConstMatrixView<std::int64_t>::row_major(indices.data(), rows, k);
  }
};

Neighbours neighbours(const State& s, const model::AnyMatrix& X, int n_threads) {
  const std::int64_t k = n_neighbors(s);
  Neighbours n{std::vector<double>(static_cast<std::size_t>(X.rows * k)),
               std::vector<std::int64_t>(static_cast<std::size_t>(X.rows * k)), X.rows, k};
  search(s, X, k, MatrixView<double>::row_major(n.distances.data(), X.rows, k),
         MatrixView<std::int64_t>::row_major(n.indices.data(), X.rows, k), n_threads);
  return n;
}

model::Method kneighbors_method() {
  model::Method m;
  m.name = "kneighbors";
  m.doc = "Distances to and indices of the n_neighbors nearest training rows";
  m.outputs = {{"distances", model::OutputType::float64}, {"indices", model::OutputType::int64}};
  m.params = {"n_neighbors", "leaf_size"};
  m.columns = n_neighbors;
  m.one_dimensional = [](const State&) { return false; };
  m.run = [](const State& s, const model::AnyMatrix& X, const std::vector<model::AnyMatrix>& out,
             int n_threads) {
    search(s, X, n_neighbors(s), out[0].view<double>(), out[1].view<std::int64_t>(), n_threads);
  };
  return m;
}

// The classifier's class index per training row and its class count, for one output
// (classes_ one array, _y one column): StateError otherwise, scikit-learn's code computes.
struct Labels {
  const std::int64_t* labels;
  std::int64_t n_labels, n_classes;
};

Labels labels_of(const State& s) {
  const model::Tensor& y = s.tensor("_y");
  if (y.shape.size() != 1) throw StateError("the core computes a classifier of one output");
  const model::Value* c = s.field("classes_");
  if (!c) throw StateError("the classifier has no classes_");
  const std::int64_t classes = c->kind == model::Value::Kind::tensor ? c->tensor.size()
                               : c->shape.empty()                    ? 0
                                                                     : c->shape[0];
  return {y.as<std::int64_t>(), y.shape[0], classes};
}

std::int64_t n_classes(const State& s) { return labels_of(s).n_classes; }

model::Method predict_proba_method() {
  model::Method m;
  m.name = "predict_proba";
  m.doc = "Class probabilities: the (1/distance-)weighted votes of the nearest rows";
  m.outputs = {{"probabilities", model::OutputType::float64}};
  m.params = {"n_neighbors", "leaf_size", "weights"};
  m.columns = n_classes;
  m.one_dimensional = [](const State&) { return false; };
  m.run = [](const State& s, const model::AnyMatrix& X, const std::vector<model::AnyMatrix>& out,
             int n_threads) {
    const Labels l = labels_of(s);
    const NeighborWeights w = weights_of(s);
    const Neighbours n = neighbours(s, X, n_threads);
    neighbor_class_probabilities(n.i(), n.d(), l.labels, l.n_labels, l.n_classes, w,
                                 out[0].view<double>(), n_threads);
  };
  return m;
}

model::Method classifier_predict_method() {
  model::Method m;
  m.name = "predict";
  m.doc = "Class labels (classes_) of the largest vote of the nearest rows";
  m.outputs = {{"labels", model::OutputType::int64, "classes_"}};
  m.params = {"n_neighbors", "leaf_size", "weights"};
  m.columns = [](const State&) -> std::int64_t { return 1; };
  m.one_dimensional = [](const State&) { return true; };
  m.run = [](const State& s, const model::AnyMatrix& X, const std::vector<model::AnyMatrix>& out,
             int n_threads) {
    const Labels l = labels_of(s);
    const NeighborWeights w = weights_of(s);
    const Neighbours n = neighbours(s, X, n_threads);
    MatrixView<std::int64_t> result = out[0].view<std::int64_t>();
    std::vector<std::int64_t> votes(static_cast<std::size_t>(X.rows));
    neighbor_class_votes(n.i(), n.d(), l.labels, l.n_labels, l.n_classes, w, votes.data(),
                         n_threads);
    for (std::int64_t i = 0; i < X.rows; ++i) result(i, 0) = votes[i];
  };
  return m;
}

std::int64_t n_outputs(const State& s) {
  const auto& shape = s.tensor("_y").shape;
  return shape.size() == 1 ? 1 : shape[1];
}

// NumPy's dtype of the mean: float32 for float32 targets averaged uniformly, else float64.
model::ScalarType regression_dtype(const State& s) {
  return s.tensor("_y").dtype == model::ScalarType::float32 &&
                 weights_of(s) == NeighborWeights::uniform
             ? model::ScalarType::float32
             : model::ScalarType::float64;
}

template <class Y>
void regress(const State& s, const Neighbours& n, const model::AnyMatrix& out, int n_threads) {
  const model::Tensor& y = s.tensor("_y");
  const auto targets = ConstMatrixView<Y>::row_major(y.as<Y>(), y.shape[0], n_outputs(s));
  if (out.dtype == model::ScalarType::float32) {
    if constexpr (std::is_same_v<Y, float>)
      neighbor_regression<float, float>(n.i(), n.d(), targets, weights_of(s), out.view<float>(),
                                        n_threads);
  } else {
    neighbor_regression<Y, double>(n.i(), n.d(), targets, weights_of(s), out.view<double>(),
                                   n_threads);
  }
}

model::Method regressor_predict_method() {
  model::Method m;
  m.name = "predict";
  m.doc = "Mean of the targets of the nearest rows ((1/distance-)weighted)";
  model::Output y("y", model::OutputType::floating);
  y.dtype = regression_dtype;
  m.outputs = {y};
  m.params = {"n_neighbors", "leaf_size", "weights"};
  m.columns = n_outputs;
  m.one_dimensional = [](const State& s) { return s.tensor("_y").shape.size() == 1; };
  m.run = [](const State& s, const model::AnyMatrix& X, const std::vector<model::AnyMatrix>& out,
             int n_threads) {
    const model::ScalarType dtype = s.tensor("_y").dtype;
    if (dtype != model::ScalarType::float64 && dtype != model::ScalarType::float32 &&
        dtype != model::ScalarType::int64)
      throw StateError("the core computes targets of dtype float32, float64 or int64");
    weights_of(s);
    const Neighbours n = neighbours(s, X, n_threads);
    if (dtype == model::ScalarType::float64)
      regress<double>(s, n, out[0], n_threads);
    else if (dtype == model::ScalarType::float32)
      regress<float>(s, n, out[0], n_threads);
    else
      regress<std::int64_t>(s, n, out[0], n_threads);
  };
  return m;
}

// --- LocalOutlierFactor ------------------------------------------------------------------

// n_neighbors_, the neighbours fit used (n_neighbors capped at the training rows − 1).
std::int64_t lof_neighbors(const State& s) {
  const model::Value* k = s.field("n_neighbors_");
  if (!k || k->kind != model::Value::Kind::integer)
    throw StateError("n_neighbors_ must be an integer");
  const std::int64_t n_fit = s.tensor("_fit_X").shape[0];
  if (k->integer < 1 || k->integer > n_fit)
    throw StateError("n_neighbors_ = " + std::to_string(k->integer) + " must be in [1, " +
                     std::to_string(n_fit) + "] (the training rows)");
  if (s.tensor("_distances_fit_X_").shape.size() != 2 ||
      s.tensor("_distances_fit_X_").shape[1] != k->integer)
    throw StateError("_distances_fit_X_ must have n_neighbors_ columns");
  return k->integer;
}

// scikit-learn's methods on new rows exist only for novelty detection.
void check_novelty(const State& s, const char* method) {
  const model::Value* novelty = s.param("novelty");
  if (!novelty || novelty->kind != model::Value::Kind::boolean || !novelty->boolean)
    throw StateError(std::string(method) +
                     " is not available when novelty=False (scikit-learn's "
                     "LocalOutlierFactor scores new rows only for novelty detection)");
}

// score_samples of X's rows (X in the model's dtype, so scikit-learn keeps the distances
// in that dtype too): the opposite of their local outlier factor among the training rows.
template <class T>
void lof_score_samples(const State& s, const model::AnyMatrix& X, T* out, int n_threads) {
  const std::int64_t k = lof_neighbors(s);
  std::vector<double> distances(static_cast<std::size_t>(X.rows * k));
  std::vector<std::int64_t> indices(static_cast<std::size_t>(X.rows * k));
  const auto d = MatrixView<double>::row_major(distances.data(), X.rows, k);
  const auto ind = MatrixView<std::int64_t>::row_major(indices.data(), X.rows, k);
  search(s, X, k, d, ind, n_threads);
  const model::Tensor& fit_distances = s.tensor("_distances_fit_X_");
  const model::Tensor& lrd_fit = s.tensor("_lrd");
  std::vector<T> lrd(static_cast<std::size_t>(X.rows));
  local_reachability_density<T, T>(
      d, ind,
      ConstMatrixView<T>::row_major(fit_distances.as<T>(), fit_distances.shape[0],
                                    fit_distances.shape[1]),
      lrd.data(), n_threads);
  local_outlier_scores<T, T>(ind, lrd_fit.as<T>(), lrd_fit.size(), lrd.data(), out, n_threads);
}

// offset_: a Python float (-1.5 for contamination='auto') or a 0-d array of the model's dtype
// (np.percentile of negative_outlier_factor_), as T.
template <class T>
T lof_offset(const State& s) {
  const model::Value* offset = s.field("offset_");
  if (offset && offset->kind == model::Value::Kind::floating)
    return static_cast<T>(offset->floating);
  if (offset && offset->kind == model::Value::Kind::tensor && offset->tensor.size() == 1)
    return offset->tensor.as<T>()[0];
  throw StateError("offset_ must be a float");
}

template <class T>
void lof_decision_function(const State& s, const model::AnyMatrix& X, T* out, int n_threads) {
  lof_score_samples<T>(s, X, out, n_threads);
  const T offset = lof_offset<T>(s);
  for (std::int64_t i = 0; i < X.rows; ++i) out[i] -= offset;
}

model::Method lof_method(const char* name, const char* doc) {
  model::Method m;
  m.name = name;
  m.doc = doc;
  const bool predict = m.name == "predict";
  m.outputs = {predict ? model::Output("is_inlier", model::OutputType::int64)
                       : model::Output("scores", model::OutputType::floating)};
  m.params = {"novelty", "leaf_size"};
  m.columns = [](const State&) -> std::int64_t { return 1; };
  m.one_dimensional = [](const State&) { return true; };
  const std::string method = name;
  m.run = [method](const State& s, const model::AnyMatrix& X,
                   const std::vector<model::AnyMatrix>& out, int n_threads) {
    check_novelty(s, method.c_str());
    if (method == "predict") {
      // +1 for inliers, −1 where the decision function is negative (an int64 array).
      std::vector<double> decision(static_cast<std::size_t>(X.rows));
      std::vector<float> decision32(X.dtype == model::ScalarType::float32 ? X.rows : 0);
      MatrixView<std::int64_t> labels = out[0].view<std::int64_t>();
      if (X.dtype == model::ScalarType::float32) {
        lof_decision_function<float>(s, X, decision32.data(), n_threads);
        for (std::int64_t i = 0; i < X.rows; ++i) labels(i, 0) = decision32[i] < 0 ? -1 : 1;
      } else {
        lof_decision_function<double>(s, X, decision.data(), n_threads);
        for (std::int64_t i = 0; i < X.rows; ++i) labels(i, 0) = decision[i] < 0 ? -1 : 1;
      }
      return;
    }
    const bool decision = method == "decision_function";
    if (X.dtype == model::ScalarType::float32) {
      MatrixView<float> scores = out[0].view<float>();
      std::vector<float> values(static_cast<std::size_t>(X.rows));
      decision ? lof_decision_function<float>(s, X, values.data(), n_threads)
               : lof_score_samples<float>(s, X, values.data(), n_threads);
      for (std::int64_t i = 0; i < X.rows; ++i) scores(i, 0) = values[i];
    } else {
      MatrixView<double> scores = out[0].view<double>();
      std::vector<double> values(static_cast<std::size_t>(X.rows));
      decision ? lof_decision_function<double>(s, X, values.data(), n_threads)
               : lof_score_samples<double>(s, X, values.data(), n_threads);
      for (std::int64_t i = 0; i < X.rows; ++i) scores(i, 0) = values[i];
    }
  };
  return m;
}

// What every neighbours model holds: the training rows (once) and how fit resolved the
// metric and the algorithm.
std::vector<model::Field> neighbors_fields(std::vector<model::Field> extra) {
  std::vector<model::Field> fields = {
      field("_fit_X", F, {"n_samples_fit", "n_features"}, "The training rows"),
      field("n_samples_fit_", I, {}, "Number of training rows"),
      field("effective_metric_", S, {}, "The distance metric, resolved (minkowski p=2: euclidean)"),
      field("_fit_method", S, {}, "The search algorithm, resolved ('brute', 'kd_tree', ...)"),
  };
  fields.insert(fields.end(), extra.begin(), extra.end());
  return model::concat(fields, model::input_fields());
}

}  // namespace

SKACCEL_REGISTER_MODEL_TYPE(NearestNeighbors) {
  return {"NearestNeighbors",
          "neighbors",
          "Unsupervised nearest-neighbour searches",
          neighbors_fields({}),
          {kneighbors_method()}};
}

// _y: the class index of every training row (one column per output); classes_ the labels
// of one output (several outputs keep a list, which the core does not read).
SKACCEL_REGISTER_MODEL_TYPE(KNeighborsClassifier) {
  return {"KNeighborsClassifier",
          "neighbors",
          "Classifier implementing the k-nearest neighbours vote",
          neighbors_fields(
              {field("_y", I, {"n_samples_fit", "n_outputs?"}, "Class index of every training row"),
               model::optional(field("classes_", L, {"n_classes"}, "Class labels (one output)"))}),
          {classifier_predict_method(), predict_proba_method(), kneighbors_method()}};
}

SKACCEL_REGISTER_MODEL_TYPE(KNeighborsRegressor) {
  return {"KNeighborsRegressor",
          "neighbors",
          "Regression by the mean target of the k nearest neighbours",
          neighbors_fields({field("_y", DType::numeric, {"n_samples_fit", "n_outputs?"},
                                  "Targets of the training rows")}),
          {regressor_predict_method(), kneighbors_method()}};
}

// The training rows, their neighbours' distances (_distances_fit_X_, in the rows' dtype),
// reachability densities and negative_outlier_factor_; new rows are scored (novelty=True)
// by a search of the n_neighbors_ nearest training rows.
SKACCEL_REGISTER_MODEL_TYPE(LocalOutlierFactor) {
  return {"LocalOutlierFactor",
          "neighbors",
          "Unsupervised outlier detection by the local outlier factor",
          neighbors_fields(
              {field("n_neighbors_", I, {}, "Number of neighbours of the densities"),
               field("_distances_fit_X_", F, {"n_samples_fit", "n_lof_neighbors"},
                     "Distances of every training row to its n_neighbors_ nearest others"),
               field("_lrd", F, {"n_samples_fit"}, "Local reachability density of every row"),
               field("negative_outlier_factor_", F, {"n_samples_fit"},
                     "Opposite of the local outlier factor of every training row"),
               field("offset_", F, {}, "Threshold of the decision function's scores")}),
          {lof_method("predict", "+1 for inliers, -1 for outliers (novelty=True)"),
           lof_method("decision_function", "score_samples - offset_ (novelty=True)"),
           lof_method("score_samples",
                      "Opposite of the local outlier factor of new rows (novelty=True)")}};
}

}  // namespace skaccel::neighbors

// The decomposition model types (PCA, IncrementalPCA): fitted fields and C++ transform.
#include "skaccel/decomposition.hpp"
#include "skaccel/linear_model.hpp"
#include "skaccel/model.hpp"

namespace skaccel::decomposition {
namespace {

using model::DType;
using model::Field;
using model::field;
using model::ModelType;
using model::optional;
using model::State;
namespace mf = linear_model::moment_fields;

const DType F = DType::floating, F64 = DType::float64, I = DType::integer;

std::vector<Field> pca_fields() {
  return model::concat(
      {
          field("components_", F, {"n_components", "n_features"}, "Principal axes"),
          field("explained_variance_", F, {"n_components"}, "Variance of each component"),
          field("explained_variance_ratio_", F, {"n_components"}, "Share of the variance"),
          field("singular_values_", F, {"n_components"}, "Singular values of centred X"),
          field("mean_", F, {"n_features"}, "Per-feature mean"),
          field("noise_variance_", F, {}, "Estimated noise covariance (PPCA)"),
          field("n_components_", I, {}, "Number of components"),
      },
      model::input_fields());
}

template <class T>
void transform_rows(const State& s, const model::AnyMatrix& X, const model::AnyMatrix& out,
                    int n_threads) {
  const model::Tensor& components = s.tensor("components_");
  const std::int64_t k = components.shape[0], p = components.shape[1];
  std::vector<T> scale;
  if (s.flag("whiten", false))
    scale = whitening_scale<T>(s.tensor("explained_variance_").as<T>(), k);
  pca_transform<T>(X.view<const T>(), ConstMatrixView<T>::row_major(components.as<T>(), k, p),
                   s.tensor("mean_").as<T>(), scale.empty() ? nullptr : scale.data(), out.view<T>(),
                   n_threads);
}

// PCA's transform: (X − mean_) · components_ᵀ, divided by √explained_variance_ with whiten.
model::Method transform_method() {
  model::Method m;
  m.name = "transform";
  m.doc = "(X − mean_) · components_ᵀ, whitened when whiten=True";
  m.outputs = {{"X_new", model::OutputType::floating}};
  m.params = {"whiten"};
  m.columns = [](const State& s) { return s.tensor("components_").shape[0]; };
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

SKACCEL_REGISTER_MODEL_TYPE(PCA) {
  return {"PCA",
          "decomposition",
          "Principal component analysis",
          model::concat(pca_fields(),
                        {field("n_samples_", I, {}, "Number of samples in fit"),
                         optional(field("_fit_svd_solver", DType::string, {},
                                        "The solver 'auto' resolved to in the last fit"))}),
          {transform_method()}};
}

SKACCEL_REGISTER_MODEL_TYPE(IncrementalPCA) {
  return {"IncrementalPCA",
          "decomposition",
          "Principal component analysis from running moments (exact)",
          model::concat(pca_fields(),
                        {field("var_", F, {"n_features"}, "Per-feature variance"),
                         field(mf::n_samples, I, {}, "Samples seen by fit/partial_fit"),
                         optional(field("batch_size_", I, {}, "Rows per batch in fit")),
                         field(mf::weight_sum, F64, {}, "Samples seen, as a float"),
                         field(mf::x_mean, F64, {"n_features"}, "Mean of X seen"),
                         field(mf::gram, F64, {"n_features", "n_features"}, "Σ (x − x̄)(x − x̄)ᵀ")}),
          {transform_method()}};
}

}  // namespace skaccel::decomposition

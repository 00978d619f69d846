// The fits of the linear model types, returning their fields by declared name.
#include "skaccel/errors.hpp"
#include "skaccel/linear_model.hpp"

namespace skaccel::linear_model {
namespace {

using model::Value;
namespace mf = moment_fields;

template <class T>
void set_coef_intercept(model::Fields& out, const NormalEquations& ne, const Solution& s) {
  const auto p = ne.n_features, t = ne.n_targets;
  out.set_array<T>("coef_", {t, p}, s.coef);
  out.set_array<T>("intercept_", {t}, s.intercept);
}

std::vector<double> values_of(const model::State& state, const char* name, std::size_t expect) {
  const model::Tensor* t = state.optional_tensor(name);
  if (!t) throw InvalidArgument(std::string("the moments lack '") + name + "'");
  const double* v = t->as<double>();
  if (static_cast<std::size_t>(t->size()) != expect)
    throw InvalidArgument(std::string("the moment '") + name + "' has the wrong size");
  return {v, v + expect};
}

}  // namespace

model::Fields to_fields(const NormalEquations& ne) {
  model::Fields f;
  const auto p = ne.n_features, t = ne.n_targets;
  f.set(mf::n_samples, Value::of_integer(ne.n_samples));
  f.set(mf::weight_sum, Value::of_floating(ne.weight_sum));
  f.set_array<double>(mf::x_mean, {p}, ne.x_mean);
  f.set_array<double>(mf::gram, {p, p}, ne.gram);
  if (t > 0) {
    f.set_array<double>(mf::y_mean, {t}, ne.y_mean);
    f.set_array<double>(mf::xty, {p, t}, ne.xty);
  }
  if (ne.x_scale != 1.0) f.set("_x_scale", Value::of_floating(ne.x_scale));
  if (ne.y_scale != 1.0) f.set("_y_scale", Value::of_floating(ne.y_scale));
  return f;
}

NormalEquations moments_from(const model::State& state, bool centered) {
  NormalEquations ne;
  const Value* n = state.field(mf::n_samples);
  const Value* w = state.field(mf::weight_sum);
  // A count set to an integral float (scikit-learn's IncrementalPCA tests do) counts.
  const bool integral_float =
      n && n->kind == Value::Kind::floating && n->floating >= 0 && n->floating <= 9.0e15 &&
      n->floating == static_cast<double>(static_cast<std::int64_t>(n->floating));
  if (!n || !((n->kind == Value::Kind::integer && n->integer >= 0) || integral_float))
    throw InvalidArgument("the moments lack a non-negative integer n_samples_seen_");
  if (!w || (w->kind != Value::Kind::floating && w->kind != Value::Kind::integer))
    throw InvalidArgument("the moments lack a number _weight_sum");
  ne.n_samples = integral_float ? static_cast<std::int64_t>(n->floating) : n->integer;
  ne.weight_sum = w->kind == Value::Kind::floating ? w->floating : static_cast<double>(w->integer);
  const model::Tensor* x_mean = state.optional_tensor(mf::x_mean);
  if (!x_mean || x_mean->shape.size() != 1) throw InvalidArgument("the moments lack a 1-D _x_mean");
  const auto p = x_mean->shape[0];
  const model::Tensor* y_mean = state.optional_tensor(mf::y_mean);
  if (y_mean && y_mean->shape.size() != 1) throw InvalidArgument("_y_mean must be 1-D");
  const auto t = y_mean ? y_mean->shape[0] : 0;
  ne.n_features = p;
  ne.n_targets = t;
  ne.centered = centered;
  ne.x_mean = values_of(state, mf::x_mean, static_cast<std::size_t>(p));
  ne.gram = values_of(state, mf::gram, static_cast<std::size_t>(p * p));
  if (t > 0) {
    ne.y_mean = values_of(state, mf::y_mean, static_cast<std::size_t>(t));
    ne.xty = values_of(state, mf::xty, static_cast<std::size_t>(p * t));
  }
  for (auto [name, scale] :
       {std::pair{"_x_scale", &ne.x_scale}, std::pair{"_y_scale", &ne.y_scale}})
    if (const Value* v = state.field(name)) {
      if (v->kind != Value::Kind::floating || !(v->floating > 0.0))
        throw InvalidArgument(std::string("the moments' ") + name + " must be a positive float");
      *scale = v->floating;
    }
  return ne;
}

template <class T>
model::Fields least_squares_fields(const NormalEquations& ne, double tol) {
  const Solution s = solve_least_squares(ne, tol);
  model::Fields out;
  set_coef_intercept<T>(out, ne, s);
  out.set_array<T>("singular_", {static_cast<std::int64_t>(s.singular.size())}, s.singular);
  out.set("rank_", Value::of_integer(s.rank));
  return out;
}

template <class T>
model::Fields ridge_fields(const NormalEquations& ne, const std::vector<double>& alpha,
                           RidgeSolver solver) {
  const Solution s = solve_ridge(ne, alpha, solver);
  model::Fields out;
  set_coef_intercept<T>(out, ne, s);
  out.set("solver_", Value::of_string(s.used_cholesky ? "cholesky" : "svd"));
  return out;
}

template <class T>
std::optional<model::Fields> fit_least_squares(ConstMatrixView<T> X, ConstMatrixView<T> Y,
                                               const T* w, std::int64_t ws, bool fit_intercept,
                                               double tol, int n_threads) {
  const NormalEquations ne = accumulate_normal_equations<T>(X, Y, w, ws, fit_intercept, n_threads);
  if (!all_finite(ne)) return std::nullopt;
  return least_squares_fields<T>(ne, tol);
}

template <class T>
std::optional<model::Fields> fit_ridge(ConstMatrixView<T> X, ConstMatrixView<T> Y, const T* w,
                                       std::int64_t ws, bool fit_intercept,
                                       const std::vector<double>& alpha, RidgeSolver solver,
                                       int n_threads) {
  const NormalEquations ne = accumulate_normal_equations<T>(X, Y, w, ws, fit_intercept, n_threads);
  if (!all_finite(ne)) return std::nullopt;
  return ridge_fields<T>(ne, alpha, solver);
}

model::Fields solve_moments(const NormalEquations& ne, const std::vector<double>& alpha,
                            double tol) {
  const Solution s = alpha.empty() ? solve_least_squares(ne, tol)
                                   : solve_ridge(ne, alpha, RidgeSolver::cholesky_or_eigen);
  model::Fields out;
  set_coef_intercept<double>(out, ne, s);
  return out;
}

#define SKACCEL_INSTANTIATE(T)                                                               \
  template std::optional<model::Fields> fit_least_squares<T>(                                \
      ConstMatrixView<T>, ConstMatrixView<T>, const T*, std::int64_t, bool, double, int);    \
  template std::optional<model::Fields> fit_ridge<T>(                                        \
      ConstMatrixView<T>, ConstMatrixView<T>, const T*, std::int64_t, bool,                  \
      const std::vector<double>&, RidgeSolver, int);                                         \
  template model::Fields least_squares_fields<T>(const NormalEquations&, double);            \
  template model::Fields ridge_fields<T>(const NormalEquations&, const std::vector<double>&, \
                                         RidgeSolver);
SKACCEL_INSTANTIATE(float)
SKACCEL_INSTANTIATE(double)
#undef SKACCEL_INSTANTIATE

}  // namespace skaccel::linear_model

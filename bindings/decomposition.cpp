// Dense decompositions behind PCA: conversion only.
#include "skaccel/decomposition.hpp"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include "common.hpp"
#include "skaccel/errors.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace skaccel::bindings {
namespace {

using F64 = nb::ndarray<nb::numpy, double>;
using In64 = nb::ndarray<const double, nb::device::cpu, nb::c_contig>;

F64 vec(const std::vector<double>& v) { return to_numpy<double>(v, {v.size()}); }
F64 mat(const std::vector<double>& v, size_t r, size_t c) { return to_numpy<double>(v, {r, c}); }
std::vector<double> values(const In64& a) { return {a.data(), a.data() + a.size()}; }

// (singular values (k,), Vt (k, p)) of X − mean, float64.
template <class T>
nb::tuple centered_right_singular(In2D<T> X, In64 mean, int n_threads) {
  decomposition::RightSingular r;
  {
    nb::gil_scoped_release release;
    r = decomposition::centered_right_singular<T>(view<T>(X), values(mean), n_threads);
  }
  const size_t k = r.singular_values.size(), p = X.shape(1);
  return nb::make_tuple(vec(r.singular_values), mat(r.vt, k, p));
}

nb::tuple eigen(In64 A, std::int64_t k, bool top) {
  if (A.ndim() != 2 || A.shape(0) != A.shape(1)) throw InvalidArgument("A must be square");
  const auto n = static_cast<std::int64_t>(A.shape(0));
  decomposition::Eigen e;
  {
    nb::gil_scoped_release release;
    e = top ? decomposition::symmetric_eigen_top(values(A), n, k)
            : decomposition::symmetric_eigen(values(A), n);
  }
  const auto cols = static_cast<size_t>(top ? k : n);
  return nb::make_tuple(vec(e.values), mat(e.vectors, static_cast<size_t>(n), cols));
}

}  // namespace

SKACCEL_BINDINGS(decomposition) {
  m.def("centered_right_singular", &centered_right_singular<double>, "X"_a, "mean"_a,
        "n_threads"_a);
  m.def("centered_right_singular", &centered_right_singular<float>, "X"_a, "mean"_a, "n_threads"_a);
  // The k largest eigenpairs: (eigenvalues ascending (k,), eigenvectors as columns (p, k)).
  m.def(
      "symmetric_eigen_top", [](In64 A, std::int64_t k) { return eigen(A, k, true); }, "A"_a,
      "k"_a);
  // (eigenvalues ascending (p,), eigenvectors as columns (p, p)) of a symmetric matrix.
  m.def("symmetric_eigen", [](In64 A) { return eigen(A, 0, false); }, "A"_a);
}

}  // namespace skaccel::bindings

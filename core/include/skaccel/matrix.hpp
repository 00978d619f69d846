#pragma once
// Non-owning strided 2-D views. The core never copies a caller's data wholesale: kernels
// read through views and gather row blocks into small thread-local buffers when they
// need a contiguous or converted layout.
#include <cstddef>
#include <cstdint>

#include "skaccel/errors.hpp"

namespace skaccel {

template <class T>
struct MatrixView {
  T* data = nullptr;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t row_stride = 0;  // in elements
  std::int64_t col_stride = 0;  // in elements

  MatrixView() = default;
  MatrixView(T* d, std::int64_t r, std::int64_t c, std::int64_t rs, std::int64_t cs)
      : data(d), rows(r), cols(c), row_stride(rs), col_stride(cs) {}

  static MatrixView row_major(T* d, std::int64_t r, std::int64_t c) {
    return MatrixView(d, r, c, c, 1);
  }

  T& operator()(std::int64_t i, std::int64_t j) const {
    return data[i * row_stride + j * col_stride];
  }
  T* row(std::int64_t i) const { return data + i * row_stride; }
  bool is_row_contiguous() const { return col_stride == 1 || cols <= 1; }
  bool is_c_contiguous() const { return is_row_contiguous() && (row_stride == cols || rows <= 1); }

  // Allow MatrixView<T> -> MatrixView<const T>.
  operator MatrixView<const T>() const { return {data, rows, cols, row_stride, col_stride}; }
};

template <class T>
using ConstMatrixView = MatrixView<const T>;

}  // namespace skaccel

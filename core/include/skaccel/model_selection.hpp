#pragma once
// Row gathers for train_test_split: the rows a split selects, copied in parallel from a
// strided matrix into a new one of the same element type.
#include <cstddef>
#include <cstdint>

namespace skaccel::model_selection {

// A matrix of elements of `itemsize` bytes: element (i, j) at data + i·row_stride +
// j·col_stride (strides in bytes, any sign).
struct ByteMatrix {
  const std::byte* data = nullptr;
  std::int64_t rows = 0, cols = 0, itemsize = 0, row_stride = 0, col_stride = 0;
};

struct MutableByteMatrix {
  std::byte* data = nullptr;
  std::int64_t rows = 0, cols = 0, itemsize = 0, row_stride = 0, col_stride = 0;
};

// out row r = src row index[r], for r < out.rows (out has src's cols and itemsize). An
// index outside [0, src.rows) is an InvalidArgument, raised before anything is copied.
void gather_rows(const ByteMatrix& src, const std::int64_t* index, std::int64_t index_stride,
                 const MutableByteMatrix& out, int n_threads);

}  // namespace skaccel::model_selection

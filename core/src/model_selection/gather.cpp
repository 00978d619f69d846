// Parallel row gather (skaccel/model_selection.hpp).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "skaccel/errors.hpp"
#include "skaccel/model_selection.hpp"
#include "skaccel/threading.hpp"

namespace skaccel::model_selection {
namespace {

// Bytes a thread must copy before another thread is used.
constexpr std::int64_t kGrainBytes = std::int64_t(1) << 20;

// Element by element, for rows that are not contiguous on both sides; E is a trivially
// copyable type of the element's size, so that the copy is one load and one store.
template <class E>
void copy_strided_rows(const ByteMatrix& src, const std::int64_t* index, std::int64_t index_stride,
                       const MutableByteMatrix& out, std::int64_t begin, std::int64_t end) {
  for (std::int64_t r = begin; r < end; ++r) {
    const std::byte* from = src.data + index[r * index_stride] * src.row_stride;
    std::byte* to = out.data + r * out.row_stride;
    for (std::int64_t j = 0; j < src.cols; ++j) {
      E value;
      std::memcpy(&value, from + j * src.col_stride, sizeof(E));
      std::memcpy(to + j * out.col_stride, &value, sizeof(E));
    }
  }
}

// Column by column, for column-major data (a DataFrame's block): the random reads of one
// pass stay within one column (a few MB, cache-resident, where a row-by-row pass over
// every column at once misses in DRAM), and the writes are sequential.
template <class E>
void copy_column_major_rows(const ByteMatrix& src, const std::int64_t* index,
                            std::int64_t index_stride, const MutableByteMatrix& out,
                            std::int64_t begin, std::int64_t end) {
  for (std::int64_t j = 0; j < src.cols; ++j) {
    const std::byte* column = src.data + j * src.col_stride;
    std::byte* to = out.data + j * out.col_stride;
    for (std::int64_t r = begin; r < end; ++r) {
      E value;
      std::memcpy(&value, column + index[r * index_stride] * src.row_stride, sizeof(E));
      std::memcpy(to + r * out.row_stride, &value, sizeof(E));
    }
  }
}

struct Element16 {
  unsigned char bytes[16];
};

template <class E>
void copy_rows(bool by_column, const ByteMatrix& src, const std::int64_t* index,
               std::int64_t index_stride, const MutableByteMatrix& out, std::int64_t begin,
               std::int64_t end) {
  if (by_column)
    copy_column_major_rows<E>(src, index, index_stride, out, begin, end);
  else
    copy_strided_rows<E>(src, index, index_stride, out, begin, end);
}

}  // namespace

void gather_rows(const ByteMatrix& src, const std::int64_t* index, std::int64_t index_stride,
                 const MutableByteMatrix& out, int n_threads) {
  if (src.cols != out.cols || src.itemsize != out.itemsize || src.itemsize <= 0)
    throw InvalidArgument("the gathered rows do not match the source's shape or element size");
  if (out.rows > 0 && !index) throw InvalidArgument("the row index is missing");
  const std::int64_t m = out.rows;
  for (std::int64_t r = 0; r < m; ++r) {
    const std::int64_t i = index[r * index_stride];
    if (i < 0 || i >= src.rows) throw InvalidArgument("a row index is out of range");
  }
  if (m == 0 || src.cols == 0) return;
  const std::int64_t row_bytes = src.cols * src.itemsize;
  const bool contiguous_rows = (src.cols == 1 || src.col_stride == src.itemsize) &&
                               (out.cols == 1 || out.col_stride == out.itemsize);
  const int tasks = static_cast<int>(
      std::clamp<std::int64_t>(m * row_bytes / kGrainBytes, 1, std::max(1, n_threads)));
  parallel_tasks(tasks, [&](int t) {
    const std::int64_t begin = m * t / tasks, end = m * (t + 1) / tasks;
    if (contiguous_rows) {
      for (std::int64_t r = begin; r < end; ++r)
        std::memcpy(out.data + r * out.row_stride,
                    src.data + index[r * index_stride] * src.row_stride,
                    static_cast<std::size_t>(row_bytes));
      return;
    }
    // A column-major source is read column by column (see copy_column_major_rows); a
    // row-major one row by row, whatever the output's layout.
    const bool by_column = src.cols > 1 && std::abs(src.row_stride) < std::abs(src.col_stride);
    switch (src.itemsize) {
      case 1:
        return copy_rows<std::uint8_t>(by_column, src, index, index_stride, out, begin, end);
      case 2:
        return copy_rows<std::uint16_t>(by_column, src, index, index_stride, out, begin, end);
      case 4:
        return copy_rows<std::uint32_t>(by_column, src, index, index_stride, out, begin, end);
      case 8:
        return copy_rows<std::uint64_t>(by_column, src, index, index_stride, out, begin, end);
      case 16:
        return copy_rows<Element16>(by_column, src, index, index_stride, out, begin, end);
      default:  // other element sizes: a memcpy per element, row by row
        for (std::int64_t r = begin; r < end; ++r) {
          const std::byte* from = src.data + index[r * index_stride] * src.row_stride;
          std::byte* to = out.data + r * out.row_stride;
          for (std::int64_t j = 0; j < src.cols; ++j)
            std::memcpy(to + j * out.col_stride, from + j * src.col_stride,
                        static_cast<std::size_t>(src.itemsize));
        }
    }
  });
}

}  // namespace skaccel::model_selection

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

namespace skaccel::model_selection {

// The state of a Mersenne Twister MT19937 as NumPy's bit generator holds it: 624 words and
// the position of the next one to temper (624: the block is spent and is regenerated first).
struct MT19937State {
  static constexpr int kWords = 624;
  std::uint32_t key[kWords];
  int pos = kWords;
};

// NumPy's legacy RandomState.permutation(n) continued from `state`: out = 0..n-1 shuffled
// by the same Fisher–Yates walk and the same bounded draws (mask rejection on 32-bit
// words), so the permutation is NumPy's, number for number, and `state` is left where
// NumPy's would be. n must be below 2³² (larger bounds draw 64-bit words, not served).
void legacy_permutation(MT19937State& state, std::int64_t* out, std::int64_t n);

}  // namespace skaccel::model_selection

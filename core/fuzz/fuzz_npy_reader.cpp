// libFuzzer: the .npy parser of the command-line tools (parse_npy) and the conversion of
// what it accepts to a float matrix. ArrayFileError is the expected outcome for bad input;
// anything else (another exception, a crash, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "array_io.hpp"

namespace {

template <class T>
T sum(const skaccel::tools::NpyArray& a) {
  std::vector<T> scratch;
  const auto X = skaccel::tools::npy_matrix<T>(a, scratch);
  T s = 0;
  for (std::int64_t i = 0; i < X.rows; ++i)
    for (std::int64_t j = 0; j < X.cols; ++j) s += X(i, j);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const skaccel::tools::NpyArray a = skaccel::tools::parse_npy(data, size);
    if (a.bytes.size() != a.header.data_size) __builtin_trap();
    volatile double d = sum<double>(a);
    volatile float f = sum<float>(a);
    (void)d;
    (void)f;
  } catch (const skaccel::tools::ArrayFileError&) {
  }
  return 0;
}

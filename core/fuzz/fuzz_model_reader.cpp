// libFuzzer: the model-file reader (Model::from_bytes) and predict on what it accepts.
//
// Each input is read twice:
//  1. as given, with checksums verified: what a reader does with an untrusted file;
//  2. with the header CRC-32C recomputed and without tensor checksums, so that mutations
//     of the header reach the JSON parser and the schema validation instead of stopping
//     at the checksum, and damaged tensors reach predict.
// A loaded model predicts one row of zeros. skaccel::Error (FormatError and the
// InvalidArgument of predict) is the expected outcome for bad input; any other exception,
// a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "skaccel/checksum.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/model_file.hpp"

namespace {

using skaccel::model_file::Model;

// Every registered inference method of the model's type, on one row of zeros (the
// reader must have refused whatever would make a kernel read out of bounds).
template <class T>
void run_methods(const Model& m) {
  const std::int64_t p = m.n_features();
  if (p > (1 << 20)) return;  // a valid header of a huge but empty model: nothing to read
  std::vector<T> x(static_cast<std::size_t>(p));
  for (const auto& method : m.type().methods) {
    try {
      m.run(method.name,
            skaccel::model::AnyMatrix::of(skaccel::ConstMatrixView<T>::row_major(x.data(), 1, p)),
            1);
    } catch (const skaccel::Error&) {
    }
  }
}

void exercise(const std::uint8_t* data, std::size_t size, bool verify) {
  try {
    const Model m = Model::from_bytes(data, size, verify);
    (void)m.header().estimator.size();
    if (m.dtype() == "float64")
      run_methods<double>(m);
    else
      run_methods<float>(m);
  } catch (const skaccel::Error&) {
  }
}

std::uint64_t read_le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  exercise(data, size, /*verify=*/true);
  if (size >= 24) {
    const std::uint64_t h = read_le(data + 16, 8);
    if (h <= size - 24) {
      std::vector<std::uint8_t> fixed(data, data + size);
      const std::uint32_t crc = skaccel::crc32c(fixed.data() + 24, static_cast<std::size_t>(h));
      for (int i = 0; i < 4; ++i) fixed[12 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
      exercise(fixed.data(), fixed.size(), /*verify=*/false);
    }
  }
  return 0;
}

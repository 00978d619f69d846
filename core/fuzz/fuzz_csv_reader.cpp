// libFuzzer: the CSV parser of the command-line tools, as float64 and float32, in every
// header mode; what parses must write back and re-read to the same values.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "array_io.hpp"

namespace {

template <class T>
void check(std::string_view text, skaccel::tools::CsvHeader mode) {
  using namespace skaccel::tools;
  Table<T> t;
  try {
    t = parse_csv<T>(text, mode);
  } catch (const ArrayFileError&) {
    return;
  }
  if (t.values.size() != static_cast<std::size_t>(t.rows * t.cols)) __builtin_trap();
  // Round trip: what csv_text writes reads back bit for bit (NaN payloads aside).
  const Table<T> back = parse_csv<T>(csv_text(t.values.data(), t.rows, t.cols), CsvHeader::absent);
  if (back.values.size() != t.values.size()) __builtin_trap();
  for (std::size_t k = 0; k < t.values.size(); ++k) {
    if (std::isnan(t.values[k]) && std::isnan(back.values[k])) continue;
    if (std::memcmp(&t.values[k], &back.values[k], sizeof(T)) != 0) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using skaccel::tools::CsvHeader;
  for (const CsvHeader mode : {CsvHeader::automatic, CsvHeader::present, CsvHeader::absent}) {
    check<double>(text, mode);
    check<float>(text, mode);
  }
  return 0;
}

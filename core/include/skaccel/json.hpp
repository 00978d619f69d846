#pragma once
// A small, strict JSON reader for model-file headers: bounded depth, exact 64-bit
// integers, UTF-8 strings with escapes decoded. Hostile input gives FormatError.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "skaccel/errors.hpp"

namespace skaccel {

struct Json {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  double number = 0.0;
  bool is_integer = false;  // a literal without fraction or exponent that fits int64
  std::int64_t integer = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;

  const Json* find(std::string_view key) const;  // nullptr if absent or not an object
};

Json parse_json(std::string_view text, int max_depth = 32);

// JSON text for a string value, quoted and escaped.
std::string json_quote(std::string_view s);

}  // namespace skaccel

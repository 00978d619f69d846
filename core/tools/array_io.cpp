#include "array_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>
#include <type_traits>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the array readers assume a little-endian host");

namespace skaccel::tools {
namespace {

[[noreturn]] void fail(const std::string& what) { throw ArrayFileError(what); }

std::uint64_t read_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// A POSIX file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens a regular file for reading and returns its size.
std::uint64_t open_regular(const std::string& path, Fd& f) {
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) fail("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) fail("cannot stat '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail("'" + path + "' is not a regular file");
  return static_cast<std::uint64_t>(st.st_size);
}

void read_exactly(const Fd& f, const std::string& path, std::uint64_t offset, std::uint8_t* out,
                  std::uint64_t n) {
  std::uint64_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(f.fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail("cannot read '" + path + "': " + std::strerror(errno));
    if (r == 0) fail("cannot read '" + path + "': the file shrank while it was read");
    done += static_cast<std::uint64_t>(r);
  }
}

// --- the .npy header dictionary --------------------------------------------------------
//
// The grammar numpy writes (and a little slack: either quote, blanks anywhere, a trailing
// comma, Python 2's "3L"): { key : value (, key : value)* ,? } where the keys are exactly
// 'descr' (a quoted dtype string), 'fortran_order' (True/False) and 'shape' (a tuple of
// non-negative integers, a 1-tuple with its trailing comma).
class NpyDictParser {
 public:
  NpyDictParser(std::string_view text, const std::string& name) : s_(text), name_(name) {}

  void parse(NpyHeader& h) {
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    expect('{');
    if (!eat('}')) {
      for (;;) {
        const std::size_t key_pos = (skip_ws(), pos_);
        const std::string key = quoted();
        expect(':');
        if (key == "descr") {
          if (seen_descr) fail_at("duplicate key 'descr'", key_pos);
          seen_descr = true;
          h.dtype = dtype(quoted());
        } else if (key == "fortran_order") {
          if (seen_fortran) fail_at("duplicate key 'fortran_order'", key_pos);
          seen_fortran = true;
          h.fortran_order = boolean();
        } else if (key == "shape") {
          if (seen_shape) fail_at("duplicate key 'shape'", key_pos);
          seen_shape = true;
          h.shape = tuple();
        } else {
          fail_at("unexpected key '" + key + "'", key_pos);
        }
        if (eat(',')) {
          if (eat('}')) break;
          continue;
        }
        if (eat('}')) break;
        fail_here("expected ',' or '}'");
      }
    }
    skip_ws();
    if (pos_ != s_.size()) fail_here("unexpected characters after the dictionary");
    if (!seen_descr) fail_here("the key 'descr' is missing");
    if (!seen_fortran) fail_here("the key 'fortran_order' is missing");
    if (!seen_shape) fail_here("the key 'shape' is missing");
  }

 private:
  [[noreturn]] void fail_at(const std::string& what, std::size_t at) const {
    fail(name_ + ": invalid .npy header: " + what + " (at header byte " + std::to_string(at) + ")");
  }
  [[noreturn]] void fail_here(const std::string& what) const { fail_at(what, pos_); }

  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail_here(std::string("expected '") + c + "'");
  }

  std::string quoted() {
    skip_ws();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"'))
      fail_here("expected a quoted string");
    const char q = s_[pos_++];
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c < 0x20 || c > 0x7E || c == '\\') fail_here("unsupported character in a string");
      ++pos_;
    }
    if (pos_ >= s_.size()) fail_here("unterminated string");
    return std::string(s_.substr(start, pos_++ - start));
  }

  ElementType dtype(const std::string& d) const {
    if (d == "<f8") return ElementType::float64;
    if (d == "<f4") return ElementType::float32;
    if (d == "<i8") return ElementType::int64;
    if (d == "<i4") return ElementType::int32;
    fail(name_ + ": unsupported .npy dtype '" + d +
         "' (supported: '<f8', '<f4', '<i8', '<i4': little-endian float64, float32, int64, "
         "int32)");
  }

  bool boolean() {
    skip_ws();
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail_here("fortran_order must be True or False");
  }

  std::int64_t integer() {
    skip_ws();
    const std::size_t start = pos_;
    std::uint64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(s_[pos_] - '0');
      if (v > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - digit) / 10)
        fail_at("a dimension is too large", start);
      v = v * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) fail_here("expected a non-negative integer dimension");
    if (pos_ - start > 1 && s_[start] == '0') fail_at("a dimension has a leading zero", start);
    if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 long
    return static_cast<std::int64_t>(v);
  }

  std::vector<std::int64_t> tuple() {
    expect('(');
    std::vector<std::int64_t> shape;
    if (eat(')')) return shape;
    for (;;) {
      if (shape.size() == kMaxNpyDims)
        fail_here("more than " + std::to_string(kMaxNpyDims) + " dimensions");
      shape.push_back(integer());
      if (eat(',')) {
        if (eat(')')) break;
        continue;
      }
      if (eat(')')) {
        if (shape.size() == 1) fail_here("shape must be a tuple: (n,) and not (n)");
        break;
      }
      fail_here("expected ',' or ')' in shape");
    }
    return shape;
  }

  std::string_view s_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

// float64 -> float32 as NumPy's astype does (IEEE round to nearest, overflow to ±inf),
// without the undefined behaviour of a static_cast out of float's range.
template <class To, class From>
To convert(From v) {
  if constexpr (std::is_same_v<To, float> && std::is_same_v<From, double>) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    if (std::fabs(v) >= 0x1.ffffffp127) return std::signbit(v) ? -inf : inf;
  }
  return static_cast<To>(v);
}

template <class T, class From>
void convert_elements(const NpyArray& a, std::int64_t rows, std::int64_t cols,
                      std::vector<T>& out) {
  const auto* src = reinterpret_cast<const From*>(a.bytes.data());
  out.resize(static_cast<std::size_t>(rows * cols));
  if (!a.header.fortran_order) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = convert<T>(src[k]);
  } else {
    for (std::int64_t j = 0; j < cols; ++j)
      for (std::int64_t i = 0; i < rows; ++i) out[i * cols + j] = convert<T>(src[j * rows + i]);
  }
}

// --- CSV -------------------------------------------------------------------------------

bool blank(char c) { return c == ' ' || c == '\t'; }

// Splits one line into unquoted, trimmed cells.
void split_cells(std::string_view line, std::int64_t line_no, const std::string& name,
                 std::vector<std::string>& cells) {
  cells.clear();
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && blank(line[i])) ++i;
    std::string cell;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size())
          fail(name + ": line " + std::to_string(line_no) + ", column " +
               std::to_string(cells.size() + 1) + ": unterminated quote");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cell += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cell += line[i++];
      }
      while (i < line.size() && blank(line[i])) ++i;
      if (i < line.size() && line[i] != ',')
        fail(name + ": line " + std::to_string(line_no) + ", column " +
             std::to_string(cells.size() + 1) + ": unexpected character after a closing quote");
    } else {
      const std::size_t start = i;
      while (i < line.size() && line[i] != ',') ++i;
      std::size_t end = i;
      while (end > start && blank(line[end - 1])) --end;
      cell.assign(line.substr(start, end - start));
    }
    cells.push_back(std::move(cell));
    if (i >= line.size()) return;
    ++i;  // the comma
  }
}

enum class NumberStatus { ok, not_a_number, overflow };

template <class T>
NumberStatus parse_number(std::string_view s, T& out) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return NumberStatus::not_a_number;
  }
  if (s.empty()) return NumberStatus::not_a_number;
  const char* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, out, std::chars_format::general);
  if (r.ptr != end) return NumberStatus::not_a_number;
  if (r.ec == std::errc()) return NumberStatus::ok;
  if (r.ec != std::errc::result_out_of_range) return NumberStatus::not_a_number;
  // Out of range: an overflow is an error, an underflow gives the rounded value (0 or a
  // subnormal), as strtod does. The text is a valid number, so strtod parses all of it.
  const std::string copy(s);
  errno = 0;
  const T v = std::is_same_v<T, float> ? static_cast<T>(std::strtof(copy.c_str(), nullptr))
                                       : static_cast<T>(std::strtod(copy.c_str(), nullptr));
  if (std::isinf(v)) return NumberStatus::overflow;
  out = v;
  return NumberStatus::ok;
}

template <class T>
void append_number(std::string& out, T v) {
  if constexpr (std::is_integral_v<T>) {
    out += std::to_string(v);
    return;
  } else {
    if (std::isnan(v)) {
      out += "nan";
      return;
    }
    if (std::isinf(v)) {
      out += v < 0 ? "-inf" : "inf";
      return;
    }
    char buf[64];
    const int n = std::snprintf(buf, sizeof buf, "%.*g", std::numeric_limits<T>::max_digits10,
                                static_cast<double>(v));
    out.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

std::size_t element_size(ElementType t) {
  return (t == ElementType::float64 || t == ElementType::int64) ? 8 : 4;
}

const char* element_name(ElementType t) {
  switch (t) {
    case ElementType::float32:
      return "float32";
    case ElementType::float64:
      return "float64";
    case ElementType::int32:
      return "int32";
    case ElementType::int64:
      return "int64";
  }
  return "?";
}

const char* npy_descr(ElementType t) {
  switch (t) {
    case ElementType::float32:
      return "<f4";
    case ElementType::float64:
      return "<f8";
    case ElementType::int32:
      return "<i4";
    case ElementType::int64:
      return "<i8";
  }
  return "?";
}

template <>
ElementType element_type_of<float>() {
  return ElementType::float32;
}
template <>
ElementType element_type_of<double>() {
  return ElementType::float64;
}
template <>
ElementType element_type_of<std::int64_t>() {
  return ElementType::int64;
}
template <>
ElementType element_type_of<std::int32_t>() {
  return ElementType::int32;
}

// --- .npy ------------------------------------------------------------------------------

std::uint64_t npy_required_prefix(const std::uint8_t* p, std::uint64_t available,
                                  std::uint64_t file_size, const std::string& name) {
  static const std::uint8_t magic[kNpyMagicSize] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  const std::uint64_t have = std::min(available, file_size);
  const auto compare = static_cast<std::size_t>(std::min<std::uint64_t>(have, kNpyMagicSize));
  if (compare > 0 && std::memcmp(p, magic, compare) != 0)
    fail(name + ": not a .npy file (wrong magic bytes)");
  if (have < 8) fail(name + ": not a .npy file (shorter than its magic string and version)");
  const int major = p[6], minor = p[7];
  if (major < 1 || major > 3 || minor != 0)
    fail(name + ": unsupported .npy format version " + std::to_string(major) + "." +
         std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  const std::uint64_t len_size = major == 1 ? 2 : 4;
  if (have < 8 + len_size) fail(name + ": truncated .npy file (no header length)");
  const std::uint64_t header_len = read_le(p + 8, static_cast<int>(len_size));
  if (header_len > kMaxNpyHeaderSize)
    fail(name + ": .npy header length " + std::to_string(header_len) + " exceeds the limit of " +
         std::to_string(kMaxNpyHeaderSize) + " bytes");
  const std::uint64_t need = 8 + len_size + header_len;
  if (need > file_size) fail(name + ": truncated .npy file (the header runs past the end)");
  return need;
}

NpyHeader parse_npy_header(const std::uint8_t* p, std::uint64_t available, std::uint64_t file_size,
                           const std::string& name) {
  const std::uint64_t need = npy_required_prefix(p, available, file_size, name);
  if (available < need) fail(name + ": truncated .npy header");
  NpyHeader h;
  h.major = p[6];
  h.minor = p[7];
  h.data_offset = need;
  const std::uint64_t len_size = h.major == 1 ? 2 : 4;
  const std::string_view text(reinterpret_cast<const char*>(p + 8 + len_size),
                              static_cast<std::size_t>(need - 8 - len_size));
  NpyDictParser(text, name).parse(h);
  std::uint64_t count = 1;
  for (const std::int64_t d : h.shape)
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(d), &count))
      fail(name + ": .npy shape " + shape_text(h.shape) + " is too large");
  std::uint64_t nbytes = 0;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(element_size(h.dtype)), &nbytes))
    fail(name + ": .npy shape " + shape_text(h.shape) + " is too large");
  const std::uint64_t present = file_size - h.data_offset;
  if (nbytes > present)
    fail(name + ": truncated .npy file: shape " + shape_text(h.shape) + " of " +
         element_name(h.dtype) + " needs " + std::to_string(nbytes) +
         " bytes of data, the file has " + std::to_string(present));
  if (nbytes < present)
    fail(name + ": .npy file has " + std::to_string(present - nbytes) +
         " unexpected bytes after the array data");
  h.count = count;
  h.data_size = nbytes;
  return h;
}

NpyArray parse_npy(const std::uint8_t* data, std::size_t size, const std::string& name) {
  NpyArray a;
  a.header = parse_npy_header(data, size, size, name);
  a.bytes.assign(data + a.header.data_offset, data + a.header.data_offset + a.header.data_size);
  return a;
}

NpyArray read_npy(const std::string& path) {
  Fd f;
  const std::uint64_t size = open_regular(path, f);
  const std::uint64_t head = std::min<std::uint64_t>(size, 12 + kMaxNpyHeaderSize);
  std::vector<std::uint8_t> prefix(static_cast<std::size_t>(head));
  read_exactly(f, path, 0, prefix.data(), head);
  NpyArray a;
  a.header = parse_npy_header(prefix.data(), head, size, "'" + path + "'");
  // The header checked data_size == size - data_offset, so this is bounded by the file.
  a.bytes.resize(static_cast<std::size_t>(a.header.data_size));
  read_exactly(f, path, a.header.data_offset, a.bytes.data(), a.header.data_size);
  return a;
}

namespace {

// The .npy prefix and header of an array of `descr` and `shape`, padded to 64 bytes.
std::string npy_header(const std::string& descr, const std::vector<std::int64_t>& shape) {
  std::string dict =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  int major = 1;
  std::size_t prefix = 10;
  if (dict.size() + 1 + prefix > 65535) {
    major = 2;
    prefix = 12;
  }
  const std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.resize(total - prefix - 1, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (std::size_t i = 0; i < prefix - 8; ++i)
    out += static_cast<char>((dict.size() >> (8 * i)) & 0xFF);
  return out + dict;
}

// The code points of UTF-8 text; InvalidArgument for malformed text.
std::vector<std::uint32_t> code_points(const std::string& text) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int extra = c < 0x80           ? 0
                      : (c >> 5) == 0x6  ? 1
                      : (c >> 4) == 0xE  ? 2
                      : (c >> 3) == 0x1E ? 3
                                         : -1;
    if (extra < 0 || i + static_cast<std::size_t>(extra) >= text.size())
      throw InvalidArgument("a label is not valid UTF-8");
    std::uint32_t v = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d >> 6) != 0x2) throw InvalidArgument("a label is not valid UTF-8");
      v = (v << 6) | (d & 0x3F);
    }
    out.push_back(v);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

}  // namespace

std::string npy_bytes(ElementType dtype, const std::vector<std::int64_t>& shape, const void* data) {
  std::uint64_t count = 1;
  for (const auto d : shape) {
    if (d < 0) throw InvalidArgument("npy_bytes: negative dimension");
    count *= static_cast<std::uint64_t>(d);
  }
  const std::uint64_t nbytes = count * element_size(dtype);
  std::string out = npy_header(npy_descr(dtype), shape);
  if (nbytes) out.append(static_cast<const char*>(data), static_cast<std::size_t>(nbytes));
  return out;
}

std::string npy_string_bytes(const std::vector<std::string>& values) {
  std::vector<std::vector<std::uint32_t>> points;
  std::size_t width = 1;  // NumPy's narrowest str dtype is <U1
  for (const auto& v : values) {
    points.push_back(code_points(v));
    width = std::max(width, points.back().size());
  }
  std::string out =
      npy_header("<U" + std::to_string(width), {static_cast<std::int64_t>(values.size())});
  for (const auto& p : points)
    for (std::size_t k = 0; k < width; ++k) {
      const std::uint32_t v = k < p.size() ? p[k] : 0;
      for (int b = 0; b < 4; ++b) out += static_cast<char>((v >> (8 * b)) & 0xFF);
    }
  return out;
}

std::string csv_string_text(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (v.find_first_of(",\"\r\n") == std::string::npos && !v.empty()) {
      out += v;
    } else {  // RFC 4180 quoting (an empty label is quoted so the line is not blank)
      out += '"';
      for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    out += '\n';
  }
  return out;
}

void write_npy(const std::string& path, ElementType dtype, const std::vector<std::int64_t>& shape,
               const void* data) {
  write_file(path, npy_bytes(dtype, shape, data));
}

template <class T>
ConstMatrixView<T> npy_matrix(const NpyArray& a, std::vector<T>& scratch, const std::string& name) {
  const auto& shape = a.header.shape;
  if (shape.size() != 1 && shape.size() != 2)
    fail(name + ": expected a 1-D (one sample) or 2-D (samples × features) array, got shape " +
         shape_text(shape));
  const std::int64_t rows = shape.size() == 1 ? 1 : shape[0];
  const std::int64_t cols = shape.back();
  if (a.header.dtype == element_type_of<T>()) {
    const T* data = reinterpret_cast<const T*>(a.bytes.data());
    if (a.header.fortran_order) return ConstMatrixView<T>(data, rows, cols, 1, rows);
    return ConstMatrixView<T>(data, rows, cols, cols, 1);
  }
  switch (a.header.dtype) {
    case ElementType::float32:
      convert_elements<T, float>(a, rows, cols, scratch);
      break;
    case ElementType::float64:
      convert_elements<T, double>(a, rows, cols, scratch);
      break;
    case ElementType::int32:
      convert_elements<T, std::int32_t>(a, rows, cols, scratch);
      break;
    case ElementType::int64:
      convert_elements<T, std::int64_t>(a, rows, cols, scratch);
      break;
  }
  return ConstMatrixView<T>::row_major(scratch.data(), rows, cols);
}

// --- CSV -------------------------------------------------------------------------------

template <class T>
Table<T> parse_csv(std::string_view text, CsvHeader header, const std::string& name) {
  Table<T> t;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  std::vector<std::string> cells;
  std::int64_t line_no = 0, cols_line = 0;
  bool first = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (std::all_of(line.begin(), line.end(), blank)) continue;
    split_cells(line, line_no, name, cells);
    const auto n = static_cast<std::int64_t>(cells.size());
    if (cols_line == 0) {
      t.cols = n;
      cols_line = line_no;
    } else if (n != t.cols) {
      fail(name + ": line " + std::to_string(line_no) + " has " + std::to_string(n) +
           " values, expected " + std::to_string(t.cols) + " as on line " +
           std::to_string(cols_line) + " (ragged rows)");
    }
    if (first) {
      first = false;
      bool is_header = header == CsvHeader::present;
      if (header == CsvHeader::automatic) {
        is_header = true;
        T v;
        for (const auto& c : cells) is_header &= parse_number(c, v) == NumberStatus::not_a_number;
      }
      if (is_header) {
        t.header = cells;
        continue;
      }
    }
    for (std::int64_t j = 0; j < n; ++j) {
      T v{};
      const auto& c = cells[static_cast<std::size_t>(j)];
      switch (parse_number(c, v)) {
        case NumberStatus::ok:
          break;
        case NumberStatus::not_a_number:
          fail(name + ": line " + std::to_string(line_no) + ", column " + std::to_string(j + 1) +
               ": " + (c.empty() ? std::string("empty cell") : "'" + c + "' is not a number"));
        case NumberStatus::overflow:
          fail(name + ": line " + std::to_string(line_no) + ", column " + std::to_string(j + 1) +
               ": '" + c + "' is out of range for " + element_name(element_type_of<T>()));
      }
      t.values.push_back(v);
    }
    ++t.rows;
  }
  return t;
}

template <class T>
Table<T> read_csv(const std::string& path, CsvHeader header) {
  return parse_csv<T>(read_file(path), header, "'" + path + "'");
}

template <class T>
std::string csv_text(const T* values, std::int64_t rows, std::int64_t cols) {
  std::string out;
  out.reserve(static_cast<std::size_t>(rows * cols) * (std::numeric_limits<T>::max_digits10 + 8));
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = 0; j < cols; ++j) {
      if (j) out += ',';
      append_number(out, values[i * cols + j]);
    }
    out += '\n';
  }
  return out;
}

template <class T>
void write_csv(const std::string& path, const T* values, std::int64_t rows, std::int64_t cols) {
  write_file(path, csv_text(values, rows, cols));
}

// --- files -----------------------------------------------------------------------------

std::string read_file(const std::string& path) {
  Fd f;
  const std::uint64_t size = open_regular(path, f);
  std::string s(static_cast<std::size_t>(size), '\0');
  read_exactly(f, path, 0, reinterpret_cast<std::uint8_t*>(s.data()), size);
  return s;
}

void write_file(const std::string& path, std::string_view contents) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) fail("cannot write '" + path + "': " + std::strerror(errno));
  const bool ok = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
  const int saved = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(path.c_str());
    fail("cannot write '" + path + "': " + std::strerror(ok ? errno : saved));
  }
}

std::string extension(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string e = path.substr(dot);
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

template ConstMatrixView<float> npy_matrix<float>(const NpyArray&, std::vector<float>&,
                                                  const std::string&);
template ConstMatrixView<double> npy_matrix<double>(const NpyArray&, std::vector<double>&,
                                                    const std::string&);
template Table<float> parse_csv<float>(std::string_view, CsvHeader, const std::string&);
template Table<double> parse_csv<double>(std::string_view, CsvHeader, const std::string&);
template Table<float> read_csv<float>(const std::string&, CsvHeader);
template Table<double> read_csv<double>(const std::string&, CsvHeader);
template std::string csv_text<float>(const float*, std::int64_t, std::int64_t);
template std::string csv_text<double>(const double*, std::int64_t, std::int64_t);
template void write_csv<float>(const std::string&, const float*, std::int64_t, std::int64_t);
template void write_csv<double>(const std::string&, const double*, std::int64_t, std::int64_t);
template std::string csv_text<std::int64_t>(const std::int64_t*, std::int64_t, std::int64_t);
template void write_csv<std::int64_t>(const std::string&, const std::int64_t*, std::int64_t,
                                      std::int64_t);
template void write_csv<std::int32_t>(const std::string&, const std::int32_t*, std::int64_t,
                                      std::int64_t);

}  // namespace skaccel::tools

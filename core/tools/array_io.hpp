#pragma once
// The array files of the command-line tools: NumPy .npy (format 1.0, 2.0, 3.0) and CSV.
//
// The .npy reader treats its input as hostile: the header is bounded (kMaxNpyHeaderSize),
// its dictionary is parsed by a strict grammar (exactly the keys 'descr', 'fortran_order'
// and 'shape', nothing evaluated), and the shape's element count is checked for overflow
// and against the bytes actually present before anything is allocated. Every problem is
// an ArrayFileError (a skaccel::Error) whose message names the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/matrix.hpp"

namespace skaccel::tools {

// An array file is missing, unreadable or malformed.
class ArrayFileError : public Error {
 public:
  using Error::Error;
};

enum class ElementType { float32, float64, int32, int64 };

std::size_t element_size(ElementType t);
const char* element_name(ElementType t);  // "float32", ...
const char* npy_descr(ElementType t);     // "<f4", ...
template <class T>
ElementType element_type_of();  // float -> float32, double -> float64

// --- .npy ------------------------------------------------------------------------------

inline constexpr std::size_t kNpyMagicSize = 6;          // "\x93NUMPY"
inline constexpr std::size_t kMaxNpyHeaderSize = 16384;  // numpy itself refuses > 10000
inline constexpr std::size_t kMaxNpyDims = 64;

struct NpyHeader {
  int major = 0, minor = 0;
  ElementType dtype = ElementType::float64;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;  // () for a 0-d array
  std::uint64_t data_offset = 0;    // where the elements start
  std::uint64_t count = 0;          // product of shape
  std::uint64_t data_size = 0;      // count × element size
};

// Bytes needed to parse the header: the 8-byte magic and version first, then the whole
// header (at most 12 + kMaxNpyHeaderSize). Throws for a wrong magic or version.
std::uint64_t npy_required_prefix(const std::uint8_t* prefix, std::uint64_t available,
                                  std::uint64_t file_size, const std::string& name = "input");

// Parses the header of an .npy file of file_size bytes whose first `available` bytes are
// given (at least npy_required_prefix()). The data must be exactly data_size bytes: a
// truncated file or trailing bytes are errors. `name` is used in messages.
NpyHeader parse_npy_header(const std::uint8_t* bytes, std::uint64_t available,
                           std::uint64_t file_size, const std::string& name = "input");

struct NpyArray {
  NpyHeader header;
  std::vector<std::uint8_t> bytes;  // the elements as stored (little-endian), data_size bytes
  const std::vector<std::int64_t>& shape() const { return header.shape; }
};

// An array over a copy of the given bytes (tests and fuzzing).
NpyArray parse_npy(const std::uint8_t* data, std::size_t size, const std::string& name = "input");
NpyArray read_npy(const std::string& path);

// The .npy file for a C-order array (format 1.0, header padded to 64 bytes).
std::string npy_bytes(ElementType dtype, const std::vector<std::int64_t>& shape, const void* data);
// A 1-D .npy array of str (NumPy's '<U' dtype, UTF-32 of the UTF-8 `values`), and the
// same values as CSV lines (RFC 4180 quoting where needed).
std::string npy_string_bytes(const std::vector<std::string>& values);
std::string csv_string_text(const std::vector<std::string>& values);
void write_npy(const std::string& path, ElementType dtype, const std::vector<std::int64_t>& shape,
               const void* data);

// A 1-D (one row) or 2-D array as a rows × cols matrix of T. Without conversion (dtype is
// T's) the view points into the array, with strides for C or Fortran order; otherwise the
// elements are converted (static_cast, as NumPy's astype) into `scratch` in C order.
// Throws ArrayFileError for another number of dimensions.
template <class T>
ConstMatrixView<T> npy_matrix(const NpyArray& a, std::vector<T>& scratch,
                              const std::string& name = "input");

// --- CSV -------------------------------------------------------------------------------

// Comma-separated numbers, one row per line. Cells may be surrounded by blanks and by
// double quotes; blank lines are skipped; "nan", "inf", "-inf" are numbers.
enum class CsvHeader {
  automatic,  // the first line is a header if none of its cells is a number
  present,    // the first line is a header
  absent,     // every line is data
};

template <class T>
struct Table {
  std::int64_t rows = 0, cols = 0;
  std::vector<T> values;            // rows × cols, C order
  std::vector<std::string> header;  // column names when the file had a header line
};

// Numbers are converted straight to T (no double rounding for float). Errors give the
// 1-based line and column: ragged rows, non-numeric or out-of-range cells, unterminated
// quotes.
template <class T>
Table<T> parse_csv(std::string_view text, CsvHeader header = CsvHeader::automatic,
                   const std::string& name = "input");
template <class T>
Table<T> read_csv(const std::string& path, CsvHeader header = CsvHeader::automatic);

// One row per line, cells printed with max_digits10 significant digits so that reading
// them back gives the same values bit for bit ("nan", "inf", "-inf" for non-finite values).
template <class T>
std::string csv_text(const T* values, std::int64_t rows, std::int64_t cols);
template <class T>
void write_csv(const std::string& path, const T* values, std::int64_t rows, std::int64_t cols);

// --- files -----------------------------------------------------------------------------

std::string read_file(const std::string& path);                       // ArrayFileError if not
void write_file(const std::string& path, std::string_view contents);  // ArrayFileError if not

// The lower-cased extension of a path with its dot (".npy"), or "".
std::string extension(const std::string& path);

}  // namespace skaccel::tools

// The .npy and CSV readers and writers of the command-line tools (core/tools/array_io).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "array_io.hpp"

using namespace skaccel;
using namespace skaccel::tools;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::string temp_path(const std::string& name) {
  static int counter = 0;
  return ::testing::TempDir() + "skaccel_array_io_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + "_" + name;
}

Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// An .npy file with the given version and header dictionary text (padded like numpy's).
std::string npy_file(const std::string& dict, const std::string& data, int major = 1,
                     bool pad = true) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  if (pad) {
    const std::size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
    header.resize(total - prefix - 1, ' ');
    header += '\n';
  }
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (std::size_t i = 0; i < prefix - 8; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

template <class T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

NpyArray parse(const std::string& file) {
  return parse_npy(reinterpret_cast<const std::uint8_t*>(file.data()), file.size());
}

#define EXPECT_ARRAY_ERROR(statement, substring)                                      \
  do {                                                                                \
    try {                                                                             \
      statement;                                                                      \
      ADD_FAILURE() << "no ArrayFileError, expected one mentioning: " << (substring); \
    } catch (const ArrayFileError& e) {                                               \
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos)             \
          << "message: " << e.what();                                                 \
    }                                                                                 \
  } while (0)

const std::string kDict34 = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";

// --- .npy: valid files -----------------------------------------------------------------

TEST(Npy, WriterOutputParsesBackForEveryDtypeAndShape) {
  const std::vector<std::vector<std::int64_t>> shapes = {{}, {0}, {5}, {3, 4}, {0, 3}, {2, 1, 3}};
  for (const auto& shape : shapes) {
    std::int64_t count = 1;
    for (auto d : shape) count *= d;
    std::vector<double> d(static_cast<std::size_t>(count));
    for (std::size_t k = 0; k < d.size(); ++k) d[k] = 0.5 * static_cast<double>(k) - 1;
    std::vector<float> f(d.begin(), d.end());
    std::vector<std::int64_t> l(d.size());
    std::vector<std::int32_t> i(d.size());
    for (std::size_t k = 0; k < d.size(); ++k) l[k] = i[k] = static_cast<std::int32_t>(k) - 3;
    const struct {
      ElementType t;
      const void* p;
    } cases[] = {{ElementType::float64, d.data()},
                 {ElementType::float32, f.data()},
                 {ElementType::int64, l.data()},
                 {ElementType::int32, i.data()}};
    for (const auto& c : cases) {
      const std::string file = npy_bytes(c.t, shape, c.p);
      EXPECT_EQ(file.size() % 64, static_cast<std::size_t>(count) * element_size(c.t) % 64);
      const NpyArray a = parse(file);
      EXPECT_EQ(a.header.major, 1);
      EXPECT_EQ(a.header.dtype, c.t);
      EXPECT_FALSE(a.header.fortran_order);
      EXPECT_EQ(a.shape(), shape);
      EXPECT_EQ(a.header.data_offset % 64, 0u);
      EXPECT_EQ(a.header.count, static_cast<std::uint64_t>(count));
      ASSERT_EQ(a.bytes.size(), static_cast<std::size_t>(count) * element_size(c.t));
      if (count) EXPECT_EQ(std::memcmp(a.bytes.data(), c.p, a.bytes.size()), 0);
    }
  }
}

TEST(Npy, AcceptsVersions2And3AndHeaderVariants) {
  const std::vector<double> v(12, 1.5);
  for (const int major : {1, 2, 3}) {
    for (const std::string dict :
         {kDict34, std::string("{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (3, 4)}"),
          std::string("{'shape':(3,4),'fortran_order':False,'descr':'<f8'}"),
          std::string("{ 'descr' : '<f8' ,\n 'fortran_order' : False , 'shape' : ( 3 , 4 , ) , }"),
          std::string("{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 4L), }")}) {
      const NpyArray a = parse(npy_file(dict, raw(v), major));
      EXPECT_EQ(a.header.major, major);
      EXPECT_EQ(a.shape(), (std::vector<std::int64_t>{3, 4})) << dict;
    }
  }
  // Not padded, no newline: numpy would read it too.
  EXPECT_EQ(parse(npy_file(kDict34, raw(v), 1, false)).shape().size(), 2u);
}

TEST(Npy, FortranOrderAndConversions) {
  // A 2×3 matrix [[0, 1, 2], [10, 11, 12]] stored in Fortran order.
  const std::vector<double> fortran = {0, 10, 1, 11, 2, 12};
  const NpyArray a =
      parse(npy_file("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", raw(fortran)));
  EXPECT_TRUE(a.header.fortran_order);
  std::vector<double> scratch;
  const ConstMatrixView<double> view = npy_matrix<double>(a, scratch);
  EXPECT_TRUE(scratch.empty());  // a view into the array, no copy
  std::vector<float> fscratch;
  const ConstMatrixView<float> fview = npy_matrix<float>(a, fscratch);
  EXPECT_EQ(fview.row_stride, 3);  // converted to C order
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j) {
      EXPECT_EQ(view(i, j), 10 * i + j);
      EXPECT_EQ(fview(i, j), static_cast<float>(10 * i + j));
    }
  // Integers become the model's float type.
  const std::vector<std::int64_t> l = {-3, 1LL << 40, 7};
  std::vector<double> ds;
  const auto lv = npy_matrix<double>(parse(npy_bytes(ElementType::int64, {3}, l.data())), ds);
  EXPECT_EQ(lv.rows, 1);  // 1-D: one sample
  EXPECT_EQ(lv.cols, 3);
  EXPECT_EQ(lv(0, 1), std::ldexp(1.0, 40));
  const std::vector<std::int32_t> i32 = {-5, 6};
  std::vector<float> fs;
  const auto iv = npy_matrix<float>(parse(npy_bytes(ElementType::int32, {2, 1}, i32.data())), fs);
  EXPECT_EQ(iv(0, 0), -5.0f);
  EXPECT_EQ(iv(1, 0), 6.0f);
  // float64 -> float32 rounds to nearest and overflows to ±inf, as NumPy's astype.
  const std::vector<double> big = {1e300, -1e300, 0x1.fffffefffffffp127, 0x1.ffffffp127, 0.1};
  const auto bv = npy_matrix<float>(parse(npy_bytes(ElementType::float64, {5}, big.data())), fs);
  EXPECT_EQ(bv(0, 0), std::numeric_limits<float>::infinity());
  EXPECT_EQ(bv(0, 1), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(bv(0, 2), std::numeric_limits<float>::max());
  EXPECT_EQ(bv(0, 3), std::numeric_limits<float>::infinity());
  EXPECT_EQ(bv(0, 4), 0.1f);
  // Only 1-D and 2-D arrays are matrices.
  const double one = 1;
  EXPECT_ARRAY_ERROR(npy_matrix<double>(parse(npy_bytes(ElementType::float64, {}, &one)), ds),
                     "1-D");
  const std::vector<double> cube(8);
  EXPECT_ARRAY_ERROR(
      npy_matrix<double>(parse(npy_bytes(ElementType::float64, {2, 2, 2}, cube.data())), ds),
      "shape (2, 2, 2)");
}

TEST(Npy, FilesRoundTripAndReportMissingFiles) {
  const std::string path = temp_path("a.npy");
  const std::vector<float> v = {1, 2, 3, 4, 5, 6};
  write_npy(path, ElementType::float32, {2, 3}, v.data());
  const NpyArray a = read_npy(path);
  EXPECT_EQ(a.shape(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(a.bytes.data(), v.data(), 24), 0);
  std::remove(path.c_str());
  EXPECT_ARRAY_ERROR(read_npy(path), "No such file");
  EXPECT_ARRAY_ERROR(read_npy(::testing::TempDir()), "not a regular file");
  EXPECT_ARRAY_ERROR(write_npy("/nonexistent-dir/a.npy", ElementType::float32, {1}, v.data()),
                     "cannot write");
}

// --- .npy: hostile files ---------------------------------------------------------------

TEST(NpyHostile, WrongMagicAndVersions) {
  const std::vector<double> v(12);
  const std::string good = npy_file(kDict34, raw(v));
  for (std::size_t i = 0; i < 6; ++i) {
    std::string b = good;
    b[i] = static_cast<char>(b[i] ^ 0x20);
    EXPECT_ARRAY_ERROR(parse(b), "wrong magic");
  }
  EXPECT_ARRAY_ERROR(parse("PK\x03\x04"), "wrong magic");  // a .npz
  for (const auto& [major, minor] : {std::pair{0, 0}, {4, 0}, {1, 1}, {2, 5}, {255, 255}}) {
    std::string b = good;
    b[6] = static_cast<char>(major);
    b[7] = static_cast<char>(minor);
    EXPECT_ARRAY_ERROR(parse(b), "unsupported .npy format version");
  }
}

TEST(NpyHostile, EveryTruncationIsRejected) {
  const std::vector<double> v(12, 2.0);
  for (const int major : {1, 2}) {
    const std::string good = npy_file(kDict34, raw(v), major);
    for (std::size_t len = 0; len < good.size(); ++len)
      EXPECT_THROW(parse(good.substr(0, len)), ArrayFileError) << "length " << len;
    EXPECT_ARRAY_ERROR(parse(good + "x"), "unexpected bytes after the array data");
  }
}

TEST(NpyHostile, HeaderLengthIsBounded) {
  const std::vector<double> v(12);
  std::string b = npy_file(kDict34, raw(v), 2);
  for (const std::uint32_t len :
       {0xFFFFFFFFu, 1u << 31, static_cast<std::uint32_t>(kMaxNpyHeaderSize + 1)}) {
    for (int i = 0; i < 4; ++i) b[8 + i] = static_cast<char>((len >> (8 * i)) & 0xFF);
    EXPECT_ARRAY_ERROR(parse(b), "exceeds the limit");
  }
  // Within the limit but past the end of the file.
  const std::uint32_t len = static_cast<std::uint32_t>(kMaxNpyHeaderSize);
  for (int i = 0; i < 4; ++i) b[8 + i] = static_cast<char>((len >> (8 * i)) & 0xFF);
  EXPECT_ARRAY_ERROR(parse(b), "runs past the end");
  // A long but legal header (numpy pads some headers) is fine.
  const std::string padded =
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }" + std::string(9000, ' ');
  EXPECT_EQ(parse(npy_file(padded, raw(v), 2)).shape().size(), 2u);
}

TEST(NpyHostile, StrictDictionary) {
  const std::vector<double> v(12);
  const std::string data = raw(v);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "expected '{'"},
      {"{}", "'descr' is missing"},
      {"{'descr': '<f8', 'fortran_order': False}", "'shape' is missing"},
      {"{'descr': '<f8', 'shape': (3, 4)}", "'fortran_order' is missing"},
      {"{'fortran_order': False, 'shape': (3, 4)}", "'descr' is missing"},
      {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}", "duplicate"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'x': 1}", "unexpected key 'x'"},
      {"{'descr': '>f8', 'fortran_order': False, 'shape': (3, 4)}", "unsupported .npy dtype '>f8'"},
      {"{'descr': '|O', 'fortran_order': False, 'shape': (3, 4)}", "unsupported .npy dtype"},
      {"{'descr': '<c16', 'fortran_order': False, 'shape': (3, 4)}", "unsupported .npy dtype"},
      {"{'descr': '<f2', 'fortran_order': False, 'shape': (3, 4)}", "unsupported .npy dtype"},
      {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3, 4)}", "quoted string"},
      {"{'descr': '<f8', 'fortran_order': true, 'shape': (3, 4)}", "True or False"},
      {"{'descr': '<f8', 'fortran_order': 0, 'shape': (3, 4)}", "True or False"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (12)}", "(n,) and not (n)"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': [3, 4]}", "expected '('"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 4)}", "non-negative integer"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3.0, 4)}", "expected ',' or ')'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (03, 4)}", "leading zero"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3,, 4)}", "non-negative integer"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)", "expected ',' or '}'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}}", "after the dictionary"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)} x", "after the dictionary"},
      {"{'descr': '<f8' 'fortran_order': False, 'shape': (3, 4)}", "expected ',' or '}'"},
      {"{'descr: '<f8', 'fortran_order': False, 'shape': (3, 4)}", "expected ':'"},
      {"{'descr': '<f8\\x00', 'fortran_order': False, 'shape': (3, 4)}", "unsupported character"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4),, }", "quoted string"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 4)}", "too large"},
      {std::string("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}\0", 58),
       "after the dictionary"},
      {"{'descr': '<f\xc3\xa9', 'fortran_order': False, 'shape': (3, 4)}", "unsupported character"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': ('3', 4)}", "non-negative integer"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'shape': (3, 4)}", "duplicate"},
      {"{'descr': '<f8', 'fortran_order': False, 'fortran_order': False, 'shape': (3, 4)}",
       "duplicate"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4L5)}", "expected ',' or ')'"},
  };
  for (const auto& [dict, what] : bad) EXPECT_ARRAY_ERROR(parse(npy_file(dict, data)), what);
  std::string many = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < 65; ++i) many += "1, ";
  EXPECT_ARRAY_ERROR(parse(npy_file(many + ")}", "")), "more than 64 dimensions");
}

TEST(NpyHostile, ShapesAreCheckedAgainstTheFileBeforeAllocating) {
  const std::vector<double> v(12);
  auto with_shape = [&](const std::string& shape) {
    return npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }", raw(v));
  };
  EXPECT_ARRAY_ERROR(parse(with_shape("(1099511627776, 1099511627776)")), "too large");
  EXPECT_ARRAY_ERROR(parse(with_shape("(4294967296, 4294967296, 4294967296)")), "too large");
  EXPECT_ARRAY_ERROR(parse(with_shape("(9223372036854775807,)")), "too large");  // × 8 bytes
  EXPECT_ARRAY_ERROR(parse(with_shape("(1099511627776,)")), "truncated");
  EXPECT_ARRAY_ERROR(parse(with_shape("(3, 5)")), "truncated");
  EXPECT_ARRAY_ERROR(parse(with_shape("(3, 3)")), "unexpected bytes");
  // Zero-sized dimensions multiply to 0 even next to huge ones: an empty array, 96 bytes
  // of trailing data.
  EXPECT_ARRAY_ERROR(parse(with_shape("(0, 9223372036854775807)")), "unexpected bytes");
  // On disk too: read_npy checks before reading the data.
  const std::string path = temp_path("huge.npy");
  std::ofstream(path, std::ios::binary) << with_shape("(1099511627776, 8)");
  EXPECT_ARRAY_ERROR(read_npy(path), "truncated");
  std::remove(path.c_str());
}

TEST(NpyHostile, EveryBitFlipOfTheHeaderIsHandled) {
  const std::vector<double> v(12, 3.0);
  const std::string good = npy_file(kDict34, raw(v), 1);
  int accepted = 0;
  for (std::size_t i = 0; i < good.size() - v.size() * 8; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string b = good;
      b[i] = static_cast<char>(b[i] ^ (1 << bit));
      try {
        const NpyArray a = parse(b);
        std::vector<double> scratch;
        if (a.shape().size() == 1 || a.shape().size() == 2) npy_matrix<double>(a, scratch);
        ++accepted;
      } catch (const ArrayFileError&) {
      }
    }
  }
  // No single-bit flip turns a blank into another blank or '3'/'4' into a size that fits
  // the data, so (almost) every flip must be an error, and none may crash.
  EXPECT_LT(accepted, 40);
}

// --- CSV -------------------------------------------------------------------------------

TEST(Csv, ParsesNumbersHeadersAndLayoutVariants) {
  const auto t = parse_csv<double>("a,b,c\n1,2,3\n4.5,-6e2,+7\n");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.cols, 3);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3, 4.5, -600, 7}));
  // CRLF, a byte-order mark, blanks, blank lines, no final newline, quotes.
  const auto u = parse_csv<double>("\xEF\xBB\xBF\"x, y\" , z\r\n\r\n  1 ,\t\"2\"\r\n\n 3,4");
  EXPECT_EQ(u.header, (std::vector<std::string>{"x, y", "z"}));
  EXPECT_EQ(u.values, (std::vector<double>{1, 2, 3, 4}));
  // No header.
  const auto v = parse_csv<float>("1,2\n3,4\n");
  EXPECT_TRUE(v.header.empty());
  EXPECT_EQ(v.rows, 2);
  // Non-finite values, subnormals, underflow to zero.
  const auto w = parse_csv<double>("nan,inf,-inf,-nan\n4.9406564584124654e-324,1e-400,-0,0\n");
  EXPECT_TRUE(std::isnan(w.values[0]) && std::isnan(w.values[3]));
  EXPECT_EQ(w.values[1], std::numeric_limits<double>::infinity());
  EXPECT_EQ(w.values[2], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(w.values[4], std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(w.values[5], 0.0);
  EXPECT_TRUE(std::signbit(w.values[6]));
  // Empty input, a header alone.
  const auto e = parse_csv<double>("");
  EXPECT_EQ(e.rows, 0);
  EXPECT_EQ(e.cols, 0);
  const auto h = parse_csv<double>("a,b\n");
  EXPECT_EQ(h.rows, 0);
  EXPECT_EQ(h.cols, 2);
}

TEST(Csv, HeaderModes) {
  // pandas writes integer column names "0,1,2": automatic detection reads them as data.
  EXPECT_EQ(parse_csv<double>("0,1\n2,3\n").rows, 2);
  const auto t = parse_csv<double>("0,1\n2,3\n", CsvHeader::present);
  EXPECT_EQ(t.rows, 1);
  EXPECT_EQ(t.header, (std::vector<std::string>{"0", "1"}));
  EXPECT_ARRAY_ERROR(parse_csv<double>("a,b\n2,3\n", CsvHeader::absent), "'a' is not a number");
  // A first line with some numbers is data, and its bad cells are errors.
  EXPECT_ARRAY_ERROR(parse_csv<double>("x,1\n2,3\n"), "line 1, column 1: 'x' is not a number");
}

TEST(Csv, ErrorsNameLineAndColumn) {
  EXPECT_ARRAY_ERROR(parse_csv<double>("1,2,3\n4,5\n", CsvHeader::automatic, "'in.csv'"),
                     "'in.csv': line 2 has 2 values, expected 3 as on line 1 (ragged rows)");
  EXPECT_ARRAY_ERROR(parse_csv<double>("a,b\n1,2\n3,4,5\n"), "line 3 has 3 values");
  EXPECT_ARRAY_ERROR(parse_csv<double>("a,b,c\n1,2\n"), "line 2 has 2 values, expected 3");
  EXPECT_ARRAY_ERROR(parse_csv<double>("1,2\n3,abc\n"), "line 2, column 2: 'abc' is not a number");
  EXPECT_ARRAY_ERROR(parse_csv<double>("1,2\n3,\n"), "line 2, column 2: empty cell");
  EXPECT_ARRAY_ERROR(parse_csv<double>("1,2\n\n\n3,4,\n"), "line 4 has 3 values");
  for (const std::string cell : {"1.5e", "0x10", "1,5", "--1", "+-1", "1 2", "1e5x", "nan1", "."}) {
    EXPECT_THROW(parse_csv<double>("1,2\n3," + cell + "\n"), ArrayFileError) << cell;
  }
  EXPECT_ARRAY_ERROR(parse_csv<double>("1,\"2\n"), "unterminated quote");
  EXPECT_ARRAY_ERROR(parse_csv<double>("1,\"2\"x\n"), "after a closing quote");
  EXPECT_ARRAY_ERROR(parse_csv<double>("1,1e400\n"), "'1e400' is out of range for float64");
  EXPECT_ARRAY_ERROR(parse_csv<float>("1,3.5e38\n"), "out of range for float32");
  EXPECT_ARRAY_ERROR(read_csv<double>(temp_path("missing.csv")), "No such file");
}

template <class T>
void expect_csv_round_trip() {
  std::mt19937_64 rng(5);
  std::vector<T> v;
  for (int k = 0; k < 2000; ++k) {
    T x;
    do {
      std::uint64_t bits = rng();
      std::memcpy(&x, &bits, sizeof x);  // any bit pattern: every exponent
    } while (std::isnan(x));
    v.push_back(x);
  }
  const T special[] = {T(0),
                       -T(0),
                       std::numeric_limits<T>::max(),
                       std::numeric_limits<T>::lowest(),
                       std::numeric_limits<T>::min(),
                       std::numeric_limits<T>::denorm_min(),
                       std::numeric_limits<T>::epsilon(),
                       T(0.1),
                       T(1) / T(3),
                       std::numeric_limits<T>::infinity(),
                       -std::numeric_limits<T>::infinity()};
  v.insert(v.end(), std::begin(special), std::end(special));
  while (v.size() % 4) v.push_back(T(1));
  const std::int64_t rows = static_cast<std::int64_t>(v.size()) / 4;
  const std::string text = csv_text(v.data(), rows, 4);
  const Table<T> back = parse_csv<T>(text, CsvHeader::absent);
  ASSERT_EQ(back.values.size(), v.size());
  EXPECT_EQ(std::memcmp(back.values.data(), v.data(), v.size() * sizeof(T)), 0);
  const T nan = std::numeric_limits<T>::quiet_NaN();
  EXPECT_EQ(csv_text(&nan, 1, 1), "nan\n");
}

TEST(Csv, WriterOutputReadsBackBitForBit) {
  expect_csv_round_trip<double>();
  expect_csv_round_trip<float>();
  const double d[] = {0.1, 2};
  EXPECT_EQ(csv_text(d, 2, 1), "0.10000000000000001\n2\n");
  const float f[] = {0.1f, 2};
  EXPECT_EQ(csv_text(f, 1, 2), "0.100000001,2\n");
}

TEST(Csv, HostileTextNeverCrashes) {
  std::mt19937_64 rng(9);
  const std::string alphabet = "0123456789.,-+eE\"\n\r \tnaif\xEF\xBB\xBF";
  int ok = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    std::string s(rng() % 64, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    try {
      const auto t = parse_csv<double>(s);
      EXPECT_EQ(t.values.size(), static_cast<std::size_t>(t.rows * t.cols));
      ++ok;
    } catch (const ArrayFileError&) {
    }
  }
  SUCCEED() << ok << " random texts parsed";
}

TEST(Files, Extension) {
  EXPECT_EQ(extension("a/b.NPY"), ".npy");
  EXPECT_EQ(extension("x.tar.csv"), ".csv");
  EXPECT_EQ(extension("dir.d/file"), "");
  EXPECT_EQ(extension("file"), "");
}

}  // namespace

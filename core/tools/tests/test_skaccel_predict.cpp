// The skaccel-predict command line, run as a child process (SKACCEL_PREDICT_EXE).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "array_io.hpp"
#include "skaccel/json.hpp"
#include "skaccel/model_file.hpp"
#include "test_models.hpp"

using namespace skaccel;
using namespace skaccel::tools;
using skaccel::model_file::Model;
using skaccel::test_models::InterceptKind;
using skaccel::test_models::make_linear_model;

namespace {

class Dir {
 public:
  Dir() {
    std::string t = ::testing::TempDir() + "skaccel_predict_XXXXXX";
    path_ = ::mkdtemp(t.data());
  }
  ~Dir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct Result {
  int rc;
  std::string err;
};

Result run(const Dir& dir, const std::string& args) {
  const std::string err = dir / "stderr.txt";
  const std::string cmd = std::string("'") + SKACCEL_PREDICT_EXE + "' " + args + " 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  std::ifstream f(err);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
          std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>())};
}

std::string q(const std::string& s) { return "'" + s + "'"; }

// What Model::predict gives in this process, for comparison bit for bit.
template <class T>
std::vector<T> reference(const std::string& model_path, const std::vector<T>& X, std::int64_t n) {
  const Model m = Model::open(model_path, false, true);
  std::vector<T> y(static_cast<std::size_t>(n * m.n_outputs()));
  m.predict<T>(ConstMatrixView<T>::row_major(X.data(), n, m.n_features()),
               MatrixView<T>::row_major(y.data(), n, m.n_outputs()), 1);
  return y;
}

template <class T>
std::vector<T> as_vector(const NpyArray& a) {
  EXPECT_EQ(a.header.dtype, element_type_of<T>());
  std::vector<T> v(a.bytes.size() / sizeof(T));
  std::memcpy(v.data(), a.bytes.data(), a.bytes.size());
  return v;
}

TEST(SkaccelPredict, Float64SingleOutputNpyAndCsv) {
  Dir dir;
  const std::string model = dir / "m.skm";
  test_models::save_linear_model(model, make_linear_model<double>("LinearRegression", 3, 1, true,
                                                                  InterceptKind::tensor_scalar, 1));
  const std::int64_t n = 5;
  std::vector<double> X(n * 3);
  for (std::size_t k = 0; k < X.size(); ++k) X[k] = 0.37 * static_cast<double>(k) - 2.1;
  const auto expected = reference(model, X, n);
  write_npy(dir / "x.npy", ElementType::float64, {n, 3}, X.data());

  for (const std::string opts : {"", "--no-mmap", "--no-verify", "--threads 2", "--threads=-1",
                                 "--no-mmap --no-verify --threads 1"}) {
    const Result r =
        run(dir, q(model) + " " + q(dir / "x.npy") + " -o " + q(dir / "y.npy") + " " + opts);
    ASSERT_EQ(r.rc, 0) << opts << ": " << r.err;
    const NpyArray y = read_npy(dir / "y.npy");
    EXPECT_EQ(y.shape(), (std::vector<std::int64_t>{n}));  // single output: 1-D
    EXPECT_EQ(as_vector<double>(y), expected);
  }
  // CSV in and out.
  write_file(dir / "x.csv", "f0,f1,f2\n" + csv_text(X.data(), n, 3));
  ASSERT_EQ(run(dir, q(model) + " " + q(dir / "x.csv") + " --output " + q(dir / "y.csv")).rc, 0);
  const auto back = read_csv<double>(dir / "y.csv", CsvHeader::absent);
  EXPECT_EQ(back.cols, 1);
  EXPECT_EQ(back.values, expected);
  // 1-D input is one sample.
  write_npy(dir / "row.npy", ElementType::float64, {3}, X.data());
  ASSERT_EQ(run(dir, q(model) + " " + q(dir / "row.npy") + " -o " + q(dir / "y1.csv")).rc, 0);
  EXPECT_EQ(read_csv<double>(dir / "y1.csv").values, std::vector<double>{expected[0]});
}

TEST(SkaccelPredict, Float32MultiOutputConvertsInput) {
  Dir dir;
  const std::string model = dir / "m.skm";
  test_models::save_linear_model(
      model, make_linear_model<float>("Ridge", 2, 3, false, InterceptKind::tensor_vector, 2));
  const std::int64_t n = 4;
  const std::vector<double> Xd = {0.1, -1.5, 2.25, 3.0, 1e10, -7.75, 0.3, 0.6};
  std::vector<float> Xf(Xd.begin(), Xd.end());
  const auto expected = reference(model, Xf, n);

  write_npy(dir / "x64.npy", ElementType::float64, {n, 2}, Xd.data());
  ASSERT_EQ(run(dir, q(model) + " " + q(dir / "x64.npy") + " -o " + q(dir / "y.npy")).rc, 0);
  NpyArray y = read_npy(dir / "y.npy");
  EXPECT_EQ(y.shape(), (std::vector<std::int64_t>{n, 3}));
  EXPECT_EQ(as_vector<float>(y), expected);

  // Fortran order: the same matrix.
  std::vector<double> fortran(Xd.size());
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < 2; ++j) fortran[j * n + i] = Xd[i * 2 + j];
  std::string file = npy_bytes(ElementType::float64, {n, 2}, fortran.data());
  file.replace(file.find("False"), 5, "True ");
  write_file(dir / "xf.npy", file);
  ASSERT_EQ(run(dir, q(model) + " " + q(dir / "xf.npy") + " -o " + q(dir / "yf.npy")).rc, 0);
  EXPECT_EQ(as_vector<float>(read_npy(dir / "yf.npy")), expected);

  // Integers.
  const std::vector<std::int64_t> Xi = {1, -2, 3, 4};
  write_npy(dir / "xi.npy", ElementType::int64, {2, 2}, Xi.data());
  ASSERT_EQ(run(dir, q(model) + " " + q(dir / "xi.npy") + " -o " + q(dir / "yi.csv")).rc, 0);
  const std::vector<float> Xif(Xi.begin(), Xi.end());
  const auto back = read_csv<float>(dir / "yi.csv");
  EXPECT_EQ(back.cols, 3);
  EXPECT_EQ(back.values, reference(model, Xif, 2));
}

TEST(SkaccelPredict, ErrorsAreClearAndExitWithOne) {
  Dir dir;
  const std::string model = dir / "m.skm";
  test_models::save_linear_model(model, make_linear_model<double>("LinearRegression", 3, 1, true,
                                                                  InterceptKind::tensor_scalar, 1));
  const std::vector<double> X(6, 1.0);
  write_npy(dir / "x.npy", ElementType::float64, {2, 3}, X.data());
  write_npy(dir / "x4.npy", ElementType::float64, {3, 2}, X.data());
  write_file(dir / "bad.npy", std::string("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}", 26));
  write_file(dir / "ragged.csv", "1,2,3\n4,5\n");
  write_file(dir / "text.csv", "1,2,3\n4,x,6\n");
  const std::string out = " -o " + q(dir / "y.npy");
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {q(dir / "missing.skm") + " " + q(dir / "x.npy") + out, "No such file"},
      {q(model) + " " + q(dir / "missing.npy") + out, "No such file"},
      {q(model) + " " + q(dir / "bad.npy") + out, "invalid .npy header"},
      {q(model) + " " + q(dir / "ragged.csv") + out, "line 2 has 2 values, expected 3"},
      {q(model) + " " + q(dir / "text.csv") + out, "line 2, column 2: 'x' is not a number"},
      {q(model) + " " + q(dir / "x4.npy") + out,
       "has 2 features per sample, but the model expects 3"},
      {q(model) + " " + q(dir / "x.npy") + " -o " + q(dir / "no-such-dir/y.npy"), "cannot write"},
      {q(dir / "x.npy") + " " + q(dir / "x.npy") + out, "cannot load model"},
  };
  for (const Case& c : cases) {
    const Result r = run(dir, c.args);
    EXPECT_EQ(r.rc, 1) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("skaccel-predict: error: ", 0), 0u) << r.err;
  }
  // A damaged model: the FormatError message, or loads with --no-verify.
  std::ifstream in(model, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes[bytes.size() - 1] ^= 1;
  write_file(dir / "damaged.skm", bytes);
  Result r = run(dir, q(dir / "damaged.skm") + " " + q(dir / "x.npy") + out);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("cannot load model"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("checksum mismatch in tensor"), std::string::npos) << r.err;
  EXPECT_EQ(run(dir, q(dir / "damaged.skm") + " " + q(dir / "x.npy") + out + " --no-verify").rc, 0);
  bytes[8] = 2;  // format 2.0
  write_file(dir / "future.skm", bytes);
  r = run(dir, q(dir / "future.skm") + " " + q(dir / "x.npy") + out);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("cannot be read by skaccel"), std::string::npos) << r.err;
}

// The golden files of every release (tests/data/compat/<version>/, listed by its
// manifest.json): a model saved from Python, its input and the outputs Python computed.
// skaccel-predict must give them within roundoff -- the files may come from another
// machine, whose BLAS picked another kernel -- in .npy and in .csv. (Bit-identity with
// Python on one machine is tested by tests/test_model_types.py.)
struct GoldenOutput {
  std::string method, file;
};
struct GoldenCase {
  std::string name;
  std::string X;
  std::vector<GoldenOutput> outputs;
};

std::vector<GoldenCase> golden_cases(const std::filesystem::path& version) {
  std::ifstream f(version / "manifest.json");
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const Json manifest = parse_json(text);
  std::vector<GoldenCase> cases;
  const Json* list = manifest.find("cases");
  if (!list || list->type != Json::Type::array) return cases;
  for (const Json& c : list->array) {
    GoldenCase g;
    if (c.type == Json::Type::string) {  // layout 1 (0.1.0): predict of a linear model
      g.name = c.string;
      g.X = g.name + "_X.npy";
      g.outputs.push_back({"predict", g.name + "_expected.npy"});
    } else {
      g.name = c.find("name")->string;
      const Json* x = c.find("X");
      if (x) g.X = x->string;
      for (const auto& [method, files] : c.find("methods")->object)
        for (const auto& [output, file] : files.object) g.outputs.push_back({method, file.string});
    }
    cases.push_back(std::move(g));
  }
  return cases;
}

template <class T>
void expect_close(const std::vector<T>& got, const std::vector<T>& expected, double tol) {
  ASSERT_EQ(got.size(), expected.size());
  double scale = 1.0;
  for (T v : expected) scale = std::max(scale, std::abs(static_cast<double>(v)));
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tol * scale + tol * std::abs(static_cast<double>(expected[i])))
        << "element " << i;
}

template <class T>
void compare_golden(const Dir& dir, const NpyArray& expected, const std::string& npy,
                    const std::string& csv) {
  const double tol = sizeof(T) == 4 ? 2e-5 : 1e-10;
  const NpyArray got = read_npy(npy);
  EXPECT_EQ(got.shape(), expected.shape());
  ASSERT_EQ(got.header.dtype, expected.header.dtype);
  expect_close(as_vector<T>(got), as_vector<T>(expected), tol);
  const auto table = read_csv<T>(csv, CsvHeader::absent);
  expect_close(table.values, as_vector<T>(expected), tol);
  (void)dir;
}

// The header text and the data bytes of a .npy file of any dtype (version 1 or 2).
std::pair<std::string, std::string> npy_parts(const std::string& path) {
  const std::string bytes = read_file(path);
  const bool v1 = bytes.size() > 6 && bytes[6] == 1;
  const std::size_t prefix = v1 ? 10 : 12;
  std::size_t length = 0;
  for (std::size_t i = 0; i < prefix - 8 && 8 + i < bytes.size(); ++i)
    length |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  if (bytes.size() < prefix + length) return {"", ""};
  return {bytes.substr(prefix, length), bytes.substr(prefix + length)};
}

TEST(SkaccelPredict, GoldenCompatFilesGiveTheExpectedOutputs) {
  namespace fs = std::filesystem;
  Dir dir;
  int cases = 0;
  if (!fs::is_directory(SKACCEL_COMPAT_DIR)) GTEST_SKIP() << "no " << SKACCEL_COMPAT_DIR;
  for (const auto& version : fs::directory_iterator(SKACCEL_COMPAT_DIR)) {
    if (!version.is_directory() || !fs::exists(version.path() / "manifest.json")) continue;
    for (const GoldenCase& c : golden_cases(version.path())) {
      const std::string model = (version.path() / (c.name + ".skm")).string();
      // One run per method, one -o per output (kneighbors writes two), in declared order.
      std::vector<std::pair<std::string, std::vector<std::string>>> methods;
      for (const GoldenOutput& o : c.outputs) {
        if (methods.empty() || methods.back().first != o.method) methods.push_back({o.method, {}});
        methods.back().second.push_back(o.file);
      }
      for (const auto& [method, files] : methods) {
        SCOPED_TRACE(model + " " + method);
        const std::string args =
            q(model) + " " + q((version.path() / c.X).string()) + " --method " + method;
        std::string npy_args, csv_args;
        for (std::size_t k = 0; k < files.size(); ++k) {
          npy_args += " -o " + q(dir / ("y" + std::to_string(k) + ".npy"));
          csv_args += " -o " + q(dir / ("y" + std::to_string(k) + ".csv"));
        }
        const Result npy = run(dir, args + npy_args + " --no-mmap");
        ASSERT_EQ(npy.rc, 0) << npy.err;
        const Result csv = run(dir, args + csv_args);
        ASSERT_EQ(csv.rc, 0) << csv.err;
        for (std::size_t k = 0; k < files.size(); ++k) {
          ++cases;
          const std::string expected_file = (version.path() / files[k]).string();
          const std::string got_npy = dir / ("y" + std::to_string(k) + ".npy");
          const std::string got_csv = dir / ("y" + std::to_string(k) + ".csv");
          const auto [header, data] = npy_parts(expected_file);
          if (header.find("'descr': '<f") == std::string::npos) {
            // Labels and indices (int or str): exact, dtype and all.
            const auto [got_header, got_data] = npy_parts(got_npy);
            EXPECT_EQ(got_header.substr(0, got_header.find("}")),
                      header.substr(0, header.find("}")));
            EXPECT_TRUE(got_data == data);
            continue;
          }
          const NpyArray expected = read_npy(expected_file);
          if (expected.header.dtype == ElementType::float64)
            compare_golden<double>(dir, expected, got_npy, got_csv);
          else
            compare_golden<float>(dir, expected, got_npy, got_csv);
        }
      }
    }
  }
  if (cases == 0) GTEST_SKIP() << "no golden model files in " << SKACCEL_COMPAT_DIR;
}

TEST(SkaccelPredict, UsageErrorsExitWithTwo) {
  Dir dir;
  for (const std::string args :
       {"", "m.skm", "m.skm x.npy", "m.skm x.npy -o", "m.skm x.npy -o y.txt",
        "m.skm x.parquet -o y.npy", "m.skm x.npy -o y.npy --threads",
        "m.skm x.npy -o y.npy --threads two", "m.skm x.npy -o y.npy --frobnicate",
        "m.skm x.npy extra -o y.npy", "m.skm x.csv -o y.npy --csv-header maybe",
        "m.skm --describe extra", "m.skm x.npy -o y.npy --method="}) {
    const Result r = run(dir, args);
    EXPECT_EQ(r.rc, 2) << args << ": " << r.err;
    EXPECT_NE(r.err.find("usage:"), std::string::npos) << r.err;
  }
  EXPECT_EQ(run(dir, "--help").rc, 0);
  // One -o per output of the method: two for predict (one output) is a usage error.
  const std::string model = dir / "m.skm";
  test_models::save_linear_model(model, make_linear_model<double>("LinearRegression", 3, 1, true,
                                                                  InterceptKind::tensor_scalar, 1));
  const std::vector<double> X(6, 1.0);
  write_npy(dir / "x.npy", ElementType::float64, {2, 3}, X.data());
  const Result r = run(dir, q(model) + " " + q(dir / "x.npy") + " -o " + q(dir / "y.npy") + " -o " +
                                q(dir / "z.npy"));
  EXPECT_EQ(r.rc, 2) << r.err;
  EXPECT_NE(r.err.find("1 output"), std::string::npos) << r.err;
}

}  // namespace

// skaccel-predict: predictions of a saved skaccel model for the rows of a .npy or .csv
// file, without Python.
//
//   skaccel-predict MODEL INPUT -o OUTPUT [--threads N] [--no-verify] [--no-mmap]
//                   [--csv-header auto|yes|no]
//
// Exit status: 0 on success, 1 on an error (message on stderr), 2 on a usage error.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "array_io.hpp"
#include "skaccel/errors.hpp"
#include "skaccel/json.hpp"
#include "skaccel/model_file.hpp"
#include "skaccel/threading.hpp"

namespace {

using skaccel::tools::CsvHeader;

constexpr const char* kUsage =
    "usage: skaccel-predict MODEL INPUT -o OUTPUT [--threads N] [--no-verify] [--no-mmap]\n"
    "                       [--csv-header auto|yes|no]\n"
    "\n"
    "Predicts with the skaccel model file MODEL for every row of INPUT and writes the\n"
    "predictions to OUTPUT.\n"
    "\n"
    "  INPUT   .npy (float64, float32, int64 or int32; 2-D samples x features, or 1-D for\n"
    "          one sample; C or Fortran order) or .csv (comma-separated numbers, one\n"
    "          sample per line). Values are converted to the model's float dtype.\n"
    "  OUTPUT  .npy (the model's dtype; shape (n,) for a single-output model, else\n"
    "          (n, n_outputs)) or .csv (one sample per line, values that read back exactly).\n"
    "\n"
    "  -o, --output OUTPUT   where to write the predictions\n"
    "  --threads N           threads for prediction (default: OpenMP's; -1: all cores)\n"
    "  --no-verify           skip the CRC-32C check of the model's arrays\n"
    "  --no-mmap             read the model into memory instead of mapping it\n"
    "  --csv-header MODE     auto (default): a first line without any number is a header;\n"
    "                        yes: the first line is a header; no: every line is data\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 on success, 1 on an error, 2 on a usage error.\n";

struct UsageError {
  std::string what;
};

struct Options {
  std::string model, input, output;
  bool threads_given = false;
  int threads = 0;
  bool verify = true;
  bool mmap = true;
  CsvHeader csv_header = CsvHeader::automatic;
};

bool is_array_file(const std::string& ext) { return ext == ".npy" || ext == ".csv"; }

Options parse_args(int argc, char** argv) {
  Options o;
  std::vector<std::string> positional;
  bool output_given = false, options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (options_done || a.empty() || a[0] != '-' || a == "-") {
      positional.push_back(a);
      continue;
    }
    std::string value;
    bool has_value = false;
    if (a.rfind("--", 0) == 0) {
      if (const auto eq = a.find('='); eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        has_value = true;
      }
    }
    auto take_value = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) throw UsageError{"option " + a + " needs a value"};
      return argv[++i];
    };
    if (a == "--") {
      options_done = true;
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "-o" || a == "--output") {
      if (output_given) throw UsageError{"the output is given twice"};
      o.output = take_value();
      output_given = true;
    } else if (a == "--threads") {
      const std::string v = take_value();
      char* end = nullptr;
      errno = 0;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || errno != 0 || n < -1024 || n > 1024)
        throw UsageError{"--threads needs an integer (0: default, -1: all cores), got '" + v + "'"};
      o.threads = static_cast<int>(n);
      o.threads_given = true;
    } else if (a == "--no-verify" && !has_value) {
      o.verify = false;
    } else if (a == "--no-mmap" && !has_value) {
      o.mmap = false;
    } else if (a == "--csv-header") {
      const std::string v = take_value();
      if (v == "auto")
        o.csv_header = CsvHeader::automatic;
      else if (v == "yes")
        o.csv_header = CsvHeader::present;
      else if (v == "no")
        o.csv_header = CsvHeader::absent;
      else
        throw UsageError{"--csv-header must be auto, yes or no, got '" + v + "'"};
    } else {
      throw UsageError{"unknown option '" + std::string(argv[i]) + "'"};
    }
  }
  if (positional.size() != 2)
    throw UsageError{positional.size() < 2 ? "MODEL and INPUT are required"
                                           : "unexpected argument '" + positional[2] + "'"};
  if (!output_given || o.output.empty())
    throw UsageError{"the output file (-o OUTPUT) is required"};
  o.model = positional[0];
  o.input = positional[1];
  namespace t = skaccel::tools;
  if (!is_array_file(t::extension(o.input)))
    throw UsageError{"INPUT must be a .npy or .csv file, got '" + o.input + "'"};
  if (!is_array_file(t::extension(o.output)))
    throw UsageError{"OUTPUT must be a .npy or .csv file, got '" + o.output + "'"};
  return o;
}

[[noreturn]] void error(const std::string& what) { throw skaccel::Error(what); }

template <class T>
void predict_file(const skaccel::model_file::Model& model, const Options& o) {
  namespace t = skaccel::tools;
  const std::string in_name = "input '" + o.input + "'";
  // Storage for the input, which the view points into.
  t::NpyArray npy;
  t::Table<T> csv;
  std::vector<T> scratch;
  skaccel::ConstMatrixView<T> X;
  bool one_dimensional = false;
  if (t::extension(o.input) == ".npy") {
    npy = t::read_npy(o.input);
    X = t::npy_matrix<T>(npy, scratch, in_name);
    one_dimensional = npy.shape().size() == 1;
  } else {
    csv = t::read_csv<T>(o.input, o.csv_header);
    // An empty file (or a header alone) is zero samples of the model's features.
    if (csv.rows == 0 && csv.header.empty()) csv.cols = model.n_features();
    X = skaccel::ConstMatrixView<T>::row_major(csv.values.data(), csv.rows, csv.cols);
  }
  const std::int64_t p = model.n_features(), n_out = model.n_outputs();
  if (X.cols != p)
    error(in_name + (one_dimensional ? " is one sample (1-D) of " : " has ") +
          std::to_string(X.cols) + (one_dimensional ? " features" : " features per sample") +
          ", but the model expects " + std::to_string(p));
  std::vector<T> out(static_cast<std::size_t>(X.rows * n_out));
  const int threads =
      o.threads_given ? skaccel::resolve_n_threads(o.threads, true) : skaccel::default_n_threads();
  model.predict<T>(X, skaccel::MatrixView<T>::row_major(out.data(), X.rows, n_out), threads);
  if (t::extension(o.output) == ".npy") {
    std::vector<std::int64_t> shape{X.rows};
    if (!model.single_output()) shape.push_back(n_out);
    t::write_npy(o.output, t::element_type_of<T>(), shape, out.data());
  } else {
    t::write_csv(o.output, out.data(), X.rows, n_out);
  }
}

int run(const Options& o) {
  using skaccel::model_file::Model;
  Model model = [&] {
    try {
      return Model::open(o.model, o.mmap, o.verify);
    } catch (const skaccel::FormatError& e) {
      error("cannot load model '" + o.model + "': " + e.what());
    }
  }();
  const std::string dtype = model.dtype();
  if (dtype == "float64")
    predict_file<double>(model, o);
  else if (dtype == "float32")
    predict_file<float>(model, o);
  else
    error("model '" + o.model + "' has the unsupported dtype " + dtype);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const UsageError& e) {
    std::cerr << "skaccel-predict: " << e.what << "\n"
              << "usage: skaccel-predict MODEL INPUT -o OUTPUT [--threads N] [--no-verify] "
                 "[--no-mmap] (--help for more)\n";
    return 2;
  } catch (const skaccel::Error& e) {
    std::cerr << "skaccel-predict: error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "skaccel-predict: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "skaccel-predict: error: " << e.what() << "\n";
    return 1;
  }
}

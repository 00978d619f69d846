// skaccel-predict: an inference method (predict, transform, ...) of a saved skaccel model
// for the rows of a .npy or .csv file, without Python. It knows no model family: the
// model type's registered methods (model.hpp) do the work.
//
//   skaccel-predict MODEL INPUT -o OUTPUT [--method NAME] [--threads N] [--no-verify]
//                   [--no-mmap] [--csv-header auto|yes|no]
//
// Exit status: 0 on success, 1 on an error (message on stderr), 2 on a usage error.
#include <cerrno>
#include <cmath>
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
    "usage: skaccel-predict MODEL INPUT -o OUTPUT [--method NAME] [--threads N] [--no-verify]\n"
    "                       [--no-mmap] [--csv-header auto|yes|no]\n"
    "       skaccel-predict MODEL --describe\n"
    "\n"
    "Runs an inference method of the skaccel model file MODEL (its first, e.g. predict or\n"
    "transform, unless --method names another) on every row of INPUT and writes the\n"
    "result to OUTPUT.\n"
    "\n"
    "  INPUT   .npy (float64, float32, int64 or int32; 2-D samples x features, or 1-D for\n"
    "          one sample; C or Fortran order) or .csv (comma-separated numbers, one\n"
    "          sample per line). Values are converted to the model's float dtype.\n"
    "  OUTPUT  .npy (the model's dtype; shape (n,) for a single-output model, else\n"
    "          (n, n_outputs)) or .csv (one sample per line, values that read back exactly).\n"
    "\n"
    "  -o, --output OUTPUT   where to write the result (give it once per output of a method\n"
    "                        with several outputs, in the order --describe lists them)\n"
    "  --method NAME         the method to run (--describe lists the model's methods)\n"
    "  --describe            print the model's type, dtype, features and methods, and exit\n"
    "  --threads N           threads for prediction (default: OpenMP's; -1: all cores)\n"
    "  --no-verify           skip the CRC-32C check of the model's arrays\n"
    "  --no-mmap             read the model into memory instead of mapping it\n"
    "  --csv-header MODE     auto (default): a first line without any number is a header;\n"
    "                        yes: the first line is a header; no: every line is data\n"
    "  -h, --help            show this help\n"
    "\n"
    "A model written by another skaccel version is served with a warning on stderr; a file\n"
    "without a valid version record is refused, as Python refuses it. Input with NaN or\n"
    "infinite values is an error, as in Python.\n"
    "\n"
    "Exit status: 0 on success, 1 on an error, 2 on a usage error.\n";

struct UsageError {
  std::string what;
};

struct Options {
  std::string model, input, method;
  std::vector<std::string> outputs;
  bool describe = false;
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
      o.outputs.push_back(take_value());
      output_given = true;
    } else if (a == "--method") {
      o.method = take_value();
      if (o.method.empty()) throw UsageError{"--method needs a name"};
    } else if (a == "--describe" && !has_value) {
      o.describe = true;
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
  if (o.describe) {
    if (positional.size() != 1) throw UsageError{"--describe takes MODEL alone"};
    o.model = positional[0];
    return o;
  }
  if (positional.size() != 2)
    throw UsageError{positional.size() < 2 ? "MODEL and INPUT are required"
                                           : "unexpected argument '" + positional[2] + "'"};
  if (!output_given) throw UsageError{"the output file (-o OUTPUT) is required"};
  o.model = positional[0];
  o.input = positional[1];
  namespace t = skaccel::tools;
  if (!is_array_file(t::extension(o.input)))
    throw UsageError{"INPUT must be a .npy or .csv file, got '" + o.input + "'"};
  for (const auto& out : o.outputs)
    if (out.empty() || !is_array_file(t::extension(out)))
      throw UsageError{"OUTPUT must be a .npy or .csv file, got '" + out + "'"};
  return o;
}

[[noreturn]] void error(const std::string& what) { throw skaccel::Error(what); }

template <class T>
void write_output(const std::string& path, const skaccel::model::OutputBuffer& b,
                  bool one_dimensional) {
  namespace t = skaccel::tools;
  const T* values = reinterpret_cast<const T*>(b.bytes.data());
  if (t::extension(path) == ".npy") {
    std::vector<std::int64_t> shape{b.rows};
    if (!one_dimensional) shape.push_back(b.cols);
    t::write_npy(path, t::element_type_of<T>(), shape, values);
  } else {
    t::write_csv(path, values, b.rows, b.cols);
  }
}

template <class L>
void write_label_values(const std::string& path, const std::vector<std::int64_t>& index,
                        const L* labels, skaccel::tools::ElementType type) {
  namespace t = skaccel::tools;
  std::vector<L> values(index.size());
  for (std::size_t i = 0; i < index.size(); ++i) values[i] = labels[index[i]];
  if (t::extension(path) == ".npy")
    t::write_npy(path, type, {static_cast<std::int64_t>(values.size())}, values.data());
  else
    t::write_csv(path, values.data(), static_cast<std::int64_t>(values.size()), 1);
}

// An output of class indices written as the labels of field `field` (classes_): a 1-D
// array of the labels' dtype (int32, int64, float32, float64 or str), as Python's
// predict returns it.
void write_labels(const std::string& path, const skaccel::model::OutputBuffer& b,
                  const skaccel::model::State& state, const std::string& field) {
  namespace t = skaccel::tools;
  using skaccel::model::ScalarType;
  const skaccel::model::Value* v = state.field(field);
  if (!v) error("the model has no '" + field + "' to label its predictions");
  const auto* idx = reinterpret_cast<const std::int64_t*>(b.bytes.data());
  std::vector<std::int64_t> index(idx, idx + b.rows);
  const std::int64_t n_labels = v->kind == skaccel::model::Value::Kind::tensor
                                    ? v->tensor.size()
                                    : static_cast<std::int64_t>(v->strings.size());
  for (auto i : index)
    if (i < 0 || i >= n_labels) error("a class index outside '" + field + "'");
  if (v->kind == skaccel::model::Value::Kind::string_array) {
    std::vector<std::string> labels;
    for (auto i : index) labels.push_back(v->strings[static_cast<std::size_t>(i)]);
    t::write_file(path, t::extension(path) == ".npy" ? t::npy_string_bytes(labels)
                                                     : t::csv_string_text(labels));
    return;
  }
  const skaccel::model::Tensor& tensor = v->tensor;
  switch (tensor.dtype) {
    case ScalarType::float32:
      return write_label_values(path, index, tensor.as<float>(), t::ElementType::float32);
    case ScalarType::float64:
      return write_label_values(path, index, tensor.as<double>(), t::ElementType::float64);
    case ScalarType::int32:
      return write_label_values(path, index, tensor.as<std::int32_t>(), t::ElementType::int32);
    case ScalarType::int64:
      return write_label_values(path, index, tensor.as<std::int64_t>(), t::ElementType::int64);
  }
}

template <class T>
void run_file(const skaccel::model_file::Model& model, const skaccel::model::Method& method,
              const Options& o) {
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
  const std::int64_t p = model.n_features();
  if (X.cols != p)
    error(in_name + (one_dimensional ? " is one sample (1-D) of " : " has ") +
          std::to_string(X.cols) + (one_dimensional ? " features" : " features per sample") +
          ", but the model expects " + std::to_string(p));
  // As scikit-learn's input validation: NaN or infinity is an error, not a prediction.
  for (std::int64_t i = 0; i < X.rows; ++i)
    for (std::int64_t j = 0; j < X.cols; ++j)
      if (!std::isfinite(X(i, j)))
        error(in_name + " contains NaN or infinity (sample " + std::to_string(i) + ", feature " +
              std::to_string(j) + ")");
  if (o.outputs.size() != method.outputs.size())
    throw UsageError{model.type().name + "." + method.name + " writes " +
                     std::to_string(method.outputs.size()) + " output(s); give -o once for each"};
  const int threads =
      o.threads_given ? skaccel::resolve_n_threads(o.threads, true) : skaccel::default_n_threads();
  const auto outputs = model.run(method.name, skaccel::model::AnyMatrix::of(X), threads);
  const bool flat = method.one_dimensional(model.state());
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (!method.outputs[k].labels.empty())
      write_labels(o.outputs[k], outputs[k], model.state(), method.outputs[k].labels);
    else if (outputs[k].dtype == skaccel::model::ScalarType::int64)
      write_output<std::int64_t>(o.outputs[k], outputs[k], flat);
    else if (outputs[k].dtype == skaccel::model::ScalarType::int32)
      write_output<std::int32_t>(o.outputs[k], outputs[k], flat);
    else if (outputs[k].dtype == skaccel::model::ScalarType::float64)
      write_output<double>(o.outputs[k], outputs[k], flat);
    else
      write_output<float>(o.outputs[k], outputs[k], flat);
  }
}

void describe(const skaccel::model_file::Model& model) {
  const auto& type = model.type();
  std::cout << "model type: " << type.name << " (" << type.family << ")\n"
            << "dtype:      " << model.dtype() << "\n"
            << "n_features: " << model.n_features() << "\n"
            << "methods:   " << (type.methods.empty() ? " none (a model of statistics)" : "")
            << "\n";
  for (const auto& m : type.methods) {
    std::cout << "  " << m.name << ": " << m.doc << "; outputs";
    for (const auto& out : m.outputs)
      std::cout << " " << out.name << " ("
                << (out.type == skaccel::model::OutputType::floating
                        ? model.dtype()
                        : std::string(skaccel::model::output_type_name(out.type)))
                << (m.one_dimensional(model.state())
                        ? ", n"
                        : ", n x " + std::to_string(m.columns(model.state())))
                << ")";
    std::cout << "\n";
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
  const auto findings = skaccel::model_file::check_record(model.header());
  if (!findings.error.empty()) error("cannot load model '" + o.model + "': " + findings.error);
  for (const auto& w : findings.warnings) std::cerr << "skaccel-predict: warning: " << w << "\n";
  if (o.describe) {
    describe(model);
    return 0;
  }
  const skaccel::model::Method& method = model.method(o.method);
  const std::string dtype = model.dtype();
  if (dtype == "float64")
    run_file<double>(model, method, o);
  else
    run_file<float>(model, method, o);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const UsageError& e) {
    std::cerr << "skaccel-predict: " << e.what << "\n"
              << "usage: skaccel-predict MODEL INPUT -o OUTPUT [--method NAME] [--threads N] "
                 "[--no-verify] [--no-mmap] (--help for more)\n";
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

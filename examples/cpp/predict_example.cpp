// Load a skaccel model file from C++ and run its inference method: no Python needed.
//
//   predict_example MODEL [--method NAME] [x1 x2 ... xp [x1 x2 ... xp ...]]
//
// Without values, three made-up samples; otherwise the values are the rows of X,
// n_features per sample. The method defaults to the model type's first (predict for the
// linear models, transform for PCA).
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/matrix.hpp"
#include "skaccel/model.hpp"
#include "skaccel/model_file.hpp"
#include "skaccel/threading.hpp"

using skaccel::model_file::Model;

template <class T>
int run(const Model& model, const std::string& method, const std::vector<double>& values) {
  const std::int64_t p = model.n_features();
  // X: n × p, C order, in the model's dtype.
  std::vector<T> X;
  if (values.empty()) {
    for (int i = 0; i < 3; ++i)
      for (std::int64_t j = 0; j < p; ++j) X.push_back(static_cast<T>(0.5 * (i + 1) - 0.1 * j));
  } else {
    if (values.size() % static_cast<std::size_t>(p) != 0) {
      std::cerr << "got " << values.size() << " values, not a multiple of n_features = " << p
                << "\n";
      return 1;
    }
    for (double v : values) X.push_back(static_cast<T>(v));
  }
  const std::int64_t n = static_cast<std::int64_t>(X.size()) / p;
  // One buffer per output of the method, each n × columns, C order.
  const auto outputs = model.run(
      method, skaccel::model::AnyMatrix::of(skaccel::ConstMatrixView<T>::row_major(X.data(), n, p)),
      skaccel::default_n_threads());
  const auto& out = outputs.front();
  const bool flat = model.single_output(method);
  for (std::int64_t i = 0; i < n; ++i) {
    std::cout.precision(6);
    std::cout << "x = [";
    for (std::int64_t j = 0; j < p; ++j) std::cout << (j ? ", " : "") << X[i * p + j];
    std::cout.precision(std::numeric_limits<T>::max_digits10);  // every digit
    std::cout << "]  ->  " << (flat ? "" : "[");
    for (std::int64_t k = 0; k < out.cols; ++k) {
      if (out.dtype == skaccel::model::ScalarType::int64)
        std::cout << (k ? ", " : "")
                  << reinterpret_cast<const std::int64_t*>(out.bytes.data())[i * out.cols + k];
      else
        std::cout << (k ? ", " : "")
                  << reinterpret_cast<const T*>(out.bytes.data())[i * out.cols + k];
    }
    std::cout << (flat ? "" : "]") << "\n";
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: predict_example MODEL [--method NAME] [x1 x2 ... xp ...]\n";
    return 2;
  }
  std::string method;
  std::vector<double> values;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--method") == 0 && i + 1 < argc) {
      method = argv[++i];
      continue;
    }
    char* end = nullptr;
    values.push_back(std::strtod(argv[i], &end));
    if (end == argv[i] || *end != '\0') {
      std::cerr << "not a number: '" << argv[i] << "'\n";
      return 2;
    }
  }
  try {
    // mmap: the arrays are read in place from the mapped file (O(1) in the model size);
    // verify: check every array's CRC-32C now.
    const Model model = Model::open(argv[1], /*mmap=*/true, /*verify=*/true);
    const auto& m = model.method(method);  // the default method when none is named
    std::cout << "model type: " << model.type().name << "\n"
              << "dtype:      " << model.dtype() << "\n"
              << "n_features: " << model.n_features() << "\n"
              << "method:     " << m.name << " (" << m.doc << "), " << model.n_outputs(m.name)
              << (model.single_output(m.name) ? " column, 1-D" : " columns") << "\n"
              << "format:     " << model.header().format_major << "." << model.header().format_minor
              << "\n";
    return model.dtype() == "float32" ? run<float>(model, m.name, values)
                                      : run<double>(model, m.name, values);
  } catch (const skaccel::Error& e) {  // FormatError: not a valid model file; and the rest
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

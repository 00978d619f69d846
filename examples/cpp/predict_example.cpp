// Load a skaccel model file from C++ and predict: no Python needed.
//
//   predict_example MODEL [x1 x2 ... xp [x1 x2 ... xp ...]]
//
// Without values, predicts three made-up samples; otherwise the values are the rows of
// X, n_features per sample.
#include <cstdlib>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/matrix.hpp"
#include "skaccel/model_file.hpp"
#include "skaccel/threading.hpp"

using skaccel::model_file::Model;

template <class T>
int predict(const Model& model, const std::vector<double>& values) {
  const std::int64_t p = model.n_features(), t = model.n_outputs();
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
  std::vector<T> y(static_cast<std::size_t>(n * t));
  model.predict<T>(skaccel::ConstMatrixView<T>::row_major(X.data(), n, p),
                   skaccel::MatrixView<T>::row_major(y.data(), n, t), skaccel::default_n_threads());
  for (std::int64_t i = 0; i < n; ++i) {
    std::cout.precision(6);
    std::cout << "x = [";
    for (std::int64_t j = 0; j < p; ++j) std::cout << (j ? ", " : "") << X[i * p + j];
    std::cout.precision(std::numeric_limits<T>::max_digits10);  // every digit of y
    std::cout << "]  ->  y = " << (model.single_output() ? "" : "[");
    for (std::int64_t k = 0; k < t; ++k) std::cout << (k ? ", " : "") << y[i * t + k];
    std::cout << (model.single_output() ? "" : "]") << "\n";
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: predict_example MODEL [x1 x2 ... xp ...]\n";
    return 2;
  }
  std::vector<double> values;
  for (int i = 2; i < argc; ++i) {
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
    std::cout << "estimator:  " << model.header().estimator << "\n"
              << "dtype:      " << model.dtype() << "\n"
              << "n_features: " << model.n_features() << "\n"
              << "n_outputs:  " << model.n_outputs()
              << (model.single_output() ? " (predictions are 1-D)" : "") << "\n"
              << "format:     " << model.header().format_major << "." << model.header().format_minor
              << "\n";
    return model.dtype() == "float32" ? predict<float>(model, values)
                                      : predict<double>(model, values);
  } catch (const skaccel::Error& e) {  // FormatError: not a valid model file; and the rest
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

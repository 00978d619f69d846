// skaccel-make-test-models DIR: writes a few small, valid model files to DIR (created if
// missing) with skaccel::model_file::save(): the fuzzers' seed corpus and the example's
// input. Prints each file's name.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

#include "skaccel/errors.hpp"
#include "test_models.hpp"

using skaccel::test_models::InterceptKind;
using skaccel::test_models::make_linear_model;
using skaccel::test_models::save_linear_model;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: skaccel-make-test-models DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    std::cerr << "skaccel-make-test-models: cannot create '" << dir << "': " << std::strerror(errno)
              << "\n";
    return 1;
  }
  try {
    auto write = [&](const std::string& name, const auto& model) {
      save_linear_model(dir + "/" + name, model);
      std::cout << dir << "/" << name << "\n";
    };
    write("linreg_f64_single.skm", make_linear_model<double>("LinearRegression", 3, 1, true,
                                                             InterceptKind::tensor_scalar, 1));
    write("linreg_f64_multi.skm", make_linear_model<double>("LinearRegression", 4, 2, false,
                                                            InterceptKind::tensor_vector, 2));
    write("ridge_f32_single.skm",
          make_linear_model<float>("Ridge", 3, 1, true, InterceptKind::attribute_float, 3));
    write("ridge_f32_multi.skm",
          make_linear_model<float>("Ridge", 2, 3, false, InterceptKind::tensor_vector, 4));
    auto no_intercept =
        make_linear_model<double>("Ridge", 5, 2, false, InterceptKind::attribute_float, 5);
    no_intercept.intercept_value = 0.0;  // fit_intercept=False
    write("ridge_f64_no_intercept.skm", no_intercept);
  } catch (const skaccel::Error& e) {
    std::cerr << "skaccel-make-test-models: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

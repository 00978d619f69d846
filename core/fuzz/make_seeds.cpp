// make_seeds DIR: the fuzzers' seed corpora, written by project code (nothing binary is
// committed): DIR/model (small valid model files from save()), DIR/npy (npy_bytes()) and
// DIR/csv (csv_text()).
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "array_io.hpp"
#include "skaccel/errors.hpp"
#include "test_models.hpp"

namespace {

void make_dir(const std::string& d) {
  if (::mkdir(d.c_str(), 0777) != 0 && errno != EEXIST)
    throw skaccel::Error("cannot create '" + d + "': " + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds DIR\n";
    return 2;
  }
  using namespace skaccel;
  using test_models::InterceptKind;
  using test_models::make_linear_model;
  using test_models::save_linear_model;
  const std::string dir = argv[1];
  try {
    for (const char* sub : {"", "/model", "/npy", "/csv"}) make_dir(dir + sub);
    const std::string m = dir + "/model/";
    save_linear_model(
        m + "linreg_f64_single.skm",
        make_linear_model<double>("LinearRegression", 3, 1, true, InterceptKind::tensor_scalar, 1));
    save_linear_model(m + "linreg_f64_multi.skm",
                      make_linear_model<double>("LinearRegression", 2, 2, false,
                                                InterceptKind::tensor_vector, 2));
    save_linear_model(
        m + "ridge_f32_single.skm",
        make_linear_model<float>("Ridge", 3, 1, true, InterceptKind::attribute_float, 3));
    save_linear_model(
        m + "ridge_f32_multi.skm",
        make_linear_model<float>("Ridge", 2, 3, false, InterceptKind::tensor_vector, 4));
    auto named = make_linear_model<double>("Ridge", 2, 1, true, InterceptKind::tensor_scalar, 5);
    auto w = test_models::to_write(named);
    w.feature_names_json = "[\"a\",\"b\\u00e9\"]";
    const std::int64_t n_iter[] = {7};
    w.attributes_json = "{\"n_features_in_\":2,\"solver_\":\"sag\"}";
    w.tensors.push_back({"n_iter_", "int64", {1}, n_iter});
    model_file::save(m + "ridge_f64_names_n_iter.skm", w);

    const std::string n = dir + "/npy/";
    const double d[] = {0.5, -1, 2.25, 3, 1e300, -0.0};
    const float f[] = {1.5f, -2, 3};
    const std::int64_t l[] = {1, -2, 3, 4};
    const std::int32_t i[] = {7};
    using tools::ElementType;
    tools::write_npy(n + "f8_2x3.npy", ElementType::float64, {2, 3}, d);
    tools::write_npy(n + "f4_3.npy", ElementType::float32, {3}, f);
    tools::write_npy(n + "i8_0x4.npy", ElementType::int64, {0, 4}, l);
    tools::write_npy(n + "i4_scalar.npy", ElementType::int32, {}, i);
    std::string fortran = tools::npy_bytes(ElementType::int64, {2, 2}, l);
    fortran.replace(fortran.find("False"), 5, "True ");
    tools::write_file(n + "i8_2x2_fortran.npy", fortran);

    const std::string c = dir + "/csv/";
    tools::write_file(c + "header.csv", "a,\"b, c\"\n" + tools::csv_text(d, 3, 2));
    tools::write_file(c + "plain.csv", tools::csv_text(f, 1, 3) + "nan,inf,-1e-320\r\n");
  } catch (const Error& e) {
    std::cerr << "make_seeds: " << e.what() << "\n";
    return 1;
  }
  std::cout << "seed corpora in " << dir << "/{model,npy,csv}\n";
  return 0;
}

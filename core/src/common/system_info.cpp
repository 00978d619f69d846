#include <string>

#include "blas.hpp"
#include "skaccel/version.hpp"

extern "C" {
char* SKACCEL_F77(openblas_get_config)(void);
char* SKACCEL_F77(openblas_get_corename)(void);
}

namespace skaccel {

std::string cpu_features() {
  std::string out;
#if defined(__x86_64__) || defined(_M_X64)
  out = "x86_64";
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) out += " sse4.2";
  if (__builtin_cpu_supports("avx")) out += " avx";
  if (__builtin_cpu_supports("avx2")) out += " avx2";
  if (__builtin_cpu_supports("fma")) out += " fma";
  if (__builtin_cpu_supports("avx512f")) out += " avx512f";
#elif defined(__aarch64__)
  out = "aarch64";
#else
  out = "unknown";
#endif
  return out;
}

std::string blas_info() {
  std::string out = SKACCEL_F77(openblas_get_config)();
  out += " core=";
  out += SKACCEL_F77(openblas_get_corename)();
  return out;
}

}  // namespace skaccel

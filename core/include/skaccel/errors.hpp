#pragma once
// Exceptions thrown by the core. The Python bindings map each to a Python exception
// type; a C++ program catches skaccel::Error.
#include <stdexcept>
#include <string>

namespace skaccel {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A caller passed arguments that violate a documented precondition (shapes, dtypes).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A numerical routine failed in a way the caller must hear about (e.g. LAPACK info > 0
// where no fallback exists).
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace skaccel

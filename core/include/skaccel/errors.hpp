#pragma once
// Every exception the core throws. A C++ program catches skaccel::Error; the Python
// bindings map each type to one Python exception (bindings/module.cpp):
//
//   InvalidArgument          ValueError
//   NumericalError           ArithmeticError
//   FormatError              skaccel._core.FormatError (a ValueError)
//     StateError             (the same)
//     IncompatibleFormatError  skaccel._core.IncompatibleFormatError
//   IoError                  OSError, of the subclass its errno selects
//                            (FileNotFoundError, IsADirectoryError, ...), with the path
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

// The bytes are not a well-formed model file (or JSON document).
class FormatError : public Error {
 public:
  using Error::Error;
};

// A fitted state does not match its model type's declaration.
class StateError : public FormatError {
 public:
  using FormatError::FormatError;
};

// A model file's format version is another MAJOR or a newer MINOR than this build reads.
class IncompatibleFormatError : public FormatError {
 public:
  IncompatibleFormatError(const std::string& what, int major, int minor)
      : FormatError(what), saved_major(major), saved_minor(minor) {}
  int saved_major, saved_minor;
};

// A file-system operation failed. `reason` says what and why, without the path
// ("cannot open: No such file or directory"); what() is "<reason>: '<path>'", as Python
// prints an OSError. `error_code` is the errno value (EISDIR for a directory where a model
// file is required, EINVAL for a FIFO or device there, ...).
class IoError : public Error {
 public:
  IoError(const std::string& reason, const std::string& path, int error_code)
      : Error(reason + ": '" + path + "'"), reason(reason), path(path), error_code(error_code) {}
  std::string reason;
  std::string path;
  int error_code;
};

}  // namespace skaccel

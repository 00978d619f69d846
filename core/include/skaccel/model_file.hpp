#pragma once
// The skaccel model file (docs/model-format.md): write, read, memory-map, verify, predict.
// Reading never runs code and never allocates more than the file's own size.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "skaccel/json.hpp"
#include "skaccel/matrix.hpp"

namespace skaccel::model_file {

inline constexpr unsigned char kMagic[8] = {0x89, 'S', 'K', 'M', '\r', '\n', 0x1A, '\n'};
inline constexpr std::uint64_t kPrefixSize = 24;
inline constexpr std::uint64_t kMaxHeaderSize = 16u << 20;
inline constexpr std::uint64_t kAlignment = 64;

// The file's format version is another MAJOR or a newer MINOR than this build reads.
class IncompatibleFormatError : public FormatError {
 public:
  IncompatibleFormatError(const std::string& what, int major, int minor)
      : FormatError(what), saved_major(major), saved_minor(minor) {}
  int saved_major, saved_minor;
};

struct Tensor {
  std::string name;
  std::string dtype;  // float32, float64, int32, int64
  std::vector<std::int64_t> shape;
  std::uint64_t offset = 0;
  std::uint64_t nbytes = 0;
  std::uint32_t crc32c = 0;
};

struct Header {
  int format_major = 0;
  int format_minor = 0;
  std::uint64_t header_length = 0;
  std::uint64_t file_size = 0;
  std::string text;  // the JSON header as stored
  Json json;
  std::string estimator;
  std::vector<Tensor> tensors;
};

// Validates the fixed 24-byte prefix (magic, version, header length, bounds) and returns
// the total number of leading bytes a parse needs (24 + header length).
std::uint64_t required_prefix(const std::uint8_t* prefix, std::uint64_t available,
                              std::uint64_t file_size);

// Parses and validates everything but the tensor checksums. `bytes` must hold at least
// required_prefix() bytes.
Header parse_header(const std::uint8_t* bytes, std::uint64_t available, std::uint64_t file_size);

std::size_t dtype_size(std::string_view dtype);  // 0 for an unknown dtype

class Model {
 public:
  // mmap: map the file read-only (O(1) in the model size); else read it into memory.
  // verify: check every tensor's CRC-32C now (a plain read always should).
  static Model open(const std::string& path, bool mmap, bool verify);
  // A model over a copy of the bytes (tests and fuzzing).
  static Model from_bytes(const std::uint8_t* data, std::size_t size, bool verify);

  const Header& header() const { return header_; }
  const Tensor* tensor(std::string_view name) const;
  const std::uint8_t* data(const Tensor& t) const { return base_ + t.offset; }
  void verify_checksums() const;  // throws FormatError naming the first bad tensor

  const std::string& predictor() const;  // "linear", "pca" or "none" (schema.hpp)
  std::string dtype() const;             // the model's float dtype
  std::int64_t n_features() const;       // columns of X (n_features_in_)
  // For "linear" (predict) and "pca" (transform) models; InvalidArgument otherwise:
  std::int64_t n_outputs() const;  // columns of the prediction
  bool single_output() const;      // predictions are 1-D (coef_ was 1-D)

  // out (n × n_outputs, C order) for X (n × n_features); T must be the model's dtype.
  template <class T>
  void predict(ConstMatrixView<T> X, MatrixView<T> out, int n_threads) const;

 private:
  Model() = default;
  void load(std::shared_ptr<const std::uint8_t> storage, std::uint64_t size, bool verify);
  const Tensor& coef() const;
  std::shared_ptr<const std::uint8_t> storage_;
  const std::uint8_t* base_ = nullptr;
  Header header_;
};

// A model to write: the header's parts as JSON text plus the tensors' bytes.
struct TensorToWrite {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  const void* data = nullptr;  // C order, little-endian, prod(shape) × itemsize bytes
};

struct ModelToWrite {
  std::string estimator;
  std::string params_json = "{}";
  std::string record_json = "{}";
  std::string attributes_json = "{}";
  std::string feature_names_json = "null";
  std::vector<TensorToWrite> tensors;
};

// Validates against the schema, then writes the file (to path + ".tmp", renamed into
// place; the old file is unlinked first, so a reader never sees a half-written file).
void save(const std::string& path, const ModelToWrite& model);

}  // namespace skaccel::model_file

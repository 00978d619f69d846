#pragma once
// The skaccel model file (docs/model-format.md): write, read, memory-map, verify, and run
// the inference methods its model type registers (model.hpp). Reading never runs code and
// never allocates more than the file's own size. This file knows no model family.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "skaccel/errors.hpp"
#include "skaccel/json.hpp"
#include "skaccel/matrix.hpp"
#include "skaccel/model.hpp"

namespace skaccel::model_file {

inline constexpr unsigned char kMagic[8] = {0x89, 'S', 'K', 'M', '\r', '\n', 0x1A, '\n'};
inline constexpr std::uint64_t kPrefixSize = 24;
inline constexpr std::uint64_t kMaxHeaderSize = 16u << 20;
inline constexpr std::uint64_t kAlignment = 64;

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

// The compatibility policy (README, "Compatibility policy") as a C++ reader applies it to
// a header's version record: `error` (refuse the file) when the record is missing or
// malformed or its format_version contradicts the file's prefix; `warnings` when another
// skaccel version wrote the model. (The scikit-learn and Python versions a Python loader
// also compares do not take part in C++ inference.)
struct RecordFindings {
  std::string error;
  std::vector<std::string> warnings;
};
RecordFindings check_record(const Header& header);

class Model {
 public:
  // mmap: map the file read-only (O(1) in the model size); else read it into memory.
  // verify: check every tensor's CRC-32C now (a plain read always should).
  // IoError when the file cannot be opened or read, or is not a regular file (a FIFO
  // or a device fails at once, without blocking); FormatError for invalid contents.
  static Model open(const std::string& path, bool mmap, bool verify);
  // A model over a copy of the bytes (tests and fuzzing).
  static Model from_bytes(const std::uint8_t* data, std::size_t size, bool verify);

  const Header& header() const { return header_; }
  const Tensor* tensor(std::string_view name) const;
  const std::uint8_t* data(const Tensor& t) const { return base_ + t.offset; }
  void verify_checksums() const;  // throws FormatError naming the first bad tensor

  const model::ModelType& type() const { return *type_; }
  // The fields and hyperparameters inference reads (views of this model's bytes).
  const model::State& state() const { return *state_; }
  std::string dtype() const;        // the model's float dtype, "float32" or "float64"
  std::int64_t n_features() const;  // columns of X (n_features_in_)

  // The model type's inference methods; the first is the default (predict, transform).
  // InvalidArgument for a method the type does not have, or a type with none.
  const model::Method& method(std::string_view name = {}) const;
  std::int64_t n_outputs(std::string_view method = {}) const;  // columns of each output
  bool single_output(std::string_view method = {}) const;      // outputs are 1-D

  // Runs a method on X (n × n_features, the model's dtype, any strides): one buffer per
  // output of the method (model::run).
  std::vector<model::OutputBuffer> run(std::string_view method, const model::AnyMatrix& X,
                                       int n_threads) const;
  // The default method's first output into out (n × n_outputs, C order); T must be the
  // model's dtype.
  template <class T>
  void predict(ConstMatrixView<T> X, MatrixView<T> out, int n_threads) const;

  // For a mapped model: FormatError when its file was truncated or rewritten in place
  // since it was opened (size, modification time or inode changed). Inference calls it.
  void check_unchanged() const;

 private:
  Model() = default;
  void load(std::shared_ptr<const std::uint8_t> storage, std::uint64_t size, bool verify);
  std::shared_ptr<const std::uint8_t> storage_;
  const std::uint8_t* base_ = nullptr;
  Header header_;
  const model::ModelType* type_ = nullptr;
  std::shared_ptr<model::State> state_;
  std::shared_ptr<struct MappedFile> mapped_;  // set for mapped models
};

// A model to write: the header's parts as JSON text plus the tensors' bytes.
struct TensorToWrite {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  const void* data = nullptr;  // C order, little-endian, prod(shape) × itemsize bytes
};

struct ModelToWrite {
  std::string estimator;  // the model type's name
  std::string params_json = "{}";
  std::string record_json = "{}";
  std::string attributes_json = "{}";
  std::string feature_names_json = "null";
  std::vector<TensorToWrite> tensors;
};

struct SaveOptions {
  // fsync the file before it replaces the old one, and its directory after: the new model
  // survives a power failure once save() returns (costs a full flush to the disk).
  bool durable = false;
};

// Validates against the model type's declaration, then writes the file atomically: to a
// new, uniquely named temporary file in the same directory (O_EXCL), renamed over `path`
// once complete. On any failure the old file is untouched and the temporary removed;
// readers see the old file or the new one, never none and never a partial one. A symbolic
// link at `path` is followed: the file it points to is replaced, the link kept. The new
// file keeps the old one's permission bits. IoError (with the errno) for a missing
// directory, a directory, FIFO or other non-regular file at `path`, a NUL byte in the
// path, and every failed write (a full disk, a file-size limit, ...).
void save(const std::string& path, const ModelToWrite& model, const SaveOptions& options = {});

}  // namespace skaccel::model_file

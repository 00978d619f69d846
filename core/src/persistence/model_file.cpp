#include "skaccel/model_file.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "../common/mapping_guard.hpp"
#include "skaccel/checksum.hpp"
#include "skaccel/model.hpp"
#include "skaccel/version.hpp"

namespace skaccel::model_file {
namespace {

std::uint64_t read_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void write_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

[[noreturn]] void bad(const std::string& what) {
  throw FormatError("not a valid skaccel model file: " + what);
}

std::uint64_t json_uint(const Json* v, const char* what) {
  if (!v || v->type != Json::Type::number || !v->is_integer || v->integer < 0)
    bad(std::string(what) + " must be a non-negative integer");
  return static_cast<std::uint64_t>(v->integer);
}

const std::string& json_string(const Json* v, const char* what) {
  if (!v || v->type != Json::Type::string) bad(std::string(what) + " must be a string");
  return v->string;
}

Tensor parse_tensor(const Json& e) {
  if (e.type != Json::Type::object) bad("a tensor entry is not an object");
  Tensor t;
  t.name = json_string(e.find("name"), "tensor name");
  t.dtype = json_string(e.find("dtype"), "tensor dtype");
  const std::size_t item = dtype_size(t.dtype);
  if (item == 0) bad("tensor '" + t.name + "' has unknown dtype '" + t.dtype + "'");
  const Json* shape = e.find("shape");
  if (!shape || shape->type != Json::Type::array || shape->array.size() > 8)
    bad("tensor '" + t.name + "' has no valid shape");
  std::uint64_t count = 1;
  for (const Json& d : shape->array) {
    const std::uint64_t n = json_uint(&d, "a dimension");
    if (n > (1ull << 48)) bad("tensor '" + t.name + "' has an absurd dimension");
    if (__builtin_mul_overflow(count, n, &count)) bad("tensor '" + t.name + "' is too large");
    t.shape.push_back(static_cast<std::int64_t>(n));
  }
  std::uint64_t nbytes = 0;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(item), &nbytes))
    bad("tensor '" + t.name + "' is too large");
  t.nbytes = json_uint(e.find("nbytes"), "tensor nbytes");
  if (t.nbytes != nbytes) bad("tensor '" + t.name + "' nbytes does not match its shape");
  t.offset = json_uint(e.find("offset"), "tensor offset");
  const std::uint64_t crc = json_uint(e.find("crc32c"), "tensor crc32c");
  if (crc > 0xFFFFFFFFull) bad("tensor '" + t.name + "' crc32c out of range");
  t.crc32c = static_cast<std::uint32_t>(crc);
  return t;
}

// A 1-D array of strings other than the feature names (format 1.1): the attribute
// {"dtype": "<NumPy dtype, e.g. object or <U5>", "values": [str, ...]}. Its values, or
// nullptr when `v` is not one.
const Json* string_array_values(const Json& v) {
  if (v.type != Json::Type::object) return nullptr;
  const Json* dtype = v.find("dtype");
  const Json* values = v.find("values");
  if (!dtype || dtype->type != Json::Type::string || !values || values->type != Json::Type::array ||
      v.object.size() != 2)
    return nullptr;
  for (const Json& e : values->array)
    if (e.type != Json::Type::string) return nullptr;
  return values;
}

model::FieldValue attribute_value(const std::string& name, const Json& v) {
  using Kind = model::FieldValue::Kind;
  model::FieldValue f;
  f.name = name;
  switch (v.type) {
    case Json::Type::null:
      f.kind = Kind::null;
      break;
    case Json::Type::string:
      f.kind = Kind::string;
      break;
    case Json::Type::number:
      if (v.is_integer) {
        f.kind = Kind::integer;
        f.integer = v.integer;
      } else {
        f.kind = Kind::floating;
      }
      break;
    case Json::Type::object:
      if (const Json* values = string_array_values(v)) {
        f.kind = Kind::string_array;
        f.shape = {static_cast<std::int64_t>(values->array.size())};
        break;
      }
      [[fallthrough]];
    default:
      f.kind = Kind::other;
      f.type_name = "JSON container or boolean";
  }
  return f;
}

const model::Field* schema_field(const model::ModelType& s, std::string_view name) {
  return s.field(name);
}

// A JSON scalar as a state value (containers are not values of a model's state).
bool json_value(const Json& j, model::Value* out) {
  using model::Value;
  switch (j.type) {
    case Json::Type::null:
      *out = Value();
      return true;
    case Json::Type::boolean:
      *out = Value::of_boolean(j.boolean);
      return true;
    case Json::Type::number:
      *out = j.is_integer ? Value::of_integer(j.integer) : Value::of_floating(j.number);
      return true;
    case Json::Type::string:
      *out = Value::of_string(j.string);
      return true;
    case Json::Type::object:
      if (const Json* values = string_array_values(j)) {
        *out = Value();
        out->kind = Value::Kind::string_array;
        out->shape = {static_cast<std::int64_t>(values->array.size())};
        for (const Json& e : values->array) out->strings.push_back(e.string);
        return true;
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

std::size_t dtype_size(std::string_view dtype) {
  if (dtype == "float64" || dtype == "int64") return 8;
  if (dtype == "float32" || dtype == "int32") return 4;
  return 0;
}

std::uint64_t required_prefix(const std::uint8_t* p, std::uint64_t available,
                              std::uint64_t file_size) {
  if (available < kPrefixSize || file_size < kPrefixSize) bad("shorter than its 24-byte prefix");
  if (std::memcmp(p, kMagic, sizeof kMagic) != 0) bad("wrong magic bytes");
  const int major = static_cast<int>(read_le(p + 8, 2)),
            minor = static_cast<int>(read_le(p + 10, 2));
  if (major != kFormatMajor || minor > kFormatMinor) {
    throw IncompatibleFormatError(
        "model file format " + std::to_string(major) + "." + std::to_string(minor) +
            " cannot be read by skaccel " + kVersion + ", which reads format " +
            std::to_string(kFormatMajor) + ".0 to " + std::to_string(kFormatMajor) + "." +
            std::to_string(kFormatMinor),
        major, minor);
  }
  const std::uint64_t h = read_le(p + 16, 8);
  if (h < 2 || h > kMaxHeaderSize) bad("header length out of range");
  if (h > file_size - kPrefixSize) bad("header runs past the end of the file (truncated?)");
  return kPrefixSize + h;
}

Header parse_header(const std::uint8_t* p, std::uint64_t available, std::uint64_t file_size) {
  const std::uint64_t need = required_prefix(p, available, file_size);
  if (available < need) bad("header is truncated");
  Header h;
  h.format_major = static_cast<int>(read_le(p + 8, 2));
  h.format_minor = static_cast<int>(read_le(p + 10, 2));
  h.header_length = need - kPrefixSize;
  h.file_size = file_size;
  h.text.assign(reinterpret_cast<const char*>(p + kPrefixSize), h.header_length);
  if (crc32c(h.text.data(), h.text.size()) != static_cast<std::uint32_t>(read_le(p + 12, 4)))
    bad("header checksum mismatch (damaged file)");
  h.json = parse_json(h.text);
  if (h.json.type != Json::Type::object) bad("header is not a JSON object");
  h.estimator = json_string(h.json.find("estimator"), "estimator");
  const model::ModelType* s = model::find(h.estimator);
  if (!s) bad("unknown estimator '" + h.estimator + "'");
  if (json_uint(h.json.find("file_size"), "file_size") != file_size)
    bad("file_size does not match the file's length (truncated or extended)");

  const Json* tensors = h.json.find("tensors");
  if (!tensors || tensors->type != Json::Type::array) bad("tensors must be an array");
  std::set<std::string> names;
  std::vector<model::FieldValue> values;
  for (const Json& e : tensors->array) {
    Tensor t = parse_tensor(e);
    const model::Field* f = schema_field(*s, t.name);
    if (!f || f->dtype == model::DType::string) bad("unexpected tensor '" + t.name + "'");
    if (!names.insert(t.name).second) bad("duplicate tensor '" + t.name + "'");
    if (t.offset % kAlignment != 0) bad("tensor '" + t.name + "' is not 64-byte aligned");
    std::uint64_t end = 0;
    if (t.offset < need || __builtin_add_overflow(t.offset, t.nbytes, &end) || end > file_size)
      bad("tensor '" + t.name + "' lies outside the data section");
    model::FieldValue v;
    v.name = t.name;
    v.kind = model::FieldValue::Kind::tensor;
    v.dtype = t.dtype;
    v.shape = t.shape;
    values.push_back(std::move(v));
    h.tensors.push_back(std::move(t));
  }
  std::vector<const Tensor*> sorted;
  for (const auto& t : h.tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto a, auto b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i - 1]->offset + sorted[i - 1]->nbytes > sorted[i]->offset)
      bad("tensors '" + sorted[i - 1]->name + "' and '" + sorted[i]->name + "' overlap");

  const Json* attributes = h.json.find("attributes");
  if (!attributes || attributes->type != Json::Type::object) bad("attributes must be an object");
  for (const auto& [name, v] : attributes->object) {
    if (!schema_field(*s, name)) continue;  // a later MINOR may add attributes
    if (!names.insert(name).second) bad("attribute '" + name + "' is stored twice");
    values.push_back(attribute_value(name, v));
  }
  const Json* fnames = h.json.find("feature_names");
  if (fnames && fnames->type != Json::Type::null) {
    if (fnames->type != Json::Type::array) bad("feature_names must be a list or null");
    for (const Json& n : fnames->array)
      if (n.type != Json::Type::string) bad("feature_names must hold strings");
    model::FieldValue v;
    v.name = "feature_names_in_";
    v.kind = model::FieldValue::Kind::string_array;
    v.shape = {static_cast<std::int64_t>(fnames->array.size())};
    values.push_back(std::move(v));
  }
  model::validate_state(*s, values, /*require_fitted=*/true);
  return h;
}

RecordFindings check_record(const Header& h) {
  RecordFindings out;
  const std::string who = "model '" + h.estimator + "'";
  const Json* record = h.json.find("record");
  if (!record || record->type != Json::Type::object) {
    out.error = who +
                ": the file has no skaccel version record; it is damaged or was not "
                "written by skaccel";
    return out;
  }
  for (const char* key : {"skaccel", "format_version", "sklearn", "python"}) {
    const Json* v = record->find(key);
    if (!v || v->type != Json::Type::string) {
      out.error = who + ": the version record lacks a string '" + key + "'";
      return out;
    }
  }
  const std::string& format = record->find("format_version")->string;
  const std::string expected =
      std::to_string(h.format_major) + "." + std::to_string(h.format_minor);
  if (format != expected) {
    out.error = who + ": the version record says format '" + format + "' but the file is format " +
                expected + " (damaged)";
    return out;
  }
  const std::string& saved = record->find("skaccel")->string;
  if (saved != kVersion)
    out.warnings.push_back(who + " was saved with skaccel " + saved + " and is served by skaccel " +
                           kVersion + "; predictions may differ within roundoff (see the " +
                           "compatibility policy)");
  return out;
}

const Tensor* Model::tensor(std::string_view name) const {
  for (const auto& t : header_.tensors)
    if (t.name == name) return &t;
  return nullptr;
}

void Model::verify_checksums() const {
  check_unchanged();
  std::string damaged;
  mapping::run_guarded([&] {
    for (const auto& t : header_.tensors)
      if (damaged.empty() && crc32c(data(t), t.nbytes) != t.crc32c) damaged = t.name;
  });
  if (!damaged.empty()) bad("checksum mismatch in tensor '" + damaged + "' (damaged file)");
}

// A mapped model's file: kept open, so that each inference can check with one fstat()
// that the bytes under the mapping are still those that were validated.
struct MappedFile {
  int fd = -1;
  std::string path;
  off_t size = 0;
  struct timespec mtime{};
  ~MappedFile() {
    if (fd >= 0) ::close(fd);
  }
};

void Model::check_unchanged() const {
  if (!mapped_) return;
  struct stat st{};
  if (::fstat(mapped_->fd, &st) != 0)
    throw FormatError("cannot check the mapped model file '" + mapped_->path +
                      "': " + std::strerror(errno));
  if (st.st_size != mapped_->size || st.st_mtim.tv_sec != mapped_->mtime.tv_sec ||
      st.st_mtim.tv_nsec != mapped_->mtime.tv_nsec)
    throw FormatError("the mapped model file '" + mapped_->path +
                      "' was truncated or rewritten in place since it was loaded (size " +
                      std::to_string(mapped_->size) + " -> " + std::to_string(st.st_size) +
                      " bytes); load it again. Replace model files by renaming a new file " +
                      "over the old one (skaccel.save does), never by rewriting them");
}

void Model::load(std::shared_ptr<const std::uint8_t> storage, std::uint64_t size, bool verify) {
  storage_ = std::move(storage);
  base_ = storage_.get();
  header_ = parse_header(base_, size, size);
  if (verify) verify_checksums();
  type_ = &model::get(header_.estimator);
  // The state inference reads: tensors as views of the bytes, scalar attributes and
  // hyperparameters from the header (parse_header validated them).
  state_ = std::make_shared<model::State>(*type_);
  for (const auto& t : header_.tensors) {
    model::Tensor view;
    model::parse_scalar_type(t.dtype, &view.dtype);
    view.shape = t.shape;
    view.data = data(t);
    state_->set_field(t.name, model::Value::of_tensor(std::move(view)));
  }
  for (const auto& [name, v] : header_.json.find("attributes")->object) {
    model::Value value;
    if (type_->field(name) && json_value(v, &value)) state_->set_field(name, std::move(value));
  }
  if (const Json* names = header_.json.find("feature_names");
      names && names->type == Json::Type::array) {
    model::Value value;
    value.kind = model::Value::Kind::string_array;
    value.shape = {static_cast<std::int64_t>(names->array.size())};
    for (const Json& n : names->array) value.strings.push_back(n.string);
    state_->set_field("feature_names_in_", std::move(value));
  }
  if (const Json* params = header_.json.find("params");
      params && params->type == Json::Type::object) {
    for (const auto& [name, v] : params->object) {
      model::Value value;
      if (json_value(v, &value)) state_->set_param(name, std::move(value));
    }
  }
}

Model Model::from_bytes(const std::uint8_t* data, std::size_t size, bool verify) {
  // 64-byte aligned copy, so tensors are aligned as in a mapped file.
  const std::size_t padded = (size + kAlignment - 1) / kAlignment * kAlignment + kAlignment;
  auto* raw = static_cast<std::uint8_t*>(std::aligned_alloc(kAlignment, padded));
  if (!raw) throw std::bad_alloc();
  if (size) std::memcpy(raw, data, size);
  Model m;
  m.load(std::shared_ptr<const std::uint8_t>(
             raw, [](const std::uint8_t* q) { std::free(const_cast<std::uint8_t*>(q)); }),
         size, verify);
  return m;
}

namespace {

[[noreturn]] void io_error(const std::string& what, const std::string& path, int code) {
  throw IoError(what + ": " + std::strerror(code), path, code);
}

void check_path(const std::string& path) {
  if (path.empty()) throw IoError("the path is empty", path, ENOENT);
  if (path.find('\0') != std::string::npos)
    throw IoError("the path holds a NUL byte, which no file name can",
                  path.substr(0, path.find('\0')) + "\\0...", EINVAL);
}

// An open file descriptor of a regular file, refused at once (never blocking) otherwise.
int open_regular(const std::string& path) {
  check_path(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) io_error("cannot open", path, errno);
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    io_error("cannot stat", path, e);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    if (S_ISDIR(st.st_mode)) throw IoError("is a directory, not a model file", path, EISDIR);
    throw IoError("is not a regular file (a FIFO, socket or device), not a model file", path,
                  EINVAL);
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace

Model Model::open(const std::string& path, bool mmap, bool verify) {
  const int fd = open_regular(path);
  struct stat st{};
  ::fstat(fd, &st);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  Model m;
  if (size < kPrefixSize) {
    ::close(fd);
    bad("shorter than its 24-byte prefix");
  }
  if (mmap) {
    auto file = std::make_shared<MappedFile>();
    file->fd = fd;  // closed with the model
    file->path = path;
    file->size = st.st_size;
    file->mtime = st.st_mtim;
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) io_error("cannot map", path, errno);
    mapping::add(p, size);  // reads of a file truncated under the mapping throw
    m.mapped_ = file;
    std::shared_ptr<const std::uint8_t> storage(static_cast<const std::uint8_t*>(p),
                                                [size](const std::uint8_t* q) {
                                                  mapping::remove(q);
                                                  ::munmap(const_cast<std::uint8_t*>(q), size);
                                                });
    mapping::run_guarded([&] { m.load(std::move(storage), size, verify); });
    return m;
  }
  const std::size_t padded = (size + kAlignment - 1) / kAlignment * kAlignment;
  auto* raw = static_cast<std::uint8_t*>(std::aligned_alloc(kAlignment, padded));
  if (!raw) {
    ::close(fd);
    throw std::bad_alloc();
  }
  std::shared_ptr<const std::uint8_t> storage(
      raw, [](const std::uint8_t* q) { std::free(const_cast<std::uint8_t*>(q)); });
  std::uint64_t done = 0;
  while (done < size) {
    const ssize_t r = ::read(fd, raw + done, size - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      const int e = r < 0 ? errno : EIO;
      ::close(fd);
      if (r == 0) bad("the file shrank while it was read");
      io_error("cannot read", path, e);
    }
    done += static_cast<std::uint64_t>(r);
  }
  ::close(fd);
  m.load(std::move(storage), size, verify);
  return m;
}

std::string Model::dtype() const { return model::scalar_name(state_->float_dtype()); }

std::int64_t Model::n_features() const { return state_->n_features(); }

const model::Method& Model::method(std::string_view name) const {
  if (name.empty()) {
    if (type_->methods.empty())
      throw InvalidArgument(type_->name + " has no inference method to run from C++ (a model " +
                            "of statistics: read its tensors)");
    return type_->methods.front();
  }
  return model::checked_method(*state_, name);
}

std::int64_t Model::n_outputs(std::string_view name) const { return method(name).columns(*state_); }

bool Model::single_output(std::string_view name) const {
  return method(name).one_dimensional(*state_);
}

std::vector<model::OutputBuffer> Model::run(std::string_view name, const model::AnyMatrix& X,
                                            int n_threads) const {
  check_unchanged();
  return model::run(*state_, method(name).name, X, n_threads);
}

template <class T>
void Model::predict(ConstMatrixView<T> X, MatrixView<T> out, int n_threads) const {
  check_unchanged();
  const model::Method& m = method();
  if (m.outputs.size() != 1 || m.outputs[0].type != model::OutputType::floating)
    throw InvalidArgument(type_->name + "." + m.name + " does not write one float output");
  model::run_into(*state_, m.name, model::AnyMatrix::of(X), {model::AnyMatrix::of(out)}, n_threads);
}

template void Model::predict<float>(ConstMatrixView<float>, MatrixView<float>, int) const;
template void Model::predict<double>(ConstMatrixView<double>, MatrixView<double>, int) const;

namespace {

// The header for given checksums; offsets follow from the space reserved for the header.
std::string build_header(const ModelToWrite& m, const std::vector<std::uint64_t>& sizes,
                         const std::vector<std::uint32_t>& crcs, std::uint64_t reserved,
                         std::vector<std::uint64_t>& offsets) {
  std::uint64_t pos = (kPrefixSize + reserved + kAlignment - 1) / kAlignment * kAlignment;
  std::string table = "[";
  for (std::size_t i = 0; i < m.tensors.size(); ++i) {
    offsets[i] = pos;
    const auto& t = m.tensors[i];
    std::string shape = "[";
    for (std::size_t k = 0; k < t.shape.size(); ++k)
      shape += (k ? "," : "") + std::to_string(t.shape[k]);
    table += (i ? "," : "") + std::string("{\"name\":") + json_quote(t.name) +
             ",\"dtype\":" + json_quote(t.dtype) + ",\"shape\":" + shape + "]" +
             ",\"offset\":" + std::to_string(pos) + ",\"nbytes\":" + std::to_string(sizes[i]) +
             ",\"crc32c\":" + std::to_string(crcs[i]) + "}";
    pos = (pos + sizes[i] + kAlignment - 1) / kAlignment * kAlignment;
  }
  const std::uint64_t file_size =
      m.tensors.empty() ? kPrefixSize + reserved : offsets.back() + sizes.back();
  return "{\"estimator\":" + json_quote(m.estimator) + ",\"params\":" + m.params_json +
         ",\"record\":" + m.record_json + ",\"attributes\":" + m.attributes_json +
         ",\"feature_names\":" + m.feature_names_json + ",\"tensors\":" + table + "]" +
         ",\"file_size\":" + std::to_string(file_size) + "}";
}

}  // namespace

// The 24-byte prefix followed by the header, padded with JSON whitespace to `reserved`.
static std::string file_head(std::string header, std::uint64_t reserved) {
  header.resize(reserved, ' ');
  std::string head(reinterpret_cast<const char*>(kMagic), sizeof kMagic);
  write_le(head, kFormatMajor, 2);
  write_le(head, kFormatMinor, 2);
  write_le(head, crc32c(header.data(), header.size()), 4);
  write_le(head, header.size(), 8);
  return head + header;
}

namespace {

// Where save() writes: `path`, or the file a chain of symbolic links at `path` ends at
// (relative link targets are resolved against the link's directory).
std::string save_target(const std::string& path) {
  std::string target = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st{};
    if (::lstat(target.c_str(), &st) != 0) {
      if (errno == ENOENT) return target;  // a new file (its directory is checked by open)
      io_error("cannot save a model to", path, errno);
    }
    if (S_ISLNK(st.st_mode)) {
      std::vector<char> buf(static_cast<std::size_t>(PATH_MAX) + 1);
      const ssize_t n = ::readlink(target.c_str(), buf.data(), buf.size() - 1);
      if (n < 0) io_error("cannot read the symbolic link", target, errno);
      std::string link(buf.data(), static_cast<std::size_t>(n));
      if (link.empty() || link[0] != '/') {
        const auto slash = target.rfind('/');
        link = (slash == std::string::npos ? std::string() : target.substr(0, slash + 1)) + link;
      }
      target = link;
      continue;
    }
    if (S_ISDIR(st.st_mode)) throw IoError("cannot save a model over a directory", path, EISDIR);
    if (!S_ISREG(st.st_mode))
      throw IoError(
          "cannot save a model over what is not a regular file (a FIFO, socket or "
          "device); remove it or choose another path",
          path, EINVAL);
    return target;
  }
  throw IoError("cannot save a model: too many levels of symbolic links", path, ELOOP);
}

std::string directory_of(const std::string& file) {
  const auto slash = file.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : file.substr(0, slash);
}

// A new, uniquely named file next to `target`, opened for writing (O_EXCL: never an
// existing file, whoever else is saving).
int create_temporary(const std::string& target, std::string* name) {
  static std::atomic<unsigned> counter{0};
  std::random_device entropy;
  const auto slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : target.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".%d.%08x%04x.tmp", static_cast<int>(::getpid()),
                  entropy(), counter.fetch_add(1) & 0xFFFFu);
    *name = dir + "." + base + suffix;
    const int fd = ::open(name->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) io_error("cannot create a temporary file for", target, errno);
  }
  io_error("cannot create a temporary file for", target, EEXIST);
}

bool write_all(int fd, const void* data, std::uint64_t size, std::uint64_t offset) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(size, 1u << 30));
    const ssize_t w = ::pwrite(fd, p, chunk, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return false;
    }
    p += w;
    size -= static_cast<std::uint64_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return true;
}

}  // namespace

void save(const std::string& path, const ModelToWrite& m, const SaveOptions& options) {
  check_path(path);
  const model::ModelType& s = model::get(m.estimator);
  for (const std::string* text :
       {&m.params_json, &m.record_json, &m.attributes_json, &m.feature_names_json}) {
    try {
      parse_json(*text);
    } catch (const FormatError& e) {
      throw InvalidArgument(std::string("cannot save ") + s.name + ": " + e.what());
    }
  }
  std::vector<std::uint64_t> sizes;
  for (const auto& t : m.tensors) {
    const std::size_t item = dtype_size(t.dtype);
    if (item == 0) throw InvalidArgument("unsupported dtype '" + t.dtype + "'");
    std::uint64_t n = item;
    for (auto d : t.shape) {
      if (d < 0) throw InvalidArgument("tensor '" + t.name + "' has a negative dimension");
      if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n))
        throw InvalidArgument("tensor '" + t.name + "' is too large");
    }
    if (n > 0 && !t.data) throw InvalidArgument("tensor '" + t.name + "' has no data");
    sizes.push_back(n);
  }
  // Reserve room for the header with the widest checksums, so that the data can be
  // written (and checksummed on the way) before the header that records the checksums.
  std::vector<std::uint64_t> offsets(m.tensors.size());
  const std::vector<std::uint32_t> widest(m.tensors.size(), 0xFFFFFFFFu);
  std::uint64_t reserved = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::uint64_t need = build_header(m, sizes, widest, reserved, offsets).size();
    if (need <= reserved) break;
    reserved = need + 32;  // room for offsets that grow by a digit
  }
  const std::uint64_t file_size =
      m.tensors.empty() ? kPrefixSize + reserved : offsets.back() + sizes.back();
  // Refuse what a reader would refuse before touching the disk; the checksums are not
  // part of that check, and only their digits change below.
  {
    const std::string probe =
        file_head(build_header(m, sizes, widest, reserved, offsets), reserved);
    try {
      parse_header(reinterpret_cast<const std::uint8_t*>(probe.data()), probe.size(), file_size);
    } catch (const FormatError& e) {
      throw InvalidArgument(std::string("cannot save ") + s.name + ": " + e.what());
    }
  }

  // Write a new file beside the target, then rename it over the target: the old model
  // stays whole until the new one is complete (and, with `durable`, on the disk).
  const std::string target = save_target(path);
  struct stat old{};
  const bool replacing = ::stat(target.c_str(), &old) == 0;
  std::string tmp;
  const int fd = create_temporary(target, &tmp);
  auto fail = [&](int code) {
    ::close(fd);
    ::unlink(tmp.c_str());
    io_error("cannot save a model to", path, code);
  };
  if (replacing && ::fchmod(fd, old.st_mode & 07777) != 0) fail(errno);
  // Checksums on a second thread while this one writes: both stream the same memory.
  std::vector<std::uint32_t> crcs(m.tensors.size());
  std::thread checksums([&] {
    for (std::size_t i = 0; i < m.tensors.size(); ++i)
      crcs[i] = sizes[i] ? crc32c(m.tensors[i].data, sizes[i]) : crc32c(nullptr, 0);
  });
  static const char zeros[kAlignment] = {};
  bool ok = true;
  int code = 0;
  std::uint64_t pos = kPrefixSize + reserved;
  for (std::size_t i = 0; ok && i < m.tensors.size(); ++i) {
    ok = write_all(fd, zeros, offsets[i] - pos, pos) &&
         (sizes[i] == 0 || write_all(fd, m.tensors[i].data, sizes[i], offsets[i]));
    pos = offsets[i] + sizes[i];
  }
  if (!ok) code = errno;
  checksums.join();
  if (!ok) fail(code);
  const std::string head = file_head(build_header(m, sizes, crcs, reserved, offsets), reserved);
  if (!write_all(fd, head.data(), head.size(), 0)) fail(errno);
  if (options.durable && ::fsync(fd) != 0) fail(errno);
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    io_error("cannot save a model to", path, e);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    io_error("cannot save a model to", path, e);
  }
  if (options.durable) {
    const int dir = ::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0 || ::fsync(dir) != 0) {
      const int e = errno;
      if (dir >= 0) ::close(dir);
      io_error("saved, but cannot flush the directory of", path, e);
    }
    ::close(dir);
  }
}

}  // namespace skaccel::model_file

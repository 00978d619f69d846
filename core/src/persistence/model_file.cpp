#include "skaccel/model_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>

#include "skaccel/checksum.hpp"
#include "skaccel/decomposition.hpp"
#include "skaccel/linear_model.hpp"
#include "skaccel/schema.hpp"
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

schema::FieldValue attribute_value(const std::string& name, const Json& v) {
  using Kind = schema::FieldValue::Kind;
  schema::FieldValue f;
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
    default:
      f.kind = Kind::other;
      f.type_name = "JSON container or boolean";
  }
  return f;
}

const schema::Field* schema_field(const schema::ModelSchema& s, std::string_view name) {
  for (const auto& f : s.fields)
    if (f.name == name) return &f;
  return nullptr;
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
  const schema::ModelSchema* s = nullptr;
  for (const auto& m : schema::registered_models())
    if (m.estimator == h.estimator) s = &m;
  if (!s) bad("unknown estimator '" + h.estimator + "'");
  if (json_uint(h.json.find("file_size"), "file_size") != file_size)
    bad("file_size does not match the file's length (truncated or extended)");

  const Json* tensors = h.json.find("tensors");
  if (!tensors || tensors->type != Json::Type::array) bad("tensors must be an array");
  std::set<std::string> names;
  std::vector<schema::FieldValue> values;
  for (const Json& e : tensors->array) {
    Tensor t = parse_tensor(e);
    const schema::Field* f = schema_field(*s, t.name);
    if (!f || f->dtype == schema::DType::string) bad("unexpected tensor '" + t.name + "'");
    if (!names.insert(t.name).second) bad("duplicate tensor '" + t.name + "'");
    if (t.offset % kAlignment != 0) bad("tensor '" + t.name + "' is not 64-byte aligned");
    std::uint64_t end = 0;
    if (t.offset < need || __builtin_add_overflow(t.offset, t.nbytes, &end) || end > file_size)
      bad("tensor '" + t.name + "' lies outside the data section");
    schema::FieldValue v;
    v.name = t.name;
    v.kind = schema::FieldValue::Kind::tensor;
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
    schema::FieldValue v;
    v.name = "feature_names_in_";
    v.kind = schema::FieldValue::Kind::string_array;
    v.shape = {static_cast<std::int64_t>(fnames->array.size())};
    values.push_back(std::move(v));
  }
  schema::validate_state(*s, values, /*require_fitted=*/true);
  return h;
}

const Tensor* Model::tensor(std::string_view name) const {
  for (const auto& t : header_.tensors)
    if (t.name == name) return &t;
  return nullptr;
}

void Model::verify_checksums() const {
  for (const auto& t : header_.tensors)
    if (crc32c(data(t), t.nbytes) != t.crc32c)
      bad("checksum mismatch in tensor '" + t.name + "' (damaged file)");
}

void Model::load(std::shared_ptr<const std::uint8_t> storage, std::uint64_t size, bool verify) {
  storage_ = std::move(storage);
  base_ = storage_.get();
  header_ = parse_header(base_, size, size);
  if (verify) verify_checksums();
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

Model Model::open(const std::string& path, bool mmap, bool verify) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("'" + path + "' is not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  Model m;
  if (size < kPrefixSize) {
    ::close(fd);
    bad("shorter than its 24-byte prefix");
  }
  if (mmap) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) throw Error("cannot map '" + path + "': " + std::strerror(errno));
    m.load(std::shared_ptr<const std::uint8_t>(
               static_cast<const std::uint8_t*>(p),
               [size](const std::uint8_t* q) { ::munmap(const_cast<std::uint8_t*>(q), size); }),
           size, verify);
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
    if (r <= 0) {
      ::close(fd);
      throw Error("cannot read '" + path + "'");
    }
    done += static_cast<std::uint64_t>(r);
  }
  ::close(fd);
  m.load(std::move(storage), size, verify);
  return m;
}

const std::string& Model::predictor() const {
  return schema::model_schema(header_.estimator).predictor;
}

std::string Model::dtype() const {
  const auto& s = schema::model_schema(header_.estimator);
  for (const auto& t : header_.tensors)
    for (const auto& f : s.fields)
      if (f.name == t.name && f.dtype == schema::DType::floating) return t.dtype;
  return "float64";
}

std::int64_t Model::n_features() const {
  const Json* n = header_.json.find("attributes")->find("n_features_in_");
  return n ? n->integer : 0;  // the header's validation guarantees an integer
}

const Tensor& Model::coef() const {
  const std::string& kind = predictor();
  if (kind == "linear") return *tensor("coef_");
  if (kind == "pca") return *tensor("components_");
  throw InvalidArgument(header_.estimator + " has no prediction to compute from C++ (" +
                        "a model of statistics: read its tensors)");
}

bool Model::single_output() const { return coef().shape.size() == 1; }
std::int64_t Model::n_outputs() const {
  const auto& shape = coef().shape;
  return shape.size() == 1 ? 1 : shape.front();
}

template <class T>
void Model::predict(ConstMatrixView<T> X, MatrixView<T> out, int n_threads) const {
  const char* want = sizeof(T) == 8 ? "float64" : "float32";
  if (dtype() != want) throw InvalidArgument("the model is " + dtype() + ", the input " + want);
  const Tensor& coef = this->coef();
  const std::int64_t p = n_features(), t = n_outputs();
  if (X.cols != p)
    throw InvalidArgument("X has " + std::to_string(X.cols) + " features, but the model expects " +
                          std::to_string(p));
  const auto weights = ConstMatrixView<T>::row_major(reinterpret_cast<const T*>(data(coef)), t, p);
  auto values = [&](const char* name) { return reinterpret_cast<const T*>(data(*tensor(name))); };
  if (predictor() == "pca") {
    // The same computation as skaccel's Python transform (decomposition::pca_transform).
    const Json* whiten =
        header_.json.find("params") ? header_.json.find("params")->find("whiten") : nullptr;
    std::vector<T> scale;
    if (whiten && whiten->type == Json::Type::boolean && whiten->boolean)
      scale = decomposition::whitening_scale<T>(values("explained_variance_"), t);
    decomposition::pca_transform<T>(X, weights, values("mean_"),
                                    scale.empty() ? nullptr : scale.data(), out, n_threads);
    return;
  }
  const T* b = nullptr;
  std::vector<T> intercept_value;
  if (tensor("intercept_")) {
    b = values("intercept_");
  } else if (const Json* v = header_.json.find("attributes")->find("intercept_");
             v && v->type == Json::Type::number && v->number != 0.0) {
    intercept_value.assign(static_cast<std::size_t>(t), static_cast<T>(v->number));
    b = intercept_value.data();
  }
  linear_model::predict<T>(X, weights, b, out, n_threads);
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
std::string file_head(std::string header, std::uint64_t reserved) {
  header.resize(reserved, ' ');
  std::string head(reinterpret_cast<const char*>(kMagic), sizeof kMagic);
  write_le(head, kFormatMajor, 2);
  write_le(head, kFormatMinor, 2);
  write_le(head, crc32c(header.data(), header.size()), 4);
  write_le(head, header.size(), 8);
  return head + header;
}

void save(const std::string& path, const ModelToWrite& m) {
  const schema::ModelSchema& s = schema::model_schema(m.estimator);
  for (const std::string* text :
       {&m.params_json, &m.record_json, &m.attributes_json, &m.feature_names_json}) {
    try {
      parse_json(*text);
    } catch (const FormatError& e) {
      throw InvalidArgument(std::string("cannot save ") + s.estimator + ": " + e.what());
    }
  }
  std::vector<std::uint64_t> sizes;
  for (const auto& t : m.tensors) {
    const std::size_t item = dtype_size(t.dtype);
    if (item == 0) throw InvalidArgument("unsupported dtype '" + t.dtype + "'");
    std::uint64_t n = item;
    for (auto d : t.shape) n *= static_cast<std::uint64_t>(d);
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
      throw InvalidArgument(std::string("cannot save ") + s.estimator + ": " + e.what());
    }
  }

  // The old file goes first: renaming over it makes ext4 flush the new data at once
  // (auto_da_alloc), and keeping both while writing doubles the page cache the save
  // needs; both cost several times the write itself. Readers see the old file, then no
  // file, then the complete new one -- never a partial file; processes that mapped the
  // old file keep it.
  std::remove(path.c_str());
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error("cannot write '" + tmp + "': " + std::strerror(errno));
  auto fail = [&](const std::string& why) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw Error("cannot write '" + path + "': " + why);
  };
  // Checksums on a second thread while this one writes: both stream the same memory.
  std::vector<std::uint32_t> crcs(m.tensors.size());
  std::thread checksums([&] {
    for (std::size_t i = 0; i < m.tensors.size(); ++i)
      crcs[i] = sizes[i] ? crc32c(m.tensors[i].data, sizes[i]) : crc32c(nullptr, 0);
  });
  bool ok = std::fseek(f, static_cast<long>(kPrefixSize + reserved), SEEK_SET) == 0;
  std::uint64_t pos = kPrefixSize + reserved;
  static const char zeros[kAlignment] = {};
  for (std::size_t i = 0; ok && i < m.tensors.size(); ++i) {
    ok = std::fwrite(zeros, 1, offsets[i] - pos, f) == offsets[i] - pos;
    ok = ok && (sizes[i] == 0 || std::fwrite(m.tensors[i].data, 1, sizes[i], f) == sizes[i]);
    pos = offsets[i] + sizes[i];
  }
  checksums.join();
  if (!ok) fail(std::strerror(errno));
  const std::string head = file_head(build_header(m, sizes, crcs, reserved, offsets), reserved);
  ok =
      std::fseek(f, 0, SEEK_SET) == 0 && std::fwrite(head.data(), 1, head.size(), f) == head.size();
  if (!ok) fail(std::strerror(errno));
  if (std::fclose(f) != 0) {
    std::remove(tmp.c_str());
    throw Error("cannot write '" + path + "': " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("cannot write '" + path + "': " + std::strerror(errno));
  }
}

}  // namespace skaccel::model_file

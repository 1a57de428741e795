#include "io/gguf/gguf_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "core/tensor_view.h"

namespace janus {
namespace fs = std::filesystem;

namespace {

void put_u32(std::vector<uint8_t>& b, uint32_t v) {
  uint8_t x[4];
  std::memcpy(x, &v, 4);
  b.insert(b.end(), x, x + 4);
}
void put_u64(std::vector<uint8_t>& b, uint64_t v) {
  uint8_t x[8];
  std::memcpy(x, &v, 8);
  b.insert(b.end(), x, x + 8);
}
void put_string(std::vector<uint8_t>& b, const std::string& s) {
  put_u64(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}

void put_value(std::vector<uint8_t>& b, const GgufValue& v) {
  if (v.type == GgufType::String) return put_string(b, v.str);
  if (v.type != GgufType::Array) return gguf_encode_scalar(v, b);
  put_u32(b, uint32_t(v.elem));
  put_u64(b, v.count);
  if (v.elem == GgufType::String) {
    for (const std::string& s : v.strs) put_string(b, s);
  } else {
    b.insert(b.end(), v.raw.begin(), v.raw.end());
  }
}

uint64_t align_up(uint64_t x, uint64_t a) {
  return (x + a - 1) / a * a;
}

// The temporary file: removed on destruction unless released (errors, cancellation, exceptions).
class TempFile {
 public:
  explicit TempFile(const fs::path& out)
      : path_(out.parent_path() / ("." + out.filename().string() + ".tmp-" + std::to_string(::getpid()))) {
    f_ = std::fopen(path_.c_str(), "wb");
    if (!f_) fail(ErrorKind::Io, path_.string(), std::string("cannot create: ") + std::strerror(errno));
  }
  ~TempFile() {
    if (f_) std::fclose(f_);
    if (!kept_) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }
  void write(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n)
      fail(ErrorKind::Io, path_.string(), std::string("write failed: ") + std::strerror(errno));
  }
  void close() {
    const bool ok = std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
    const int e = errno;
    const bool closed = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!ok || !closed) fail(ErrorKind::Io, path_.string(), std::string("write failed: ") + std::strerror(e));
  }
  // Moves the file to `out`; without overwrite, link() refuses an existing `out` atomically.
  void place(const fs::path& out, bool overwrite) {
    if (overwrite) {
      if (std::rename(path_.c_str(), out.c_str()) != 0)
        fail(ErrorKind::Io, out.string(),
             std::string("cannot move the finished file into place: ") + std::strerror(errno));
    } else {
      if (::link(path_.c_str(), out.c_str()) != 0) {
        const int e = errno;
        if (e == EEXIST) fail(ErrorKind::Io, out.string(), "already exists (use --force to overwrite)");
        fail(ErrorKind::Io, out.string(), std::string("cannot create: ") + std::strerror(e));
      }
      ::unlink(path_.c_str());
    }
    kept_ = true;
  }

 private:
  fs::path path_;
  std::FILE* f_ = nullptr;
  bool kept_ = false;
};

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    fail(ErrorKind::InvalidArgument, "gguf alignment", std::to_string(alignment) + " is not a power of two");
  if (alignment != kGgufDefaultAlignment) set("general.alignment", GgufValue::of_u32(alignment));
}

void GgufWriter::set(const std::string& key, GgufValue v) {
  if (key.empty()) fail(ErrorKind::InvalidArgument, "gguf", "empty metadata key");
  if (v.type == GgufType::Array && v.elem == GgufType::Array)
    fail(ErrorKind::InvalidArgument, key, "nested arrays are not supported");
  if (v.type == GgufType::Array &&
      (v.elem == GgufType::String ? v.strs.size() != v.count
                                  : v.raw.size() != v.count * gguf_scalar_size(v.elem)))
    fail(ErrorKind::InvalidArgument, key, "array count does not match its elements");
  for (auto& [k, old] : kv_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  kv_.emplace_back(key, std::move(v));
}

void GgufWriter::add_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                            Bytes bytes) {
  if (name.empty() || name.size() > kGgufMaxName)
    fail(ErrorKind::InvalidArgument, name,
         "tensor name must be 1 to " + std::to_string(kGgufMaxName) + " bytes, is " +
             std::to_string(name.size()));
  for (const Tensor& t : tensors_)
    if (t.name == name) fail(ErrorKind::InvalidArgument, name, "duplicate tensor name");
  if (!ggml_from_dtype(dtype))
    fail(ErrorKind::InvalidArgument, name,
         "dtype " + std::string(dtype_name(dtype)) + " cannot be stored in GGUF");
  if (shape.size() > kGgufMaxDims)
    fail(ErrorKind::InvalidArgument, name, "GGUF tensors have at most 4 dimensions, not " + shape_str(shape));
  int64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(numel, d, &numel))
      fail(ErrorKind::InvalidArgument, name, "bad shape " + shape_str(shape));
  }
  if (dtype_is_block(dtype) && !shape.empty() && shape.back() % 32 != 0)
    fail(ErrorKind::InvalidArgument, name, "rows of " + shape_str(shape) + " are not whole blocks of 32");
  size_t nbytes = 0;
  if (!dtype_nbytes(dtype, numel, &nbytes)) fail(ErrorKind::InvalidArgument, name, "byte size overflows");
  const uint64_t offset = align_up(data_size_, alignment_);
  data_size_ = offset + nbytes;
  tensors_.push_back({name, dtype, shape, nbytes, offset, std::move(bytes)});
}

void GgufWriter::write(const fs::path& out, bool overwrite, const Progress& progress, bool* cancelled) const {
  std::error_code ec;
  if (!overwrite && fs::exists(out, ec))
    fail(ErrorKind::Io, out.string(), "already exists (use --force to overwrite)");
  if (fs::is_directory(out, ec)) fail(ErrorKind::Io, out.string(), "is a folder");

  std::vector<uint8_t> head;
  put_u32(head, kGgufMagic);
  put_u32(head, 3);
  put_u64(head, tensors_.size());
  put_u64(head, kv_.size());
  for (const auto& [k, v] : kv_) {
    put_string(head, k);
    put_u32(head, uint32_t(v.type));
    put_value(head, v);
  }
  for (const Tensor& t : tensors_) {
    put_string(head, t.name);
    put_u32(head, uint32_t(t.shape.size()));
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it)
      put_u64(head, uint64_t(*it));  // ne: innermost first
    put_u32(head, *ggml_from_dtype(t.dtype));
    put_u64(head, t.offset);
  }
  head.resize(align_up(head.size(), alignment_), 0);

  TempFile file(out);
  file.write(head.data(), head.size());
  const std::vector<uint8_t> zeros(alignment_, 0);
  std::vector<uint8_t> scratch;
  uint64_t pos = 0;
  for (size_t k = 0; k < tensors_.size(); ++k) {
    const Tensor& t = tensors_[k];
    file.write(zeros.data(), size_t(t.offset - pos));
    const std::span<const uint8_t> bytes = t.bytes(scratch);
    if (bytes.size() != t.nbytes)
      fail(ErrorKind::Internal, t.name,
           "produced " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(t.nbytes));
    file.write(bytes.data(), bytes.size());
    pos = t.offset + t.nbytes;
    if (progress && !progress(k + 1, tensors_.size())) {
      if (cancelled) *cancelled = true;
      fail(ErrorKind::InvalidArgument, out.string(), "cancelled");
    }
  }
  file.write(zeros.data(), size_t(align_up(pos, alignment_) - pos));
  file.close();
  file.place(out, overwrite);
}

}  // namespace janus

// parse_gguf: the header validator. Every length is checked against the bytes left before anything
// is allocated, so a hostile count can never ask for more memory than the file holds.
#include <algorithm>

#include "core/error.h"
#include "io/gguf/gguf.h"
#include "io/weights/byte_cursor.h"

namespace janus {
namespace {

// Smallest encodings, used to bound counts by the bytes left: a key/value is a string length (8),
// a type (4) and at least a 1-byte value; a tensor info is a name length (8), n_dims (4), a type (4)
// and an offset (8).
constexpr size_t kMinKv = 8 + 4 + 1;
constexpr size_t kMinTensorInfo = 8 + 4 + 4 + 8;

class Parser {
 public:
  Parser(std::span<const uint8_t> file, const std::string& path) : c_(file, path), path_(path) {}

  GgufFile run() {
    GgufFile g;
    g.path = path_;
    const size_t size = c_.size();
    if (size < 4 || c_.le<uint32_t>("magic") != kGgufMagic)
      fail(ErrorKind::Format, path_ + ":magic", "not a GGUF file (no \"GGUF\" magic)");
    g.version = c_.le<uint32_t>("version");
    if (g.version == 1)
      fail(ErrorKind::Unsupported, path_ + ":version", "GGUF version 1 (32-bit counts) is not supported");
    if (g.version != 2 && g.version != 3) {
      // A big-endian file (gguf-py --bigendian) stores 3 as 0x03000000.
      const bool big = g.version == 0x02000000u || g.version == 0x03000000u;
      fail(big ? ErrorKind::Unsupported : ErrorKind::Format, path_ + ":version",
           big ? "big-endian GGUF files are not supported"
               : "unknown GGUF version " + std::to_string(g.version));
    }
    const uint64_t n_tensors = c_.le<uint64_t>("tensor_count");
    const uint64_t n_kv = c_.le<uint64_t>("kv_count");
    if (n_kv > c_.remaining() / kMinKv)
      fail(ErrorKind::Format, path_ + ":kv_count",
           std::to_string(n_kv) + " key/value pairs cannot fit in " + std::to_string(size) + " bytes");
    for (uint64_t k = 0; k < n_kv; ++k) read_kv(g, k);
    if (n_tensors > c_.remaining() / kMinTensorInfo)
      fail(ErrorKind::Format, path_ + ":tensor_count",
           std::to_string(n_tensors) + " tensor infos cannot fit in " + std::to_string(size) + " bytes");
    read_alignment(g);
    g.tensors.reserve(size_t(n_tensors));
    for (uint64_t t = 0; t < n_tensors; ++t) g.tensors.push_back(read_tensor_info(t));

    // The data section starts at the next multiple of the alignment (also for tensor-less files,
    // where it may be missing altogether: a vocab-only file ends right after its header).
    size_t start = c_.pos();
    const size_t rem = start % g.alignment;
    if (rem && add_overflows(start, g.alignment - rem, &start))
      fail(ErrorKind::Format, path_ + ":data", "data section offset overflows");
    if (start > size && !g.tensors.empty())
      fail(ErrorKind::Format, path_ + ":data", "file ends before the data section");
    g.data_start = start;
    place_tensors(g, size);
    return g;
  }

 private:
  std::string read_string(const std::string& what) {
    const uint64_t n = c_.le<uint64_t>(what + " length");
    if (n > c_.remaining())
      fail(ErrorKind::Format, path_ + ":" + what,
           "length " + std::to_string(n) + " is past the end of the file (" + std::to_string(c_.remaining()) +
               " bytes left)");
    return std::string(c_.take_str(size_t(n), what));
  }

  GgufType read_type(const std::string& where) {
    const uint32_t t = c_.le<uint32_t>("value type of " + where);
    if (t > uint32_t(GgufType::F64))
      fail(ErrorKind::Format, path_ + ":" + where, "unknown value type " + std::to_string(t));
    return GgufType(t);
  }

  GgufValue read_value(GgufType t, const std::string& where) {
    if (t == GgufType::String) return GgufValue::of_string(read_string(where));
    if (t != GgufType::Array) {
      const auto bytes = c_.take(gguf_scalar_size(t), "value of " + where);
      GgufValue v = gguf_decode_scalar(t, bytes.data());
      if (t == GgufType::Bool && bytes[0] > 1)
        fail(ErrorKind::Format, path_ + ":" + where,
             "bool value " + std::to_string(bytes[0]) + " is not 0 or 1");
      return v;
    }
    GgufValue v;
    v.type = GgufType::Array;
    v.elem = read_type(where + "[]");
    if (v.elem == GgufType::Array)
      fail(ErrorKind::Unsupported, path_ + ":" + where, "nested arrays are not supported");
    const uint64_t n = c_.le<uint64_t>("array length of " + where);
    const size_t min_elem = v.elem == GgufType::String ? 8 : gguf_scalar_size(v.elem);
    if (n > c_.remaining() / min_elem)
      fail(ErrorKind::Format, path_ + ":" + where,
           "array of " + std::to_string(n) + " " + std::string(gguf_type_name(v.elem)) +
               " cannot fit in the " + std::to_string(c_.remaining()) + " bytes left");
    v.count = size_t(n);
    if (v.elem == GgufType::String) {
      v.strs.reserve(v.count);
      for (size_t k = 0; k < v.count; ++k)
        v.strs.push_back(read_string(where + "[" + std::to_string(k) + "]"));
    } else {
      const auto bytes = c_.take(v.count * min_elem, "elements of " + where);
      v.raw.assign(bytes.begin(), bytes.end());
      if (v.elem == GgufType::Bool)
        for (size_t k = 0; k < v.count; ++k)
          if (v.raw[k] > 1)
            fail(ErrorKind::Format, path_ + ":" + where + "[" + std::to_string(k) + "]",
                 "bool value is not 0 or 1");
    }
    return v;
  }

  void read_kv(GgufFile& g, uint64_t index) {
    const std::string key = read_string("key " + std::to_string(index));
    if (key.empty()) fail(ErrorKind::Format, path_ + ":key " + std::to_string(index), "empty key");
    const GgufType t = read_type(key);
    GgufValue v = read_value(t, key);
    if (!g.kv.emplace(key, std::move(v)).second) fail(ErrorKind::Format, path_ + ":" + key, "duplicate key");
    g.keys.push_back(key);
  }

  void read_alignment(GgufFile& g) {
    const GgufValue* a = g.find("general.alignment");
    if (!a) return;
    if (a->type != GgufType::U32)
      fail(ErrorKind::Format, path_ + ":general.alignment",
           "expected u32, found " + std::string(gguf_type_name(a->type)));
    if (a->u == 0 || (a->u & (a->u - 1)) != 0)
      fail(ErrorKind::Format, path_ + ":general.alignment", std::to_string(a->u) + " is not a power of two");
    g.alignment = uint32_t(a->u);
  }

  GgufTensorInfo read_tensor_info(uint64_t index) {
    GgufTensorInfo t;
    t.name = read_string("name of tensor " + std::to_string(index));
    const std::string where = path_ + ":" + (t.name.empty() ? "tensor " + std::to_string(index) : t.name);
    if (t.name.empty()) fail(ErrorKind::Format, where, "empty tensor name");
    if (t.name.size() > kGgufMaxName)
      fail(ErrorKind::Format, where,
           "tensor name is " + std::to_string(t.name.size()) + " bytes (GGUF allows " +
               std::to_string(kGgufMaxName) + ")");
    const uint32_t n_dims = c_.le<uint32_t>("n_dims of " + t.name);
    if (n_dims > kGgufMaxDims)
      fail(ErrorKind::Format, where + ".n_dims", std::to_string(n_dims) + " dimensions (at most 4)");
    std::vector<int64_t> ne(n_dims);
    size_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t v = c_.le<uint64_t>("ne of " + t.name);
      if (v > uint64_t(INT64_MAX) || mul_overflows(numel, size_t(v), &numel) || numel > size_t(INT64_MAX))
        fail(ErrorKind::Format, where + ".ne", "element count overflows");
      ne[d] = int64_t(v);
    }
    t.shape.assign(ne.rbegin(), ne.rend());
    t.ggml_type = c_.le<uint32_t>("type of " + t.name);
    const std::optional<DType> dt = dtype_from_ggml(t.ggml_type);
    if (!dt) {
      const std::string_view name = ggml_type_name(t.ggml_type);
      if (!name.empty())
        fail(ErrorKind::Unsupported, where + ".type",
             "ggml type " + std::string(name) + " (" + std::to_string(t.ggml_type) +
                 ") is not supported (F32, F16, BF16, Q8_0, Q4_0 are)");
      fail(ErrorKind::Format, where + ".type", "unknown ggml type id " + std::to_string(t.ggml_type));
    }
    t.dtype = *dt;
    // Block types split rows (ne[0]) into blocks of 32; a partial block is not a valid tensor.
    if (dtype_is_block(t.dtype) && n_dims > 0 && ne[0] % 32 != 0)
      fail(ErrorKind::Format, where + ".ne",
           "row length " + std::to_string(ne[0]) + " is not a multiple of the " +
               std::string(ggml_type_name(t.ggml_type)) + " block (32)");
    if (!dtype_nbytes(t.dtype, int64_t(numel), &t.nbytes))
      fail(ErrorKind::Format, where + ".ne", "byte size overflows or is not whole blocks");
    t.offset = c_.le<uint64_t>("offset of " + t.name);
    return t;
  }

  void place_tensors(GgufFile& g, size_t size) {
    const size_t data_size = g.data_start <= size ? size - g.data_start : 0;
    std::map<std::string_view, bool> names;
    for (GgufTensorInfo& t : g.tensors) {
      const std::string where = path_ + ":" + t.name;
      if (!names.emplace(t.name, true).second) fail(ErrorKind::Format, where, "duplicate tensor name");
      if (t.offset % g.alignment != 0)
        fail(ErrorKind::Format, where + ".offset",
             std::to_string(t.offset) + " is not a multiple of the alignment " + std::to_string(g.alignment));
      if (t.offset > data_size || t.nbytes > data_size - size_t(t.offset))
        fail(ErrorKind::Format, where + ".offset",
             "data [" + std::to_string(t.offset) + ", +" + std::to_string(t.nbytes) +
                 ") is past the end of the " + std::to_string(data_size) + "-byte data section");
      t.file_offset = g.data_start + size_t(t.offset);
    }
    // Holes are allowed (padding); overlaps would alias two tensors' bytes.
    std::vector<const GgufTensorInfo*> order;
    for (const GgufTensorInfo& t : g.tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) {
      return a->offset != b->offset ? a->offset < b->offset : a->nbytes < b->nbytes;
    });
    for (size_t k = 1; k < order.size(); ++k) {
      const GgufTensorInfo* prev = order[k - 1];
      if (order[k]->nbytes && order[k]->offset < prev->offset + prev->nbytes)
        fail(ErrorKind::Format, path_ + ":" + order[k]->name + ".offset",
             "data overlaps tensor " + prev->name);
    }
  }

  ByteCursor c_;
  std::string path_;
};

}  // namespace

GgufFile parse_gguf(std::span<const uint8_t> file, const std::string& path) {
  return Parser(file, path).run();
}

}  // namespace janus

// GGUF (llama.cpp's single-file model container), little-endian versions 2 and 3:
//   u32 magic "GGUF", u32 version, u64 tensor_count, u64 kv_count,
//   kv_count x {string key, u32 value_type, value},
//   tensor_count x {string name, u32 n_dims, u64 ne[n_dims] (innermost first), u32 ggml_type, u64 offset},
//   zero padding to `general.alignment` (default 32), then the data section; each tensor's offset is
//   relative to it and a multiple of the alignment. A string is u64 length + bytes (no NUL); an array
//   is u32 element type + u64 count + elements.
// The file is untrusted: parse_gguf validates every count, length, offset and type before use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"

namespace janus {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr size_t kGgufMaxName = 63;  // ggml's GGML_MAX_NAME (64) includes the NUL
inline constexpr uint32_t kGgufMaxDims = 4;

enum class GgufType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};
std::string_view gguf_type_name(GgufType t);

// One metadata value. Scalars live in `u`/`i`/`f` (by signedness), strings in `str`. An array keeps
// its element type in `elem` and `count` elements: scalars packed little-endian in `raw` (as in the
// file, so memory stays proportional to the file), strings in `strs`. Nested arrays are refused
// (ggml does not read them either).
struct GgufValue {
  GgufType type = GgufType::U8;
  uint64_t u = 0;                // U8, U16, U32, U64, Bool
  int64_t i = 0;                 // I8, I16, I32, I64
  double f = 0;                  // F32, F64
  std::string str;               // String
  GgufType elem = GgufType::U8;  // Array
  size_t count = 0;
  std::vector<uint8_t> raw;
  std::vector<std::string> strs;

  static GgufValue of_u32(uint32_t v);
  static GgufValue of_i32(int32_t v);
  static GgufValue of_u64(uint64_t v);
  static GgufValue of_f32(float v);
  static GgufValue of_bool(bool v);
  static GgufValue of_string(std::string v);
  static GgufValue of_strings(std::vector<std::string> v);
  static GgufValue of_i32s(const std::vector<int32_t>& v);
  // Scalar of `t` holding v (integers and Bool from u/i, floats from f), for tests and the writer.
  static GgufValue scalar(GgufType t, uint64_t u, int64_t i, double f);
  // Array of scalars of `t`, each built by scalar(t, u[k], i[k], f[k]) semantics from `elems`.
  static GgufValue array_of(GgufType t, const std::vector<GgufValue>& elems);

  bool is_integer() const;  // U8..I64 (not Bool)
  bool is_float() const { return type == GgufType::F32 || type == GgufType::F64; }
  // Element k of a scalar array (k < count).
  GgufValue element(size_t k) const;
};

// Bytes of one scalar of `t` (0 for String and Array).
size_t gguf_scalar_size(GgufType t);
// Appends the little-endian encoding of scalar `v` to `out`.
void gguf_encode_scalar(const GgufValue& v, std::vector<uint8_t>& out);
// Decodes one scalar of `t` from `p` (gguf_scalar_size(t) bytes).
GgufValue gguf_decode_scalar(GgufType t, const uint8_t* p);

// ggml tensor types this engine maps to a DType (F32 0, F16 1, Q4_0 2, Q8_0 8, BF16 30).
std::optional<DType> dtype_from_ggml(uint32_t ggml_type);
std::optional<uint32_t> ggml_from_dtype(DType t);
// ggml's name of a type id ("q4_k", "iq2_xs", ...); empty for ids ggml does not define.
std::string_view ggml_type_name(uint32_t ggml_type);

struct GgufTensorInfo {
  std::string name;
  uint32_t ggml_type = 0;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;  // torch order: outermost first (ne reversed)
  uint64_t offset = 0;         // relative to the data section, as stored
  size_t file_offset = 0;      // absolute
  size_t nbytes = 0;
};

// A parsed header. Keys keep file order in `keys`; `kv` finds them by name.
struct GgufFile {
  std::string path;
  uint32_t version = 0;
  uint32_t alignment = kGgufDefaultAlignment;
  size_t data_start = 0;  // absolute offset of the data section
  std::vector<std::string> keys;
  std::map<std::string, GgufValue, std::less<>> kv;
  std::vector<GgufTensorInfo> tensors;  // file order

  const GgufValue* find(std::string_view key) const;
  // Typed accessors: nullopt when the key is absent; Error(Format) naming path:key when present
  // with another type. get_int accepts any integer type; get_float F32/F64.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<uint64_t> get_uint(std::string_view key) const;  // any integer type, >= 0
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::vector<std::string>> get_string_array(std::string_view key) const;
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;
  // The string of `key`, or Error(Format) naming path:key when absent.
  std::string require_string(std::string_view key) const;
};

// Validates the whole header against the file bytes; throws Error(Format) naming `path` and the
// field or tensor at fault, Error(Unsupported) for valid ggml types this engine cannot use and for
// big-endian or version-1 files.
GgufFile parse_gguf(std::span<const uint8_t> file, const std::string& path);

// True when the bytes start with the GGUF magic.
bool is_gguf(std::span<const uint8_t> head);

}  // namespace janus

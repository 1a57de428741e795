// GGUF value and ggml type tables, and the typed metadata accessors.
#include <array>
#include <cstring>

#include "core/error.h"
#include "io/gguf/gguf.h"
#include "io/weights/byte_cursor.h"

namespace janus {

std::string_view gguf_type_name(GgufType t) {
  static constexpr std::array<std::string_view, 13> names = {
      "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
  const auto i = static_cast<uint32_t>(t);
  return i < names.size() ? names[i] : "unknown";
}

GgufValue GgufValue::scalar(GgufType t, uint64_t u, int64_t i, double f) {
  GgufValue v;
  v.type = t;
  v.u = u;
  v.i = i;
  v.f = f;
  return v;
}
GgufValue GgufValue::of_u32(uint32_t v) {
  return scalar(GgufType::U32, v, 0, 0);
}
GgufValue GgufValue::of_i32(int32_t v) {
  return scalar(GgufType::I32, 0, v, 0);
}
GgufValue GgufValue::of_u64(uint64_t v) {
  return scalar(GgufType::U64, v, 0, 0);
}
GgufValue GgufValue::of_f32(float v) {
  return scalar(GgufType::F32, 0, 0, v);
}
GgufValue GgufValue::of_bool(bool v) {
  return scalar(GgufType::Bool, v ? 1 : 0, 0, 0);
}
GgufValue GgufValue::of_string(std::string s) {
  GgufValue v;
  v.type = GgufType::String;
  v.str = std::move(s);
  return v;
}
GgufValue GgufValue::of_strings(std::vector<std::string> s) {
  GgufValue v;
  v.type = GgufType::Array;
  v.elem = GgufType::String;
  v.count = s.size();
  v.strs = std::move(s);
  return v;
}
GgufValue GgufValue::of_i32s(const std::vector<int32_t>& s) {
  std::vector<GgufValue> e;
  e.reserve(s.size());
  for (int32_t x : s) e.push_back(of_i32(x));
  return array_of(GgufType::I32, e);
}
GgufValue GgufValue::array_of(GgufType t, const std::vector<GgufValue>& elems) {
  GgufValue v;
  v.type = GgufType::Array;
  v.elem = t;
  v.count = elems.size();
  for (const GgufValue& e : elems) {
    GgufValue c = e;
    c.type = t;
    gguf_encode_scalar(c, v.raw);
  }
  return v;
}

size_t gguf_scalar_size(GgufType t) {
  switch (t) {
    case GgufType::U8:
    case GgufType::I8:
    case GgufType::Bool:
      return 1;
    case GgufType::U16:
    case GgufType::I16:
      return 2;
    case GgufType::U32:
    case GgufType::I32:
    case GgufType::F32:
      return 4;
    case GgufType::U64:
    case GgufType::I64:
    case GgufType::F64:
      return 8;
    default:
      return 0;
  }
}

void gguf_encode_scalar(const GgufValue& v, std::vector<uint8_t>& out) {
  const size_t n = gguf_scalar_size(v.type);
  uint8_t b[8] = {};
  switch (v.type) {
    case GgufType::F32: {
      const float x = float(v.f);
      std::memcpy(b, &x, 4);
      break;
    }
    case GgufType::F64:
      std::memcpy(b, &v.f, 8);
      break;
    case GgufType::I8:
    case GgufType::I16:
    case GgufType::I32:
    case GgufType::I64:
      std::memcpy(b, &v.i, n);  // little-endian host: the low bytes are the narrow value
      break;
    default:
      std::memcpy(b, &v.u, n);
  }
  out.insert(out.end(), b, b + n);
}

GgufValue gguf_decode_scalar(GgufType t, const uint8_t* p) {
  switch (t) {
    case GgufType::U8:
      return GgufValue::scalar(t, p[0], 0, 0);
    case GgufType::Bool:
      return GgufValue::scalar(t, p[0] != 0, 0, 0);
    case GgufType::I8:
      return GgufValue::scalar(t, 0, int8_t(p[0]), 0);
    case GgufType::U16:
      return GgufValue::scalar(t, load_le<uint16_t>(p), 0, 0);
    case GgufType::I16:
      return GgufValue::scalar(t, 0, load_le<int16_t>(p), 0);
    case GgufType::U32:
      return GgufValue::scalar(t, load_le<uint32_t>(p), 0, 0);
    case GgufType::I32:
      return GgufValue::scalar(t, 0, load_le<int32_t>(p), 0);
    case GgufType::F32:
      return GgufValue::scalar(t, 0, 0, load_le<float>(p));
    case GgufType::U64:
      return GgufValue::scalar(t, load_le<uint64_t>(p), 0, 0);
    case GgufType::I64:
      return GgufValue::scalar(t, 0, load_le<int64_t>(p), 0);
    case GgufType::F64:
      return GgufValue::scalar(t, 0, 0, load_le<double>(p));
    default:
      fail(ErrorKind::Internal, "gguf", "not a scalar type");
  }
}

GgufValue GgufValue::element(size_t k) const {
  const size_t n = gguf_scalar_size(elem);
  if (type != GgufType::Array || n == 0 || k >= count || raw.size() < (k + 1) * n)
    fail(ErrorKind::Internal, "gguf", "element of a non-scalar array or out of range");
  return gguf_decode_scalar(elem, raw.data() + k * n);
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::U8:
    case GgufType::I8:
    case GgufType::U16:
    case GgufType::I16:
    case GgufType::U32:
    case GgufType::I32:
    case GgufType::U64:
    case GgufType::I64:
      return true;
    default:
      return false;
  }
}

namespace {
bool is_signed(GgufType t) {
  return t == GgufType::I8 || t == GgufType::I16 || t == GgufType::I32 || t == GgufType::I64;
}
}  // namespace

std::optional<DType> dtype_from_ggml(uint32_t t) {
  switch (t) {
    case 0:
      return DType::F32;
    case 1:
      return DType::F16;
    case 2:
      return DType::Q4_0;
    case 8:
      return DType::Q8_0;
    case 30:
      return DType::BF16;
    default:
      return std::nullopt;
  }
}

std::optional<uint32_t> ggml_from_dtype(DType t) {
  switch (t) {
    case DType::F32:
      return 0;
    case DType::F16:
      return 1;
    case DType::Q4_0:
      return 2;
    case DType::Q8_0:
      return 8;
    case DType::BF16:
      return 30;
    default:
      return std::nullopt;
  }
}

std::string_view ggml_type_name(uint32_t t) {
  // ggml's enum ggml_type; empty slots are ids ggml removed (their files no longer load anywhere).
  static constexpr std::array<std::string_view, 40> names = {
      "f32",    "f16",   "q4_0",  "q4_1",   "",      "",      "q5_0",    "q5_1",   "q8_0",    "q8_1",
      "q2_K",   "q3_K",  "q4_K",  "q5_K",   "q6_K",  "q8_K",  "iq2_xxs", "iq2_xs", "iq3_xxs", "iq1_s",
      "iq4_nl", "iq3_s", "iq2_s", "iq4_xs", "i8",    "i16",   "i32",     "i64",    "f64",     "iq1_m",
      "bf16",   "",      "",      "",       "tq1_0", "tq2_0", "",        "",       "",        "mxfp4"};
  return t < names.size() ? names[t] : std::string_view();
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = kv.find(key);
  return it == kv.end() ? nullptr : &it->second;
}

namespace {
[[noreturn]] void wrong_type(const GgufFile& f, std::string_view key, const GgufValue& v, const char* want) {
  std::string got(gguf_type_name(v.type));
  if (v.type == GgufType::Array) got += " of " + std::string(gguf_type_name(v.elem));
  fail(ErrorKind::Format, f.path + ":" + std::string(key),
       std::string("expected ") + want + ", found " + got);
}
}  // namespace

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::String) wrong_type(*this, key, *v, "a string");
  return v->str;
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_integer()) wrong_type(*this, key, *v, "an integer");
  if (is_signed(v->type)) return v->i;
  if (v->u > uint64_t(INT64_MAX))
    fail(ErrorKind::Format, path + ":" + std::string(key), "value out of range");
  return int64_t(v->u);
}

std::optional<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_integer()) wrong_type(*this, key, *v, "an integer");
  if (!is_signed(v->type)) return v->u;
  if (v->i < 0)
    fail(ErrorKind::Format, path + ":" + std::string(key), "negative value " + std::to_string(v->i));
  return uint64_t(v->i);
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_float()) wrong_type(*this, key, *v, "a float");
  return v->f;
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::Bool) wrong_type(*this, key, *v, "a bool");
  return v->u != 0;
}

std::optional<std::vector<std::string>> GgufFile::get_string_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::Array || v->elem != GgufType::String)
    wrong_type(*this, key, *v, "an array of string");
  return v->strs;
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  GgufValue probe;
  probe.type = v->elem;
  if (v->type != GgufType::Array || !probe.is_integer()) wrong_type(*this, key, *v, "an array of integers");
  std::vector<int64_t> out;
  out.reserve(v->count);
  for (size_t k = 0; k < v->count; ++k) {
    const GgufValue e = v->element(k);
    if (!is_signed(e.type) && e.u > uint64_t(INT64_MAX))
      fail(ErrorKind::Format, path + ":" + std::string(key), "element out of range");
    out.push_back(is_signed(e.type) ? e.i : int64_t(e.u));
  }
  return out;
}

std::string GgufFile::require_string(std::string_view key) const {
  std::optional<std::string> s = get_string(key);
  if (!s) fail(ErrorKind::Format, path + ":" + std::string(key), "missing");
  return *s;
}

bool is_gguf(std::span<const uint8_t> head) {
  return head.size() >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F';
}

}  // namespace janus

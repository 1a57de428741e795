#include "io/npy/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "core/error.h"

namespace janus {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

// numpy descr <-> DType. Only little-endian (or byte-order-free) types are accepted.
const char* descr_of(DType t) {
  switch (t) {
    case DType::F32:
      return "<f4";
    case DType::F64:
      return "<f8";
    case DType::F16:
      return "<f2";
    case DType::I64:
      return "<i8";
    case DType::I32:
      return "<i4";
    case DType::I16:
      return "<i2";
    case DType::I8:
      return "|i1";
    case DType::U8:
      return "|u1";
    case DType::Bool:
      return "|b1";
    case DType::BF16:  // numpy has no bf16
    case DType::Q8_0:  // nor block formats
    case DType::Q4_0:
      return nullptr;
  }
  return nullptr;
}

bool dtype_of(const std::string& d, DType* out) {
  static const DType all[] = {DType::F32, DType::F64, DType::F16, DType::I64, DType::I32,
                              DType::I16, DType::I8,  DType::U8,  DType::Bool};
  for (DType t : all) {
    std::string s = descr_of(t);
    // '|' and '<' are interchangeable for 1-byte types; '=' means native (little-endian here).
    if (d == s || (s[0] == '|' && d == "<" + s.substr(1)) ||
        (d.size() == 3 && d[0] == '=' && d.substr(1) == s.substr(1))) {
      *out = t;
      return true;
    }
  }
  return false;
}

// Extracts the value text after 'key': in the header dict literal.
std::string dict_value(const std::string& header, const std::string& key, const std::string& name) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) fail(ErrorKind::Format, name, "npy header lacks '" + key + "'");
  size_t colon = header.find(':', k);
  if (colon == std::string::npos) fail(ErrorKind::Format, name, "npy header malformed near '" + key + "'");
  size_t b = colon + 1;
  while (b < header.size() && header[b] == ' ') ++b;
  if (b >= header.size()) fail(ErrorKind::Format, name, "npy header malformed");
  size_t e;
  if (header[b] == '\'') {
    e = header.find('\'', b + 1);
    if (e == std::string::npos) fail(ErrorKind::Format, name, "npy header: unterminated string");
    return header.substr(b + 1, e - b - 1);
  }
  if (header[b] == '(') {
    e = header.find(')', b);
    if (e == std::string::npos) fail(ErrorKind::Format, name, "npy header: unterminated shape");
    return header.substr(b + 1, e - b - 1);
  }
  e = header.find_first_of(",}", b);
  return header.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

}  // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<float> NpyArray::to_f32() const {
  std::vector<float> out(static_cast<size_t>(numel()));
  const uint8_t* p = data.data();
  for (size_t i = 0; i < out.size(); ++i) {
    switch (dtype) {
      case DType::F32:
        std::memcpy(&out[i], p + 4 * i, 4);
        break;
      case DType::F64: {
        double v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = float(v);
        break;
      }
      case DType::F16: {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = f16_to_f32(h);
        break;
      }
      case DType::U8:
        out[i] = p[i];
        break;
      default:
        fail(ErrorKind::Format, "npy", "to_f32: unsupported dtype " + std::string(dtype_name(dtype)));
    }
  }
  return out;
}

std::vector<int64_t> NpyArray::to_i64() const {
  std::vector<int64_t> out(static_cast<size_t>(numel()));
  const uint8_t* p = data.data();
  for (size_t i = 0; i < out.size(); ++i) {
    switch (dtype) {
      case DType::I64:
        std::memcpy(&out[i], p + 8 * i, 8);
        break;
      case DType::I32: {
        int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = v;
        break;
      }
      case DType::U8:
        out[i] = p[i];
        break;
      default:
        fail(ErrorKind::Format, "npy", "to_i64: unsupported dtype " + std::string(dtype_name(dtype)));
    }
  }
  return out;
}

NpyArray parse_npy(const uint8_t* bytes, size_t size, const std::string& name) {
  if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0)
    fail(ErrorKind::Format, name, "not a .npy file (bad magic)");
  uint8_t major = bytes[6];
  size_t hlen, hoff;
  if (major == 1) {
    hlen = size_t(bytes[8]) | size_t(bytes[9]) << 8;
    hoff = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) fail(ErrorKind::Format, name, "truncated .npy header");
    hlen = size_t(bytes[8]) | size_t(bytes[9]) << 8 | size_t(bytes[10]) << 16 | size_t(bytes[11]) << 24;
    hoff = 12;
  } else {
    fail(ErrorKind::Format, name, "unsupported .npy version " + std::to_string(major));
  }
  if (hlen > size - hoff) fail(ErrorKind::Format, name, "truncated .npy header");
  std::string header(reinterpret_cast<const char*>(bytes + hoff), hlen);
  NpyArray a;
  std::string descr = dict_value(header, "descr", name);
  if (!dtype_of(descr, &a.dtype)) fail(ErrorKind::Unsupported, name, "unsupported npy dtype '" + descr + "'");
  std::string fortran = dict_value(header, "fortran_order", name);
  if (fortran.find("True") != std::string::npos)
    fail(ErrorKind::Unsupported, name, "Fortran-order arrays are not supported");
  std::string shape = dict_value(header, "shape", name);
  uint64_t numel = 1;
  for (size_t i = 0; i < shape.size();) {
    while (i < shape.size() && (shape[i] == ' ' || shape[i] == ',')) ++i;
    if (i >= shape.size()) break;
    size_t j = i;
    while (j < shape.size() && shape[j] >= '0' && shape[j] <= '9') ++j;
    if (j == i || j - i > 12) fail(ErrorKind::Format, name, "npy header: bad shape '" + shape + "'");
    int64_t d = std::stoll(shape.substr(i, j - i));
    a.shape.push_back(d);
    if (d != 0 && numel > (uint64_t(1) << 40) / uint64_t(d))
      fail(ErrorKind::Format, name, "npy shape too large");
    numel *= uint64_t(d);
    i = j;
  }
  uint64_t nbytes = numel * dtype_size(a.dtype);
  size_t off = hoff + hlen;
  if (nbytes != size - off)
    fail(ErrorKind::Format, name,
         "npy data is " + std::to_string(size - off) + " bytes, shape and dtype need " +
             std::to_string(nbytes));
  a.data.assign(bytes + off, bytes + size);
  return a;
}

NpyArray read_npy(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(ErrorKind::Io, path.string(), "cannot open");
  std::vector<uint8_t> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_npy(buf.data(), buf.size(), path.string());
}

void write_npy(const std::filesystem::path& path, DType dtype, const std::vector<int64_t>& shape,
               const void* data) {
  const char* descr = descr_of(dtype);
  if (!descr) fail(ErrorKind::Unsupported, path.string(), "dtype has no numpy equivalent");
  std::string sh = "(";
  uint64_t numel = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    sh += std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
    numel *= uint64_t(shape[i]);
  }
  sh += ")";
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + sh + ", }";
  // Pad so that the data starts on a 64-byte boundary, header ends with '\n' (numpy's own layout).
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) fail(ErrorKind::Io, path.string(), "cannot write");
    f.write(kMagic, 6);
    const char ver[2] = {1, 0};
    f.write(ver, 2);
    uint16_t hl = uint16_t(header.size());
    const char hlb[2] = {char(hl & 0xff), char(hl >> 8)};
    f.write(hlb, 2);
    f.write(header.data(), std::streamsize(header.size()));
    f.write(static_cast<const char*>(data), std::streamsize(numel * dtype_size(dtype)));
    if (!f) fail(ErrorKind::Io, path.string(), "write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail(ErrorKind::Io, path.string(), "rename failed: " + ec.message());
}

void write_npy_f32(const std::filesystem::path& path, const std::vector<int64_t>& shape, const float* data) {
  write_npy(path, DType::F32, shape, data);
}
void write_npy_i64(const std::filesystem::path& path, const std::vector<int64_t>& shape,
                   const int64_t* data) {
  write_npy(path, DType::I64, shape, data);
}

}  // namespace janus

#include "core/dtype.h"

#include <cstring>

namespace janus {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F64:
    case DType::I64:
      return 8;
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::F16:
    case DType::BF16:
    case DType::I16:
      return 2;
    case DType::I8:
    case DType::U8:
    case DType::Bool:
      return 1;
    case DType::Q8_0:
    case DType::Q4_0:
      return 0;
  }
  return 0;
}

bool dtype_is_block(DType t) {
  return t == DType::Q8_0 || t == DType::Q4_0;
}

bool dtype_nbytes(DType t, int64_t numel, size_t* out) {
  if (numel < 0) return false;
  uint64_t n = uint64_t(numel), unit = dtype_size(t);
  if (dtype_is_block(t)) {
    if (n % 32) return false;
    n /= 32;
    unit = t == DType::Q8_0 ? 34 : 18;
  }
  uint64_t r;
  if (__builtin_mul_overflow(n, unit, &r) || r > SIZE_MAX) return false;
  *out = size_t(r);
  return true;
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::F32:
      return "F32";
    case DType::F16:
      return "F16";
    case DType::BF16:
      return "BF16";
    case DType::F64:
      return "F64";
    case DType::I64:
      return "I64";
    case DType::I32:
      return "I32";
    case DType::I16:
      return "I16";
    case DType::I8:
      return "I8";
    case DType::U8:
      return "U8";
    case DType::Bool:
      return "BOOL";
    case DType::Q8_0:
      return "Q8_0";
    case DType::Q4_0:
      return "Q4_0";
  }
  return "?";
}

std::optional<DType> dtype_from_safetensors(std::string_view s) {
  static constexpr DType all[] = {DType::F32, DType::F16, DType::BF16, DType::F64, DType::I64,
                                  DType::I32, DType::I16, DType::I8,   DType::U8,  DType::Bool};
  for (DType t : all)
    if (dtype_name(t) == s) return t;
  return std::nullopt;
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, u;
  if (exp == 0) {
    if (man == 0) {
      u = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while (!(man & 0x400)) {
        man <<= 1;
        --exp;
      }
      u = sign | (exp << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (man << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return uint16_t(sign | 0x7e00u | ((a >> 13) & 0x3ffu));  // NaN stays NaN
  if (a >= 0x477ff000u) return uint16_t(sign | 0x7c00u);                        // rounds past 65504: inf
  if (a < 0x38800000u) {  // below the smallest normal: subnormal (or zero), rounded to nearest even
    if (a < 0x33000000u) return uint16_t(sign);  // under half the smallest subnormal
    const uint32_t man = (a & 0x7fffffu) | 0x800000u, shift = 126 - (a >> 23);
    // value = man·2^(e-150) with e = a >> 23; in units of the f16 subnormal 2^-24: man·2^(e-126)
    uint32_t q = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
    return uint16_t(sign | q);
  }
  uint32_t r = a - 0x38000000u;  // rebias exponent 127 -> 15 (still 13 extra mantissa bits)
  r += 0xfffu + ((r >> 13) & 1u);
  return uint16_t(sign | (r >> 13));
}

}  // namespace janus

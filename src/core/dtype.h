// Element types of stored and computed tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace janus {

// Q8_0 / Q4_0: GGML's 32-element block formats (core/quant.h). A tensor of these keeps its logical
// shape; its bytes are rows of blocks, so dtype_size() is 0 and dtype_nbytes() gives the size.
enum class DType : uint8_t { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool, Q8_0, Q4_0 };

size_t dtype_size(DType t);    // bytes per element; 0 for block formats
bool dtype_is_block(DType t);  // Q8_0, Q4_0
// Bytes of `numel` elements (block formats: numel must be a multiple of 32); false on overflow or
// a partial block.
bool dtype_nbytes(DType t, int64_t numel, size_t* out);
// Safetensors spelling ("F32", "BF16", ...).
std::string_view dtype_name(DType t);
std::optional<DType> dtype_from_safetensors(std::string_view s);

// bf16 <-> f32; round-to-nearest-even like torch's .to(torch.bfloat16).
inline float bf16_to_f32(uint16_t v) {
  uint32_t u = uint32_t(v) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}
float f16_to_f32(uint16_t h);
// f32 -> f16, round to nearest even; overflow gives ±inf (like a .half() cast).
uint16_t f32_to_f16(float f);

}  // namespace janus

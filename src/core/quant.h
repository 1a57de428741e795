// Block-quantized weights in GGML's Q8_0 and Q4_0 layouts, so GGUF files are readable by both
// engines. A row of K weights (K % 32 == 0) is K/32 blocks; value = d · q with d an f16 scale.
//   Q8_0: {f16 d; int8 q[32]}                 34 bytes, q in [-127, 127]
//   Q4_0: {f16 d; uint8 qs[16]}               18 bytes, element j in the low nibble of qs[j],
//         element j+16 in the high nibble; q = nibble - 8 in [-8, 7]
// These are the plain reference routines; the GEMV kernels read the same bytes.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace janus::quant {

constexpr int64_t kBlock = 32;

struct BlockQ8_0 {
  uint16_t d;  // f16 scale
  int8_t q[kBlock];
};
struct BlockQ4_0 {
  uint16_t d;  // f16 scale
  uint8_t qs[kBlock / 2];
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18, "GGML block sizes");

// Quantize n values (n % 32 == 0) to blocks. Q8_0: d = max|x| / 127, q = round(x / d).
// Q4_0: m = the value of largest magnitude (sign kept), d = m / -8, q = clamp(trunc(x/d + 8.5), 0, 15):
// the extreme value lands exactly on -8·d, so the 16th level is used.
void quantize_q8_0(const float* x, BlockQ8_0* out, int64_t n);
void quantize_q4_0(const float* x, BlockQ4_0* out, int64_t n);
void dequantize_q8_0(const BlockQ8_0* in, float* y, int64_t n);
void dequantize_q4_0(const BlockQ4_0* in, float* y, int64_t n);

// Rows of `t` (Q8_0 or Q4_0) of row length k: y = element i of the flat tensor, dequantized.
float dequantize_at(DType t, const void* data, int64_t i);
// Dequantize `n` values (n % 32 == 0) of a Q8_0/Q4_0 buffer starting at element `first` (% 32 == 0).
void dequantize(DType t, const void* data, int64_t first, int64_t n, float* y);
// Quantize n values (n % 32 == 0) into `out` (dtype_nbytes(t, n) bytes).
void quantize(DType t, const float* x, int64_t n, void* out);

}  // namespace janus::quant

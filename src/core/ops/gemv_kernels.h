// Decode GEMV kernels: y[r, o] = Σ_k x[r, k]·W[o, k] (+ bias[o]) for a few rows r and output rows
// o in [o0, o1), streaming each weight row once for all rows of x. Raw pointers only: these are
// compiled for specific instruction sets (see cpu_features.h) and called after the check.
#pragma once

#include <cstdint>

namespace janus::ops::kern {

// Rows of x handled per pass over the weights (register tiles of 16 zmm / 8 ymm accumulators).
constexpr int kGemvRowsAvx512 = 4;
constexpr int kGemvRowsAvx2 = 4;
constexpr int kGemvRowsDpbf16 = 2;  // vdpbf16ps is only worth it while bandwidth-bound

struct GemvArgs {
  const float* x = nullptr;      // [rows, K] f32 (already bf16-valued in BF16 mode)
  const uint16_t* xb = nullptr;  // [rows, kpad] x as bf16, zero-padded (dpbf16 kernel only)
  int64_t kpad = 0;              // K rounded up to 32
  int64_t rows = 0;              // 1 .. kGemvRows* of the kernel
  int64_t K = 0;
  const void* w = nullptr;      // [N, K] weights, dtype per kernel (block rows for Q8_0/Q4_0)
  const float* bias = nullptr;  // [N] or null
  bool round_out = false;       // round y to bf16 (after the bias)
  float* y = nullptr;           // [rows, N]
  int64_t N = 0;
  // int8-dot kernels (gemv_q*_vnni): x quantized by prepare_int8_x, per row r at r·(K) / r·(K/4).
  const int8_t* xq = nullptr;   // [rows, K] int8, in the kernel's byte order
  const float* xs = nullptr;    // [rows, K/4] per-lane scales (16 per pair of blocks)
  const int32_t* xc = nullptr;  // [rows, K/4] per-lane offset corrections (dot start values)
};

// AVX-512 F/BW/VL: weights upcast to f32 in registers, FMA.
void gemv_bf16_avx512(const GemvArgs& a, int64_t o0, int64_t o1);
void gemv_f16_avx512(const GemvArgs& a, int64_t o0, int64_t o1);
void gemv_f32_avx512(const GemvArgs& a, int64_t o0, int64_t o1);
// AVX512_BF16: vdpbf16ps on bf16 x (a.xb) and bf16 weights. Exact products, f32 sums. Without
// AMX this CPU family retires half as many vdpbf16ps as FMAs per cycle, so it only serves 1-2 rows.
void gemv_bf16_dpbf16(const GemvArgs& a, int64_t o0, int64_t o1);
// Q8_0 / Q4_0 weights (core/quant.h; K % 32 == 0): blocks widened to f32, x in f32.
void gemv_q8_0_avx512(const GemvArgs& a, int64_t o0, int64_t o1);
void gemv_q4_0_avx512(const GemvArgs& a, int64_t o0, int64_t o1);
void gemv_q8_0_avx2(const GemvArgs& a, int64_t o0, int64_t o1);
void gemv_q4_0_avx2(const GemvArgs& a, int64_t o0, int64_t o1);
// AVX512_VNNI: pairs of blocks as one vpdpbusd against x quantized to int8 per 32-block (K % 64
// == 0): scale max|x|/127, rounded half to even. prepare_int8_x fills xq/xs/xc for `rows` rows of
// x [rows, K] in the layout of `q4`.
void prepare_int8_x(const float* x, int64_t rows, int64_t K, bool q4, int8_t* xq, float* xs, int32_t* xc);
void gemv_q8_0_vnni(const GemvArgs& a, int64_t o0, int64_t o1);
void gemv_q4_0_vnni(const GemvArgs& a, int64_t o0, int64_t o1);
// AVX2 + FMA + F16C.
void gemv_bf16_avx2(const GemvArgs& a, int64_t o0, int64_t o1);
void gemv_f16_avx2(const GemvArgs& a, int64_t o0, int64_t o1);
void gemv_f32_avx2(const GemvArgs& a, int64_t o0, int64_t o1);

}  // namespace janus::ops::kern

namespace janus::ops::kern {
// f16 -> f32 for n elements with F16C (weight tiles for the oneDNN f32 GEMM).
void convert_f16_avx2(const uint16_t* src, float* dst, int64_t n);
// dst[i] = src[i] rounded to bf16 (as f32), bit-identical to f32_to_bf16 incl. NaN; AVX-512 F.
void round_bf16_avx512(const float* src, float* dst, int64_t n);
}  // namespace janus::ops::kern

// AVX512_VNNI GEMV on Q8_0 / Q4_0 weights (see gemv_kernels.h): llama.cpp's approach of quantizing
// x to int8 per 32-block (f32 scale xs = max|x|/127) so each pair of weight blocks is one vpdpbusd
// (64 multiply-adds per instruction) instead of widening every weight to f32.
//
// vpdpbusd multiplies unsigned by signed bytes, so the weights enter as unsigned u = q + off:
// Q8_0 q ∈ [-127, 127] flipped by XOR 0x80 (off 128), Q4_0 nibbles as stored (off 8). The offset
// contributes off·Σ xq per block, precomputed per row as −off·Σ xq (xc), the int32 start value of
// the block's dot product: exact.
// Per pair, the int32 lanes are scaled by d_w·xs of their block and summed into one FMA chain.
//
// Byte order of a block pair (b, b+1) in 16-byte lanes, which x follows:
//   Q8_0: [b 0-15 | b 16-31 | b+1 0-15 | b+1 16-31]   (int32 lanes 0-7: b, 8-15: b+1)
//   Q4_0: [b 0-15 | b+1 0-15 | b 16-31 | b+1 16-31]   (lanes 0-3, 8-11: b; 4-7, 12-15: b+1), the
//         order in which the low and high nibbles of both blocks unpack.
#include "core/ops/cpu_features.h"
#if JANUS_OPS_X86
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include <cmath>

#include "core/dtype.h"
#include "core/ops/gemv_kernels.h"
#include "core/quant.h"

#define JANUS_TVNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))

namespace janus::ops::kern {

namespace {

using quant::BlockQ4_0;
using quant::BlockQ8_0;

inline float finish(const GemvArgs& a, float s, int64_t o) {
  if (a.bias) s += a.bias[o];
  return a.round_out ? bf16_to_f32(f32_to_bf16(s)) : s;
}

template <bool Q4>
struct Dec;
template <>
struct Dec<false> {
  using B = BlockQ8_0;
  JANUS_TVNNI static inline __m512i load(const B* w) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[0].q));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[1].q));
    const __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    return _mm512_xor_si512(v, _mm512_set1_epi8(char(0x80)));
  }
};
template <>
struct Dec<true> {
  using B = BlockQ4_0;
  JANUS_TVNNI static inline __m512i load(const B* w) {
    const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[0].qs));
    const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[1].qs));
    const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(v0), v1, 1);
    const __m256i m4 = _mm256_set1_epi8(15);
    const __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
  }
};

// OB output rows × R input rows.
template <bool Q4, int R, int OB>
JANUS_TVNNI void tile(const GemvArgs& a, int64_t o) {
  using B = typename Dec<Q4>::B;
  const int64_t nb = a.K / quant::kBlock, pairs = nb / 2;
  const B* w = static_cast<const B*>(a.w) + o * nb;
  // Lane -> block of the pair, for spreading the two scales over the lanes.
  const __m512i idx = Q4 ? _mm512_set_epi32(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0)
                         : _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  __m512 acc[R][OB];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < OB; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; ++p) {
    for (int j = 0; j < OB; ++j) {
      const B* blk = w + j * nb + 2 * p;
      if (OB > 1) _mm_prefetch(reinterpret_cast<const char*>(blk + OB * nb), _MM_HINT_T0);
      const __m512i wv = Dec<Q4>::load(blk);
      const __m128 d2 = _mm_cvtph_ps(_mm_cvtsi32_si128(int(uint32_t(blk[0].d) | (uint32_t(blk[1].d) << 16))));
      const __m512 d = _mm512_permutexvar_ps(idx, _mm512_castps128_ps512(d2));
      for (int r = 0; r < R; ++r) {
        const __m512i xv = _mm512_loadu_si512(a.xq + r * a.K + p * 64);
        // Starts from −off·Σxq (xc), so the offset is gone without a subtraction.
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_loadu_si512(a.xc + r * (a.K / 4) + p * 16), wv, xv);
        const __m512 s = _mm512_mul_ps(d, _mm512_loadu_ps(a.xs + r * (a.K / 4) + p * 16));
        acc[r][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), s, acc[r][j]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < OB; ++j) a.y[r * a.N + o + j] = finish(a, _mm512_reduce_add_ps(acc[r][j]), o + j);
}

template <bool Q4, int R>
JANUS_TVNNI void run_rows(const GemvArgs& a, int64_t o0, int64_t o1) {
  int64_t o = o0;
  for (; o + 2 <= o1; o += 2) tile<Q4, R, 2>(a, o);
  for (; o < o1; ++o) tile<Q4, R, 1>(a, o);
}

template <bool Q4>
JANUS_TVNNI void run(const GemvArgs& a, int64_t o0, int64_t o1) {
  switch (a.rows) {
    case 1:
      return run_rows<Q4, 1>(a, o0, o1);
    case 2:
      return run_rows<Q4, 2>(a, o0, o1);
    case 3:
      return run_rows<Q4, 3>(a, o0, o1);
    default:
      return run_rows<Q4, 4>(a, o0, o1);
  }
}

}  // namespace

JANUS_TVNNI void prepare_int8_x(const float* x, int64_t rows, int64_t K, bool q4, int8_t* xq, float* xs,
                                int32_t* xc) {
  const int off = q4 ? 8 : 128;
  // Lane -> block of the pair (as in tile()), and where each block's correction goes: its first lane.
  const __m512i lanes = q4 ? _mm512_set_epi32(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0)
                           : _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  const __mmask16 first = q4 ? __mmask16(0x0011) : __mmask16(0x0101);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * K;
    for (int64_t p = 0; p < K / 64; ++p) {
      float scale[2];
      int32_t sum[2];
      __m128i q[2][2];  // [block][half]: 16 int8 each
      for (int j = 0; j < 2; ++j) {
        const __m512 v0 = _mm512_loadu_ps(xr + (2 * p + j) * 32),
                     v1 = _mm512_loadu_ps(xr + (2 * p + j) * 32 + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        scale[j] = amax / 127.0f;
        const __m512 inv = _mm512_set1_ps(scale[j] != 0 ? 1.0f / scale[j] : 0.0f);
        // Round half to even (the default MXCSR mode), |q| <= 127.
        const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, inv)),
                      i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, inv));
        sum[j] = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
        q[j][0] = _mm512_cvtsepi32_epi8(i0);
        q[j][1] = _mm512_cvtsepi32_epi8(i1);
      }
      int8_t* dst = xq + r * K + p * 64;
      for (int j = 0; j < 2; ++j)
        for (int h = 0; h < 2; ++h)
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (q4 ? 32 * h + 16 * j : 32 * j + 16 * h)),
                           q[j][h]);
      const __m512 sv =
          _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(_mm_setr_ps(scale[0], scale[1], 0, 0)));
      _mm512_storeu_ps(xs + r * (K / 4) + p * 16, sv);
      const __m512i cv = _mm512_permutexvar_epi32(
          lanes, _mm512_castsi128_si512(_mm_setr_epi32(-off * sum[0], -off * sum[1], 0, 0)));
      _mm512_storeu_si512(xc + r * (K / 4) + p * 16, _mm512_maskz_mov_epi32(first, cv));
    }
  }
}

void gemv_q8_0_vnni(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<false>(a, o0, o1);
}
void gemv_q4_0_vnni(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<true>(a, o0, o1);
}

}  // namespace janus::ops::kern

#endif  // JANUS_OPS_X86

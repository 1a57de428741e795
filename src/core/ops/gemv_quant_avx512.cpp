// AVX-512 GEMV kernels on Q8_0 / Q4_0 weights (see gemv_kernels.h, core/quant.h). Each block's 32
// quants are widened to f32, dotted with x in f32 (the block's partial sum), then scaled by the
// block's d into one FMA chain per 16 lanes: y = Σ_b d_b·(Σ_i q_i·x_i), x kept in f32 (weights-only
// quantization). The value of an output does not depend on how [o0, o1) is split over threads.
#include "core/ops/cpu_features.h"
#if JANUS_OPS_X86
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include "core/dtype.h"
#include "core/ops/gemv_kernels.h"
#include "core/quant.h"

#define JANUS_T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

namespace janus::ops::kern {

namespace {

using quant::BlockQ4_0;
using quant::BlockQ8_0;

// One block's 32 weights as two f32 vectors (elements 0-15, 16-31), and its scale.
struct DecQ8 {
  using B = BlockQ8_0;
  JANUS_T512 static inline void load(const B& b, __m512& w0, __m512& w1) {
    w0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.q))));
    w1 =
        _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.q + 16))));
  }
};
struct DecQ4 {
  using B = BlockQ4_0;
  JANUS_T512 static inline void load(const B& b, __m512& w0, __m512& w1) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs));
    const __m128i m4 = _mm_set1_epi8(15), eight = _mm_set1_epi8(8);
    const __m128i lo = _mm_sub_epi8(_mm_and_si128(v, m4), eight);
    const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(v, 4), m4), eight);
    w0 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(lo));
    w1 = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(hi));
  }
};

inline float finish(const GemvArgs& a, float s, int64_t o) {
  if (a.bias) s += a.bias[o];
  return a.round_out ? bf16_to_f32(f32_to_bf16(s)) : s;
}

// OB output rows × R input rows.
template <class D, int R, int OB>
JANUS_T512 void tile(const GemvArgs& a, int64_t o) {
  using B = typename D::B;
  const int64_t nb = a.K / quant::kBlock;
  const B* w = static_cast<const B*>(a.w) + o * nb;
  __m512 acc[R][OB];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < OB; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    __m512 x0[R], x1[R];
    for (int r = 0; r < R; ++r) {
      x0[r] = _mm512_loadu_ps(a.x + r * a.K + b * 32);
      x1[r] = _mm512_loadu_ps(a.x + r * a.K + b * 32 + 16);
    }
    for (int j = 0; j < OB; ++j) {
      const B& blk = w[j * nb + b];
      // The next tile's rows: each row is its own stream, which the hardware prefetcher starts late.
      if (OB > 1) _mm_prefetch(reinterpret_cast<const char*>(&w[(j + OB) * nb + b]), _MM_HINT_T0);
      __m512 w0, w1;
      D::load(blk, w0, w1);
      const __m512 d = _mm512_set1_ps(_cvtsh_ss(blk.d));
      for (int r = 0; r < R; ++r) {
        const __m512 t = _mm512_fmadd_ps(w1, x1[r], _mm512_mul_ps(w0, x0[r]));
        acc[r][j] = _mm512_fmadd_ps(t, d, acc[r][j]);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < OB; ++j) a.y[r * a.N + o + j] = finish(a, _mm512_reduce_add_ps(acc[r][j]), o + j);
}

template <class D, int R>
JANUS_T512 void run_rows(const GemvArgs& a, int64_t o0, int64_t o1) {
  int64_t o = o0;
  for (; o + 4 <= o1; o += 4) tile<D, R, 4>(a, o);
  for (; o < o1; ++o) tile<D, R, 1>(a, o);
}

template <class D>
JANUS_T512 void run(const GemvArgs& a, int64_t o0, int64_t o1) {
  switch (a.rows) {
    case 1:
      return run_rows<D, 1>(a, o0, o1);
    case 2:
      return run_rows<D, 2>(a, o0, o1);
    case 3:
      return run_rows<D, 3>(a, o0, o1);
    default:
      return run_rows<D, 4>(a, o0, o1);
  }
}

}  // namespace

void gemv_q8_0_avx512(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<DecQ8>(a, o0, o1);
}
void gemv_q4_0_avx512(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<DecQ4>(a, o0, o1);
}

}  // namespace janus::ops::kern

#endif  // JANUS_OPS_X86

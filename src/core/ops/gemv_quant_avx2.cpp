// AVX2 + FMA + F16C GEMV kernels on Q8_0 / Q4_0 weights: the AVX-512 kernels' arithmetic on 8 lanes
// (block partial sums in f32, scaled by d into one FMA chain per lane).
#include "core/ops/cpu_features.h"
#if JANUS_OPS_X86
#include <immintrin.h>

#include "core/dtype.h"
#include "core/ops/gemv_kernels.h"
#include "core/quant.h"

#define JANUS_T256 __attribute__((target("avx2,fma,f16c")))

namespace janus::ops::kern {

namespace {

using quant::BlockQ4_0;
using quant::BlockQ8_0;

// Weights g*8 .. g*8+7 of a block as f32.
struct DecQ8 {
  using B = BlockQ8_0;
  JANUS_T256 static inline __m256 load(const B& b, int g) {
    return _mm256_cvtepi32_ps(
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.q + 8 * g))));
  }
};
struct DecQ4 {
  using B = BlockQ4_0;
  // Groups 0, 1: low nibbles of qs[0..15]; groups 2, 3: high nibbles.
  JANUS_T256 static inline __m256 load(const B& b, int g) {
    __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.qs + 8 * (g & 1)));
    if (g >= 2) v = _mm_srli_epi16(v, 4);
    v = _mm_sub_epi8(_mm_and_si128(v, _mm_set1_epi8(15)), _mm_set1_epi8(8));
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v));
  }
};

JANUS_T256 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <class D, int R>
JANUS_T256 void row(const GemvArgs& a, int64_t o) {
  using B = typename D::B;
  const int64_t nb = a.K / quant::kBlock;
  const B* w = static_cast<const B*>(a.w) + o * nb;
  __m256 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    __m256 t[R];
    for (int g = 0; g < 4; ++g) {
      const __m256 wv = D::load(w[b], g);
      for (int r = 0; r < R; ++r) {
        const __m256 xv = _mm256_loadu_ps(a.x + r * a.K + b * 32 + g * 8);
        t[r] = g == 0 ? _mm256_mul_ps(wv, xv) : _mm256_fmadd_ps(wv, xv, t[r]);
      }
    }
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(w[b].d));
    for (int r = 0; r < R; ++r) acc[r] = _mm256_fmadd_ps(t[r], d, acc[r]);
  }
  for (int r = 0; r < R; ++r) {
    float s = hsum(acc[r]);
    if (a.bias) s += a.bias[o];
    a.y[r * a.N + o] = a.round_out ? bf16_to_f32(f32_to_bf16(s)) : s;
  }
}

template <class D>
JANUS_T256 void run(const GemvArgs& a, int64_t o0, int64_t o1) {
  for (int64_t o = o0; o < o1; ++o) switch (a.rows) {
      case 1:
        row<D, 1>(a, o);
        break;
      case 2:
        row<D, 2>(a, o);
        break;
      case 3:
        row<D, 3>(a, o);
        break;
      default:
        row<D, 4>(a, o);
    }
}

}  // namespace

void gemv_q8_0_avx2(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<DecQ8>(a, o0, o1);
}
void gemv_q4_0_avx2(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<DecQ4>(a, o0, o1);
}

}  // namespace janus::ops::kern

#endif  // JANUS_OPS_X86

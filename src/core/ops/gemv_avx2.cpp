// AVX2 + FMA + F16C GEMV kernels (see gemv_kernels.h); tails of K % 8 are summed in scalar code.
#include "core/ops/cpu_features.h"
#if JANUS_OPS_X86
#include <immintrin.h>

#include "core/dtype.h"
#include "core/ops/gemv_kernels.h"

#define JANUS_T256 __attribute__((target("avx2,fma,f16c")))

namespace janus::ops::kern {

namespace {

struct LoadBf16 {
  using T = uint16_t;
  JANUS_T256 static inline __m256 full(const T* p) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static inline float one(const T* p) { return bf16_to_f32(*p); }
};
struct LoadF16 {
  using T = uint16_t;
  JANUS_T256 static inline __m256 full(const T* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static inline float one(const T* p) { return f16_to_f32(*p); }
};
struct LoadF32 {
  using T = float;
  JANUS_T256 static inline __m256 full(const T* p) { return _mm256_loadu_ps(p); }
  static inline float one(const T* p) { return *p; }
};

JANUS_T256 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <class L, int R, int OB>
JANUS_T256 void tile(const GemvArgs& a, int64_t o) {
  using T = typename L::T;
  const T* w = static_cast<const T*>(a.w) + o * a.K;
  const int64_t K = a.K;
  __m256 acc[R][OB];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < OB; ++j) acc[r][j] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    __m256 xv[R];
    for (int r = 0; r < R; ++r) xv[r] = _mm256_loadu_ps(a.x + r * K + k);
    const bool line = (k * int64_t(sizeof(T))) % 64 == 0;  // one prefetch per cache line
    for (int j = 0; j < OB; ++j) {
      // Rows start cold at page ends: fetch the next tile's rows ahead (see gemv_avx512.cpp).
      if (OB > 1 && line) _mm_prefetch(reinterpret_cast<const char*>(w + (j + OB) * K + k), _MM_HINT_T0);
      __m256 wv = L::full(w + j * K + k);
      for (int r = 0; r < R; ++r) acc[r][j] = _mm256_fmadd_ps(xv[r], wv, acc[r][j]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < OB; ++j) {
      float s = hsum(acc[r][j]);
      for (int64_t t = k; t < K; ++t) s += a.x[r * K + t] * L::one(w + j * K + t);
      if (a.bias) s += a.bias[o + j];
      a.y[r * a.N + o + j] = a.round_out ? bf16_to_f32(f32_to_bf16(s)) : s;
    }
}

template <class L, int R>
JANUS_T256 void run_rows(const GemvArgs& a, int64_t o0, int64_t o1) {
  int64_t o = o0;
  for (; o + 2 <= o1; o += 2) tile<L, R, 2>(a, o);
  for (; o < o1; ++o) tile<L, R, 1>(a, o);
}

template <class L>
JANUS_T256 void run(const GemvArgs& a, int64_t o0, int64_t o1) {
  switch (a.rows) {
    case 1:
      return run_rows<L, 1>(a, o0, o1);
    case 2:
      return run_rows<L, 2>(a, o0, o1);
    case 3:
      return run_rows<L, 3>(a, o0, o1);
    default:
      return run_rows<L, 4>(a, o0, o1);
  }
}

}  // namespace

void gemv_bf16_avx2(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<LoadBf16>(a, o0, o1);
}
void gemv_f16_avx2(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<LoadF16>(a, o0, o1);
}
void gemv_f32_avx2(const GemvArgs& a, int64_t o0, int64_t o1) {
  run<LoadF32>(a, o0, o1);
}

}  // namespace janus::ops::kern

namespace janus::ops::kern {

JANUS_T256 void convert_f16_avx2(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  for (; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}

}  // namespace janus::ops::kern

#endif  // JANUS_OPS_X86

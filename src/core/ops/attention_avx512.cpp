// AVX-512 attention. For prefill, K of a kv head is transposed once into Kt [hd, Sp] so 16 keys'
// scores come from one FMA per head dim; for decode the scores are direct dot products. A block
// of up to 4 query rows shares every K and V load.
// GCC 12 flags _mm512_undefined_* inside its own intrinsic headers; not ours to fix.
#include "core/ops/cpu_features.h"
#if JANUS_OPS_X86
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "core/dtype.h"
#include "core/ops/attention_kernels.h"

#define JANUS_T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))

namespace janus::ops::kern {

namespace {

inline int64_t pad16(int64_t n) {
  return (n + 15) / 16 * 16;
}

// Round to nearest bf16, ties to even, as f32 (inputs here are finite).
JANUS_T512 inline __m512 round_bf16(__m512 v) {
  __m512i u = _mm512_castps_si512(v);
  __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  u = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
  return _mm512_castsi512_ps(_mm512_and_si512(u, _mm512_set1_epi32(int(0xffff0000u))));
}

// exp(x) for x <= 0: 2^n · e^r with |r| <= ln2/2, degree-7 Taylor (error below 1e-8 relative).
JANUS_T512 inline __m512 exp_neg(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-104.0f));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

JANUS_T512 inline __mmask16 tail_mask(int64_t n) {
  return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
}

// K/V element access: f32 rows, or bf16 rows (a bf16 KV cache) widened exactly.
inline float kv_at(const float* p, int64_t i) {
  return p[i];
}
inline float kv_at(const uint16_t* p, int64_t i) {
  return bf16_to_f32(p[i]);
}
JANUS_T512 inline __m512 kv_load(const float* p, __mmask16 m) {
  return _mm512_maskz_loadu_ps(m, p);
}
JANUS_T512 inline __m512 kv_load(const uint16_t* p, __mmask16 m) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
}
template <class T>
const T* kv_k(const AttnArgs& a);
template <>
const float* kv_k<float>(const AttnArgs& a) {
  return a.k;
}
template <>
const uint16_t* kv_k<uint16_t>(const AttnArgs& a) {
  return a.kb;
}
template <class T>
const T* kv_v(const AttnArgs& a);
template <>
const float* kv_v<float>(const AttnArgs& a) {
  return a.v;
}
template <>
const uint16_t* kv_v<uint16_t>(const AttnArgs& a) {
  return a.vb;
}

template <class T>
JANUS_T512 void transpose_k(const AttnArgs& a, int64_t kh, int64_t Sp, float* kt) {
  for (int64_t j = 0; j < a.S; ++j) {
    const T* src = kv_k<T>(a) + (j * a.nkv + kh) * a.hd;
    for (int64_t d = 0; d < a.hd; ++d) kt[d * Sp + j] = kv_at(src, d);
  }
  for (int64_t d = 0; d < a.hd; ++d)
    for (int64_t j = a.S; j < Sp; ++j) kt[d * Sp + j] = 0;
}

// Raw scores q·k of R rows against keys [0, n) straight from K [S, nkv, hd] (no transpose):
// the cheaper choice when few queries share the keys (decode). Four keys at a time, so four FMA
// chains are in flight instead of one (a single key's chain is latency-bound); each key's sum is
// still the same FMA sequence over d, then one reduction, so the scores do not change.
template <class T, int R>
JANUS_T512 void scores_direct(const AttnArgs& a, const float* const* qr, int64_t kh, int64_t n, int64_t Sp,
                              float* sc) {
  constexpr int J = 4;
  const int64_t hd = a.hd;
  int64_t j = 0;
  for (; j + J <= n; j += J) {
    const T* kr[J];
    for (int jj = 0; jj < J; ++jj) kr[jj] = kv_k<T>(a) + ((j + jj) * a.nkv + kh) * hd;
    __m512 acc[R][J];
    for (int r = 0; r < R; ++r)
      for (int jj = 0; jj < J; ++jj) acc[r][jj] = _mm512_setzero_ps();
    for (int64_t d = 0; d < hd; d += 16) {
      const __mmask16 m = tail_mask(hd - d);
      __m512 qv[R];
      for (int r = 0; r < R; ++r) qv[r] = _mm512_maskz_loadu_ps(m, qr[r] + d);
      for (int jj = 0; jj < J; ++jj) {
        const __m512 kv = kv_load(kr[jj] + d, m);
        for (int r = 0; r < R; ++r) acc[r][jj] = _mm512_fmadd_ps(qv[r], kv, acc[r][jj]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int jj = 0; jj < J; ++jj) sc[r * Sp + j + jj] = _mm512_reduce_add_ps(acc[r][jj]);
  }
  for (; j < n; ++j) {
    const T* kr = kv_k<T>(a) + (j * a.nkv + kh) * hd;
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t d = 0; d < hd; d += 16) {
      const __mmask16 m = tail_mask(hd - d);
      const __m512 kv = kv_load(kr + d, m);
      for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, qr[r] + d), kv, acc[r]);
    }
    for (int r = 0; r < R; ++r) sc[r * Sp + j] = _mm512_reduce_add_ps(acc[r]);
  }
}

// Raw scores for 16 keys at a time from the transposed Kt [hd, Sp] (prefill).
template <int R>
JANUS_T512 void scores_transposed(const AttnArgs& a, const float* const* qr, const float* kt, int64_t n,
                                  int64_t Sp, float* sc) {
  for (int64_t j = 0; j < n; j += 16) {
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t d = 0; d < a.hd; ++d) {
      const __m512 kv = _mm512_loadu_ps(kt + d * Sp + j);
      for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(qr[r][d]), kv, acc[r]);
    }
    for (int r = 0; r < R; ++r) _mm512_storeu_ps(sc + r * Sp + j, acc[r]);
  }
}

// Query rows t0 .. t0+R-1 of head h; kt is null for the direct score path.
template <class T, int R>
JANUS_T512 void block(const AttnArgs& a, int64_t h, int64_t t0, const float* kt, int64_t Sp, float* sc) {
  const int64_t hd = a.hd, kh = h / (a.nh / a.nkv);
  const float* qr[R];
  int64_t vis[R];
  for (int r = 0; r < R; ++r) {
    qr[r] = a.q + ((t0 + r) * a.nh + h) * hd;
    vis[r] = a.causal ? a.S - a.T + t0 + r + 1 : a.S;
  }
  const int64_t vmax = vis[R - 1], vpad = pad16(vmax);
  if (kt)
    scores_transposed<R>(a, qr, kt, vmax, Sp, sc);
  else
    scores_direct<T, R>(a, qr, kh, vmax, Sp, sc);

  // Scale (Eager/BF16: bf16(bf16(q·k)·scale)), softmax; probabilities past a row's keys are 0.
  const __m512 vscale = _mm512_set1_ps(a.scale);
  float row_sum[R];
  for (int r = 0; r < R; ++r) {
    float* s = sc + r * Sp;
    const int64_t n = vis[r];
    __m512 mx = _mm512_set1_ps(-INFINITY);  // masked-off lanes load -inf
    for (int64_t j = 0; j < n; j += 16) {
      const __mmask16 m = tail_mask(n - j);
      __m512 x = _mm512_maskz_loadu_ps(m, s + j);
      x = a.eager && a.round ? round_bf16(_mm512_mul_ps(round_bf16(x), vscale)) : _mm512_mul_ps(x, vscale);
      _mm512_mask_storeu_ps(s + j, m, x);
      mx = _mm512_mask_max_ps(mx, m, mx, x);
    }
    const __m512 vmx = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
    __m512 vsum = _mm512_setzero_ps();
    for (int64_t j = 0; j < n; j += 16) {
      const __mmask16 m = tail_mask(n - j);
      __m512 e = _mm512_maskz_mov_ps(m, exp_neg(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + j), vmx)));
      vsum = _mm512_add_ps(vsum, e);
      _mm512_mask_storeu_ps(s + j, m, e);
    }
    const float sum = _mm512_reduce_add_ps(vsum);
    row_sum[r] = sum;
    const __m512 vs = _mm512_set1_ps(sum);
    for (int64_t j = 0; j < n; j += 16) {
      const __mmask16 m = tail_mask(n - j);
      __m512 e = _mm512_maskz_loadu_ps(m, s + j);
      __m512 p = a.eager ? _mm512_div_ps(e, vs) : e;
      if (a.round) p = round_bf16(p);
      _mm512_mask_storeu_ps(s + j, m, p);
    }
    for (int64_t j = n; j < vpad; ++j) s[j] = 0;
  }

  // out = P·V, 64 head dims at a time; each V row load serves all R rows.
  for (int64_t d0 = 0; d0 < hd; d0 += 64) {
    const int64_t nc = std::min<int64_t>(4, (hd - d0 + 15) / 16);
    __mmask16 m[4];
    for (int64_t c = 0; c < 4; ++c) m[c] = c < nc ? tail_mask(hd - d0 - 16 * c) : 0;
    __m512 acc[R][4];
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < 4; ++c) acc[r][c] = _mm512_setzero_ps();
    for (int64_t j = 0; j < vmax; ++j) {
      const T* vr = kv_v<T>(a) + (j * a.nkv + kh) * hd + d0;
      __m512 vv[4];
      for (int c = 0; c < 4; ++c) vv[c] = kv_load(vr + 16 * c, m[c]);
      for (int r = 0; r < R; ++r) {
        const __m512 p = _mm512_set1_ps(sc[r * Sp + j]);
        for (int c = 0; c < 4; ++c) acc[r][c] = _mm512_fmadd_ps(p, vv[c], acc[r][c]);
      }
    }
    for (int r = 0; r < R; ++r) {
      float* o = a.out + ((t0 + r) * a.nh + h) * hd + d0;
      const __m512 vs = _mm512_set1_ps(row_sum[r]);
      for (int64_t c = 0; c < nc; ++c) {
        __m512 x = a.eager ? acc[r][c] : _mm512_div_ps(acc[r][c], vs);
        if (a.round) x = round_bf16(x);
        _mm512_mask_storeu_ps(o + 16 * c, m[c], x);
      }
    }
  }
}

template <class T>
JANUS_T512 void run_block(const AttnArgs& a, int64_t h, int64_t t0, const float* kt, int64_t Sp, float* sc) {
  switch (std::min<int64_t>(kAttnRowBlock, a.T - t0)) {
    case 1:
      return block<T, 1>(a, h, t0, kt, Sp, sc);
    case 2:
      return block<T, 2>(a, h, t0, kt, Sp, sc);
    case 3:
      return block<T, 3>(a, h, t0, kt, Sp, sc);
    default:
      return block<T, 4>(a, h, t0, kt, Sp, sc);
  }
}

// Transposing K costs about one score pass; it pays off once several query blocks share it.
bool use_transpose(const AttnArgs& a) {
  return a.T > 2 * kAttnRowBlock;
}

}  // namespace

int64_t attn_blocks(const AttnArgs& a) {
  return (a.T + kAttnRowBlock - 1) / kAttnRowBlock;
}

size_t attn_scratch_floats(const AttnArgs& a) {
  const int64_t Sp = pad16(a.S);
  return size_t((use_transpose(a) ? Sp * a.hd : 0) + kAttnRowBlock * Sp);
}

void attention_avx512(const AttnArgs& a, int64_t i0, int64_t i1, float* scratch) {
  const int64_t nb = attn_blocks(a), Sp = pad16(a.S), group = a.nh / a.nkv;
  const bool tr = use_transpose(a);
  float* kt = tr ? scratch : nullptr;
  float* sc = scratch + (tr ? Sp * a.hd : 0);
  int64_t have = -1;  // kv head currently in kt
  for (int64_t i = i0; i < i1; ++i) {
    const int64_t h = i / nb, b = i % nb, kh = h / group;
    if (tr && kh != have) {
      if (a.kb)
        transpose_k<uint16_t>(a, kh, Sp, kt);
      else
        transpose_k<float>(a, kh, Sp, kt);
      have = kh;
    }
    if (a.kb)
      run_block<uint16_t>(a, h, b * kAttnRowBlock, kt, Sp, sc);
    else
      run_block<float>(a, h, b * kAttnRowBlock, kt, Sp, sc);
  }
}

}  // namespace janus::ops::kern

#endif  // JANUS_OPS_X86

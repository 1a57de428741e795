// Image-side ops of the VQ decoder besides conv2d: bmm, GroupNorm, swish, nearest upsampling,
// row softmax, scalar scale. Element-wise loops serve as both reference and fast path (nothing to
// get wrong); swish has an AVX-512 sigmoid because the decoder runs it on ~10^8 elements.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/ops/conv_gemm.h"
#include "core/ops/cpu_features.h"
#include "core/ops/flop_count.h"
#include "core/ops/op_util.h"
#include "core/ops/ops.h"

#if JANUS_OPS_X86
// GCC 12 flags _mm512_undefined_* inside its own intrinsic headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#define JANUS_T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))
#endif

namespace janus::ops {

namespace {

using detail::for_chunks;
using detail::rb;

#if JANUS_OPS_X86
JANUS_T512 inline __m512 round_bf16_512(__m512 v) {
  __m512i u = _mm512_castps_si512(v);
  __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  u = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
  return _mm512_castsi512_ps(_mm512_and_si512(u, _mm512_set1_epi32(int(0xffff0000u))));
}

// e^x for x >= -88 (clamped there), inf above ~88.7 as expf: x = n·ln2 + r, |r| <= ln2/2,
// e^r by a degree-7 Taylor polynomial (~1e-7 relative).
JANUS_T512 inline __m512 exp512(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-88.0f)), _mm512_set1_ps(100.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);  // ln2 split hi + lo
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  for (float coef : {1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f})
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(coef));
  return _mm512_scalef_ps(p, n);
}

// two_ops: round sigmoid(x) before the product (swish); else one rounding of x·sigmoid(x) (F.silu).
JANUS_T512 void swish_avx512(bool bf16, bool two_ops, float* x, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    __m512 y;
    if (bf16) {
      y = round_bf16_512(_mm512_mul_ps(v, two_ops ? round_bf16_512(s) : s));
    } else {
      y = _mm512_mul_ps(v, s);
    }
    _mm512_mask_storeu_ps(x + i, m, y);
  }
}
#endif

}  // namespace

void matmul(const Context& c, const float* a, bool a_t, const float* b, bool b_t, int64_t m, int64_t n,
            int64_t k, float* y) {
  if (m <= 0 || n <= 0) return;
  add_flops(uint64_t(2 * m * n * k));
  const kern::Strided A = a_t ? kern::Strided{a, 1, m} : kern::Strided{a, k, 1};
  const bool onednn = !c.reference && active_isa() != Isa::Portable;
  // Column tiles of 128 (fixed): y[:, j0:j1] = A · B[:, j0:j1].
  const int64_t tile = 128, tiles = (n + tile - 1) / tile;
  auto run = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t j0 = t * tile, nt = std::min(tile, n - j0);
      const kern::Strided B = b_t ? kern::Strided{b + j0 * k, 1, k} : kern::Strided{b + j0, n, 1};
      if (c.reference) {
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < nt; ++j) {
            double acc = 0;
            for (int64_t q = 0; q < k; ++q)
              acc += double(A.p[i * A.rs + q * A.cs]) * B.p[q * B.rs + j * B.cs];
            y[i * n + j0 + j] = float(acc);
          }
      } else if (!onednn || !kern::gemm_f32_strided(m, nt, k, A, B, y + j0, n)) {
        kern::gemm_f32_loops(m, nt, k, A, B, y + j0, n);
      }
      if (c.bf16())
        for (int64_t i = 0; i < m; ++i) round_bf16(y + i * n + j0, nt);
    }
  };
  for_chunks(c, tiles, 1, run);
}

void group_norm(const Context& c, const float* x, int64_t n, int64_t ch, int64_t hw, int64_t groups,
                const TensorView& w, const TensorView& b, float eps, float* y) {
  if (groups <= 0 || ch % groups != 0)
    fail(ErrorKind::Model, w.name,
         std::to_string(ch) + " channels do not split into " + std::to_string(groups) + " groups");
  if (w.numel() != ch || b.numel() != ch)
    fail(ErrorKind::Model, w.name,
         "GroupNorm affine parameters must have " + std::to_string(ch) + " elements");
  const int64_t cg = ch / groups, len = cg * hw;
  std::vector<float> wv(static_cast<size_t>(ch)), bv(static_cast<size_t>(ch));
  for (int64_t i = 0; i < ch; ++i) wv[size_t(i)] = weight_at(w, i), bv[size_t(i)] = weight_at(b, i);
  // One (image, group) per work item: two-pass statistics in double, then y = x·a + s per channel.
  for_chunks(c, n * groups, 1, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      const float* xg = x + g * len;
      float* yg = y + g * len;
      double sum[4] = {0, 0, 0, 0};
      for (int64_t i = 0; i < len; ++i) sum[i & 3] += xg[i];
      const double mean = (sum[0] + sum[1] + sum[2] + sum[3]) / double(len);
      double var[4] = {0, 0, 0, 0};
      for (int64_t i = 0; i < len; ++i) {
        const double d = xg[i] - mean;
        var[i & 3] += d * d;
      }
      const double rstd = 1.0 / std::sqrt((var[0] + var[1] + var[2] + var[3]) / double(len) + double(eps));
      for (int64_t j = 0; j < cg; ++j) {
        const int64_t chn = (g % groups) * cg + j;
        const float a = float(rstd * wv[size_t(chn)]);
        const float s = float(bv[size_t(chn)] - mean * rstd * wv[size_t(chn)]);
        const float* xc = xg + j * hw;
        float* yc = yg + j * hw;
        if (c.bf16()) {
          for (int64_t i = 0; i < hw; ++i) yc[i] = rb(c, xc[i] * a + s);
        } else {
          for (int64_t i = 0; i < hw; ++i) yc[i] = xc[i] * a + s;
        }
      }
    }
  });
}

namespace {
void sigmoid_mul(const Context& c, bool two_ops, float* x, int64_t n) {
  for_chunks(c, n, 65536, [&](int64_t b, int64_t e) {
#if JANUS_OPS_X86
    if (!c.reference && active_isa() >= Isa::Avx512) return swish_avx512(c.bf16(), two_ops, x + b, e - b);
#endif
    for (int64_t i = b; i < e; ++i) {
      const float s = 1.0f / (1.0f + std::exp(-x[i]));
      x[i] = rb(c, x[i] * (two_ops ? rb(c, s) : s));
    }
  });
}
}  // namespace

void swish(const Context& c, float* x, int64_t n) {
  sigmoid_mul(c, true, x, n);
}
void silu(const Context& c, float* x, int64_t n) {
  sigmoid_mul(c, false, x, n);
}

void upsample_nearest2x(const Context& c, const float* x, int64_t planes, int64_t h, int64_t w, float* y) {
  for_chunks(c, planes * h, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {  // input row r -> output rows 2r, 2r+1 of its plane
      const float* src = x + r * w;
      float* d0 = y + r * 4 * w;
      for (int64_t i = 0; i < w; ++i) d0[2 * i] = d0[2 * i + 1] = src[i];
      std::copy(d0, d0 + 2 * w, d0 + 2 * w);
    }
  });
}

void softmax_rows(const Context& c, float* x, int64_t rows, int64_t dim) {
  for_chunks(c, rows, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* xr = x + r * dim;
      if (dim <= 0) continue;
      const float mx = *std::max_element(xr, xr + dim);
      double sum = 0;
      for (int64_t i = 0; i < dim; ++i) sum += (xr[i] = std::exp(xr[i] - mx));
      const float inv = float(1.0 / sum);
      for (int64_t i = 0; i < dim; ++i) xr[i] = rb(c, xr[i] * inv);
    }
  });
}

void scale(const Context& c, float* x, int64_t n, float s) {
  for_chunks(c, n, 65536, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) x[i] = rb(c, x[i] * s);
  });
}

}  // namespace janus::ops

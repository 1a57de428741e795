// Portable fast paths: threaded, f32 accumulation, weights converted on the fly.
// (Vectorised AVX-512/oneDNN kernels replace these per CPU feature; see issue 6.)
#include "core/ops/ops_fast.h"

#include <cmath>
#include <vector>

#include "core/ops/ops_ref.h"

namespace janus::ops::fast {

namespace {
inline float rb(const Context& c, float v) {
  return c.bf16() ? bf16_to_f32(f32_to_bf16(v)) : v;
}

// Dot product of an f32 row with one weight row, converting the weight per element.
template <class W>
float dot_row(const float* x, const W* w, int64_t n, float (*cvt)(W)) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[k + j] * cvt(w[k + j]);
  float s = 0;
  for (; k < n; ++k) s += x[k] * cvt(w[k]);
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}
float cvt_bf16(uint16_t v) {
  return bf16_to_f32(v);
}
float cvt_f16(uint16_t v) {
  return f16_to_f32(v);
}
float cvt_f32(float v) {
  return v;
}
}  // namespace

void linear(const Context& c, const Linear& l, const float* x, int64_t rows, float* y) {
  std::vector<float> xr;
  if (c.bf16()) {  // the GEMM input is a bf16 tensor
    xr.assign(x, x + rows * l.in);
    round_bf16(xr.data(), int64_t(xr.size()));
    x = xr.data();
  }
  std::vector<float> bias(static_cast<size_t>(l.bias ? l.out : 0));
  for (int64_t o = 0; l.bias && o < l.out; ++o) bias[size_t(o)] = weight_at(*l.bias, o);
  auto body = [&](int64_t o0, int64_t o1, int) {
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t r = 0; r < rows; ++r) {
        const float* xv = x + r * l.in;
        float acc;
        switch (l.weight->dtype) {
          case DType::BF16:
            acc = dot_row(xv, static_cast<const uint16_t*>(l.weight->data) + o * l.in, l.in, cvt_bf16);
            break;
          case DType::F16:
            acc = dot_row(xv, static_cast<const uint16_t*>(l.weight->data) + o * l.in, l.in, cvt_f16);
            break;
          default:
            acc = dot_row(xv, static_cast<const float*>(l.weight->data) + o * l.in, l.in, cvt_f32);
            break;
        }
        if (l.bias) acc += bias[size_t(o)];
        y[r * l.out + o] = rb(c, acc);
      }
    }
  };
  if (c.pool)
    c.pool->parallel_for(l.out, body, 16);
  else
    body(0, l.out, 0);
}

void attention(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
               const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale, bool causal,
               float* out) {
  // Heads are independent: split them over threads, each running the reference math in f32.
  auto body = [&](int64_t h0, int64_t h1, int) {
    const int64_t group = nh / nkv;
    std::vector<float> s(static_cast<size_t>(S));
    for (int64_t t = 0; t < T; ++t) {
      const int64_t visible = causal ? S - T + t + 1 : S;
      for (int64_t h = h0; h < h1; ++h) {
        const float* qv = q + (t * nh + h) * hd;
        const int64_t kh = h / group;
        float mx = -INFINITY;
        for (int64_t j = 0; j < visible; ++j) {
          const float* kv = k + (j * nkv + kh) * hd;
          float dot = 0;
          for (int64_t d = 0; d < hd; ++d) dot += qv[d] * kv[d];
          s[size_t(j)] = kind == AttentionKind::Eager ? rb(c, rb(c, dot) * scale) : dot * scale;
          mx = std::max(mx, s[size_t(j)]);
        }
        float sum = 0;
        for (int64_t j = 0; j < visible; ++j) sum += s[size_t(j)] = std::exp(s[size_t(j)] - mx);
        float* o = out + (t * nh + h) * hd;
        for (int64_t d = 0; d < hd; ++d) o[d] = 0;
        for (int64_t j = 0; j < visible; ++j) {
          float p = kind == AttentionKind::Eager ? rb(c, s[size_t(j)] / sum) : rb(c, s[size_t(j)]);
          const float* vv = v + (j * nkv + kh) * hd;
          for (int64_t d = 0; d < hd; ++d) o[d] += p * vv[d];
        }
        for (int64_t d = 0; d < hd; ++d) o[d] = rb(c, kind == AttentionKind::Eager ? o[d] : o[d] / sum);
      }
    }
  };
  if (c.pool)
    c.pool->parallel_for(nh, body);
  else
    body(0, nh, 0);
}

}  // namespace janus::ops::fast

// Op entry points: validation, dispatch between reference and fast kernels, and the element-wise
// ops whose single implementation is both (a loop per element has nothing to get wrong).
#include "core/ops/ops.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ops/flop_count.h"
#include "core/ops/ops_fast.h"
#include "core/ops/ops_ref.h"
#include "core/quant.h"

namespace janus::ops {

namespace {

inline float rb(const Context& c, float v) {
  return c.bf16() ? bf16_to_f32(f32_to_bf16(v)) : v;
}

// Element-wise work split over the pool in fixed chunks (results do not depend on thread count).
template <class F>
void for_range(const Context& c, int64_t n, F f) {
  if (!c.pool || n < 16384) {
    f(0, n);
    return;
  }
  c.pool->parallel_for(
      n, [&](int64_t b, int64_t e, int) { f(b, e); }, 4096);
}

}  // namespace

void round_bf16(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = bf16_to_f32(f32_to_bf16(x[i]));
}

float weight_at(const TensorView& w, int64_t i) {
  switch (w.dtype) {
    case DType::BF16:
      return bf16_to_f32(static_cast<const uint16_t*>(w.data)[i]);
    case DType::F16:
      return f16_to_f32(static_cast<const uint16_t*>(w.data)[i]);
    case DType::F32:
      return static_cast<const float*>(w.data)[i];
    case DType::Q8_0:
    case DType::Q4_0:
      return quant::dequantize_at(w.dtype, w.data, i);
    default:
      fail(ErrorKind::Model, w.name,
           "weights must be bf16, f16, f32, q8_0 or q4_0, not " + std::string(dtype_name(w.dtype)));
  }
}

Linear make_linear(const TensorView& weight, const TensorView* bias) {
  if (weight.shape.size() != 2)
    fail(ErrorKind::Model, weight.name, "linear weight must be 2-D, is " + shape_str(weight.shape));
  if (weight.dtype != DType::BF16 && weight.dtype != DType::F16 && weight.dtype != DType::F32 &&
      !dtype_is_block(weight.dtype))
    fail(ErrorKind::Model, weight.name, "unsupported weight dtype " + std::string(dtype_name(weight.dtype)));
  size_t need = 0;  // block formats: whole blocks per row, and the bytes the view claims
  if (!dtype_nbytes(weight.dtype, weight.numel(), &need) ||
      (dtype_is_block(weight.dtype) && weight.shape[1] % 32) || weight.nbytes < need)
    fail(ErrorKind::Model, weight.name,
         std::string(dtype_name(weight.dtype)) + " " + shape_str(weight.shape) + " does not fit its " +
             std::to_string(weight.nbytes) + " bytes");
  Linear l;
  l.weight = &weight;
  l.out = weight.shape[0];
  l.in = weight.shape[1];
  if (bias) {
    if (bias->shape != std::vector<int64_t>{l.out})
      fail(ErrorKind::Model, bias->name,
           "bias shape " + shape_str(bias->shape) + ", expected [" + std::to_string(l.out) + "]");
    l.bias = bias;
  }
  return l;
}

void linear(const Context& c, const Linear& l, const float* x, int64_t rows, float* y) {
  add_flops(uint64_t(2 * rows * l.out * l.in));
  if (c.reference) return ref::linear(c, l, x, rows, y);
  fast::linear(c, l, x, rows, y);
}

void linear_multi(const Context& c, const Linear* const* ls, int n, const float* x, int64_t rows,
                  float* const* ys) {
  for (int i = 1; i < n; ++i)
    if (ls[i]->in != ls[0]->in)
      fail(ErrorKind::InvalidArgument, ls[i]->weight->name,
           "linear_multi: input size " + std::to_string(ls[i]->in) + " differs from " +
               std::to_string(ls[0]->in));
  for (int i = 0; i < n; ++i) add_flops(uint64_t(2 * rows * ls[i]->out * ls[i]->in));
  if (c.reference) {
    for (int i = 0; i < n; ++i) ref::linear(c, *ls[i], x, rows, ys[i]);
    return;
  }
  fast::linear_multi(c, ls, n, x, rows, ys);
}

void layer_norm(const Context& c, const float* x, int64_t rows, int64_t dim, const TensorView& w,
                const TensorView* b, float eps, float* y) {
  if (c.reference || !c.pool) return ref::layer_norm(c, x, rows, dim, w, b, eps, y);
  c.pool->parallel_for(rows, [&](int64_t r0, int64_t r1, int) {
    ref::layer_norm(c, x + r0 * dim, r1 - r0, dim, w, b, eps, y + r0 * dim);
  });
}

void rms_norm(const Context& c, const float* x, int64_t rows, int64_t dim, const TensorView& w, float eps,
              float* y) {
  if (c.reference || !c.pool) return ref::rms_norm(c, x, rows, dim, w, eps, y);
  c.pool->parallel_for(rows, [&](int64_t r0, int64_t r1, int) {
    ref::rms_norm(c, x + r0 * dim, r1 - r0, dim, w, eps, y + r0 * dim);
  });
}

void gelu_erf(const Context& c, float* x, int64_t n) {
  for_range(c, n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) x[i] = rb(c, float(0.5 * x[i] * (1.0 + std::erf(x[i] * M_SQRT1_2))));
  });
}

void silu_mul(const Context& c, const float* gate, const float* up, int64_t n, float* y) {
  for_range(c, n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float g = gate[i];
      y[i] = rb(c, rb(c, g / (1.0f + std::exp(-g))) * up[i]);  // act_fn(gate) is its own bf16 tensor
    }
  });
}

void add(const Context& c, const float* a, const float* b, int64_t n, float* y) {
  for_range(c, n, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] = rb(c, a[i] + b[i]);
  });
}

void add_bias(const Context& c, float* y, int64_t rows, const TensorView& bias) {
  const int64_t dim = bias.numel();
  std::vector<float> bv(static_cast<size_t>(dim));
  for (int64_t i = 0; i < dim; ++i) bv[size_t(i)] = weight_at(bias, i);
  for_range(c, rows * dim, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) y[i] = rb(c, y[i] + bv[size_t(i % dim)]);
  });
}

void embedding(const Context& c, const TensorView& table, const int32_t* ids, int64_t n, float* y) {
  if (table.shape.size() != 2) fail(ErrorKind::Model, table.name, "embedding table must be 2-D");
  const int64_t rows = table.shape[0], dim = table.shape[1];
  for (int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= rows)
      fail(ErrorKind::InvalidArgument, table.name,
           "token id " + std::to_string(ids[i]) + " outside [0, " + std::to_string(rows) + ")");
    for (int64_t d = 0; d < dim; ++d) y[i * dim + d] = weight_at(table, int64_t(ids[i]) * dim + d);
  }
}

Rope make_rope(int64_t head_dim, double theta, Precision p) {
  Rope r;
  r.head_dim = head_dim;
  // HF: 1 / theta^(arange(0, hd, 2).float() / hd), computed in f32.
  for (int64_t i = 0; i < head_dim / 2; ++i) {
    float expo = float(2 * i) / float(head_dim);
    float v = 1.0f / std::pow(float(theta), expo);
    r.inv_freq.push_back(p == Precision::BF16 ? bf16_to_f32(f32_to_bf16(v)) : v);
  }
  return r;
}

void rope(const Context& c, const Rope& r, float* x, int64_t T, int64_t heads, const int64_t* pos) {
  const int64_t hd = r.head_dim, half = hd / 2;
  std::vector<float> cs(static_cast<size_t>(hd)), sn(static_cast<size_t>(hd)), tmp(static_cast<size_t>(hd));
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < half; ++i) {
      float ang = r.inv_freq[size_t(i)] * float(pos[t]);  // one f32 product, as HF's matmul of f32 vectors
      const size_t a = size_t(r.interleaved ? 2 * i : i), b = size_t(r.interleaved ? 2 * i + 1 : i + half);
      cs[a] = cs[b] = rb(c, std::cos(ang));
      sn[a] = sn[b] = rb(c, std::sin(ang));
    }
    for (int64_t h = 0; h < heads; ++h) {
      float* v = x + (t * heads + h) * hd;
      for (int64_t d = 0; d < hd; ++d) {
        float rot = r.interleaved ? (d % 2 ? v[d - 1] : -v[d + 1])  // the same rotation on adjacent pairs
                                  : (d < half ? -v[d + half] : v[d - half]);  // rotate_half
        tmp[size_t(d)] = rb(c, rb(c, v[d] * cs[size_t(d)]) + rb(c, rot * sn[size_t(d)]));
      }
      std::memcpy(v, tmp.data(), size_t(hd) * sizeof(float));
    }
  }
}

void attention(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
               const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale, bool causal,
               float* out) {
  if (nkv <= 0 || nh % nkv != 0) fail(ErrorKind::Model, "attention", "heads not a multiple of kv heads");
  if (causal && T > S) fail(ErrorKind::Internal, "attention", "more queries than keys");
  // Q·Kᵀ and P·V: 4·hd FLOPs per (head, query, visible key); causal query t sees S - T + t + 1 keys.
  const int64_t pairs = causal ? T * (S - T) + T * (T + 1) / 2 : T * S;
  add_flops(uint64_t(4 * nh * hd * pairs));
  if (c.reference) return ref::attention(c, kind, q, T, k, v, S, nh, nkv, hd, scale, causal, out);
  fast::attention(c, kind, q, T, k, v, S, nh, nkv, hd, scale, causal, out);
}

void attention_kv_bf16(const Context& c, AttentionKind kind, const float* q, int64_t T, const uint16_t* k,
                       const uint16_t* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale,
                       bool causal, float* out) {
  if (nkv <= 0 || nh % nkv != 0) fail(ErrorKind::Model, "attention", "heads not a multiple of kv heads");
  if (causal && T > S) fail(ErrorKind::Internal, "attention", "more queries than keys");
  if (!c.reference && fast::attention_kv_bf16(c, kind, q, T, k, v, S, nh, nkv, hd, scale, causal, out)) {
    const int64_t pairs = causal ? T * (S - T) + T * (T + 1) / 2 : T * S;
    add_flops(uint64_t(4 * nh * hd * pairs));
    return;
  }
  // Reference (and kernels without a bf16 reader): widen the rows, then the f32 attention.
  std::vector<float> kf(size_t(S * nkv * hd)), vf(kf.size());
  for (size_t i = 0; i < kf.size(); ++i) kf[i] = bf16_to_f32(k[i]), vf[i] = bf16_to_f32(v[i]);
  attention(c, kind, q, T, kf.data(), vf.data(), S, nh, nkv, hd, scale, causal, out);
}

void patchify(const float* img, int64_t C, int64_t H, int64_t W, int64_t p, float* out) {
  const int64_t gh = H / p, gw = W / p, row = C * p * p;
  for (int64_t py = 0; py < gh; ++py)
    for (int64_t px = 0; px < gw; ++px) {
      float* o = out + (py * gw + px) * row;
      for (int64_t ch = 0; ch < C; ++ch)
        for (int64_t ky = 0; ky < p; ++ky)
          for (int64_t kx = 0; kx < p; ++kx) *o++ = img[(ch * H + py * p + ky) * W + px * p + kx];
    }
}

}  // namespace janus::ops

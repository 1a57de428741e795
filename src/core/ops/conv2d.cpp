// conv2d: validation, the reference loops, and the fast path (im2col tiles of whole output rows,
// then one GEMM per tile: y[out, tile] = W[out, in·kh·kw] · col[in·kh·kw, tile]).
#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "core/ops/conv_gemm.h"
#include "core/ops/conv_onednn.h"
#include "core/ops/cpu_features.h"
#include "core/ops/flop_count.h"
#include "core/ops/ops.h"

namespace janus::ops {

namespace {

inline float rb(const Context& c, float v) {
  return c.bf16() ? bf16_to_f32(f32_to_bf16(v)) : v;
}

// Weights as f32 rows [out, in·kh·kw] (exact upcast), shared by every call.
struct ConvCache {
  std::vector<float> w;
  std::vector<float> b;
  mutable std::shared_ptr<void> onednn;  // oneDNN convolution plans per input size (conv_onednn.h)
};

const ConvCache& cache_of(const Conv2d& k) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (!k.cache) {
    auto cc = std::make_shared<ConvCache>();
    const int64_t n = k.out * k.in * k.kh * k.kw;
    cc->w.resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) cc->w[size_t(i)] = weight_at(*k.weight, i);
    if (k.bias) {
      cc->b.resize(size_t(k.out));
      for (int64_t i = 0; i < k.out; ++i) cc->b[size_t(i)] = weight_at(*k.bias, i);
    }
    k.cache = cc;
  }
  return *static_cast<const ConvCache*>(k.cache.get());
}

// Conv result (acc) → stored value: rounded, then the separate bias add rounded (BF16 mode).
inline float finish(const Context& c, float acc, const float* bias, int64_t o) {
  float v = rb(c, acc);
  return bias ? rb(c, v + bias[o]) : v;
}

void conv2d_ref(const Context& c, const Conv2d& k, const float* x, int64_t n, int64_t h, int64_t w,
                int64_t ho, int64_t wo, float* y) {
  const ConvCache& cc = cache_of(k);
  const float* bias = k.bias ? cc.b.data() : nullptr;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < k.out; ++o)
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ox = 0; ox < wo; ++ox) {
          double acc = 0;
          for (int64_t i = 0; i < k.in; ++i)
            for (int64_t ky = 0; ky < k.kh; ++ky) {
              const int64_t iy = oy * k.stride - k.pad + ky;
              if (iy < 0 || iy >= h) continue;
              for (int64_t kx = 0; kx < k.kw; ++kx) {
                const int64_t ix = ox * k.stride - k.pad + kx;
                if (ix < 0 || ix >= w) continue;
                acc += double(x[((b * k.in + i) * h + iy) * w + ix]) *
                       cc.w[size_t(((o * k.in + i) * k.kh + ky) * k.kw + kx)];
              }
            }
          y[((b * k.out + o) * ho + oy) * wo + ox] = finish(c, float(acc), bias, o);
        }
}

// col[K, rows·wo] for output rows [oy0, oy0 + rows) of one image x [in, h, w].
void im2col(const Conv2d& k, const float* x, int64_t h, int64_t w, int64_t wo, int64_t oy0, int64_t rows,
            float* col) {
  const int64_t nt = rows * wo;
  for (int64_t i = 0; i < k.in; ++i)
    for (int64_t ky = 0; ky < k.kh; ++ky)
      for (int64_t kx = 0; kx < k.kw; ++kx) {
        float* dst = col + ((i * k.kh + ky) * k.kw + kx) * nt;
        for (int64_t r = 0; r < rows; ++r, dst += wo) {
          const int64_t iy = (oy0 + r) * k.stride - k.pad + ky;
          if (iy < 0 || iy >= h) {
            std::memset(dst, 0, size_t(wo) * sizeof(float));
            continue;
          }
          const float* src = x + (i * h + iy) * w;
          if (k.stride == 1) {
            // Valid output columns: 0 <= ox - pad + kx < w.
            const int64_t lo = std::clamp<int64_t>(k.pad - kx, 0, wo);
            const int64_t hi = std::clamp<int64_t>(w + k.pad - kx, lo, wo);
            std::fill(dst, dst + lo, 0.0f);
            std::memcpy(dst + lo, src + lo - k.pad + kx, size_t(hi - lo) * sizeof(float));
            std::fill(dst + hi, dst + wo, 0.0f);
          } else {
            for (int64_t ox = 0; ox < wo; ++ox) {
              const int64_t ix = ox * k.stride - k.pad + kx;
              dst[ox] = (ix >= 0 && ix < w) ? src[ix] : 0.0f;
            }
          }
        }
      }
}

void conv2d_fast(const Context& c, const Conv2d& k, const float* x, int64_t n, int64_t h, int64_t w,
                 int64_t ho, int64_t wo, float* y) {
  const ConvCache& cc = cache_of(k);
  const float* bias = k.bias ? cc.b.data() : nullptr;
  const int64_t K = k.in * k.kh * k.kw, P = ho * wo;
  const bool direct = k.kh == 1 && k.kw == 1 && k.stride == 1 && k.pad == 0;  // x is its own col
  const bool onednn = active_isa() != Isa::Portable;
  const kern::ConvShape2d shape{n, k.in, k.out, h, w, k.kh, k.stride, k.pad};
  if (onednn && kern::conv2d_onednn(c.pool ? c.pool->size() : 1, cc.w.data(), shape, x, y, cc.onednn)) {
    if (c.bf16() || bias) {
      auto fin = [&](int64_t r0, int64_t r1, int) {  // rows = (image, channel) planes
        for (int64_t r = r0; r < r1; ++r)
          for (float *p = y + r * P, *e = p + P; p < e; ++p) *p = finish(c, *p, bias, r % k.out);
      };
      if (c.pool)
        c.pool->parallel_for(n * k.out, fin);
      else
        fin(0, n * k.out, 0);
    }
    return;
  }
  // Tiles of whole output rows, ~384 pixels and at least 4 tiles per image: fixed by the shape only.
  const int64_t rows = std::max<int64_t>(1, std::min((383 + wo) / wo, (ho + 3) / 4));
  const int64_t tiles = (ho + rows - 1) / rows;
  auto run = [&](int64_t t0, int64_t t1, int) {
    thread_local std::vector<float> col;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / tiles, oy0 = (t % tiles) * rows, r = std::min(rows, ho - oy0), nt = r * wo;
      const float* xb = x + b * k.in * h * w;
      kern::Strided A{cc.w.data(), K, 1}, B;
      if (direct) {
        B = {xb + oy0 * wo, P, 1};
      } else {
        if (col.size() < size_t(K * nt)) col.resize(size_t(K * nt));
        im2col(k, xb, h, w, wo, oy0, r, col.data());
        B = {col.data(), nt, 1};
      }
      float* yt = y + b * k.out * P + oy0 * wo;
      if (!onednn || !kern::gemm_f32_strided(k.out, nt, K, A, B, yt, P))
        kern::gemm_f32_loops(k.out, nt, K, A, B, yt, P);
      if (c.bf16() || bias)
        for (int64_t o = 0; o < k.out; ++o) {
          float* row = yt + o * P;
          for (int64_t j = 0; j < nt; ++j) row[j] = finish(c, row[j], bias, o);
        }
    }
  };
  if (c.pool && n * tiles > 1)
    c.pool->parallel_for(n * tiles, run);
  else
    run(0, n * tiles, 0);
}

}  // namespace

Conv2d make_conv2d(const TensorView& weight, const TensorView* bias, int64_t stride, int64_t pad) {
  if (weight.shape.size() != 4 || weight.shape[0] <= 0 || weight.shape[1] <= 0 || weight.shape[2] <= 0 ||
      weight.shape[3] <= 0)
    fail(ErrorKind::Model, weight.name,
         "conv weight must be [out, in, kh, kw], is " + shape_str(weight.shape));
  if (weight.dtype != DType::BF16 && weight.dtype != DType::F16 && weight.dtype != DType::F32)
    fail(ErrorKind::Model, weight.name, "unsupported weight dtype " + std::string(dtype_name(weight.dtype)));
  if (stride < 1 || stride > 16 || pad < 0 || pad > 16)
    fail(ErrorKind::Model, weight.name, "unsupported stride/padding");
  Conv2d k;
  k.weight = &weight;
  k.out = weight.shape[0];
  k.in = weight.shape[1];
  k.kh = weight.shape[2];
  k.kw = weight.shape[3];
  k.stride = stride;
  k.pad = pad;
  if (bias) {
    if (bias->shape != std::vector<int64_t>{k.out})
      fail(ErrorKind::Model, bias->name,
           "bias shape " + shape_str(bias->shape) + ", expected [" + std::to_string(k.out) + "]");
    if (bias->dtype != DType::BF16 && bias->dtype != DType::F16 && bias->dtype != DType::F32)
      fail(ErrorKind::Model, bias->name, "unsupported bias dtype " + std::string(dtype_name(bias->dtype)));
    k.bias = bias;
  }
  return k;
}

int64_t conv2d_out_size(const Conv2d& k, int64_t in_size) {
  const int64_t span = in_size + 2 * k.pad - k.kh;
  if (in_size <= 0 || in_size > (int64_t(1) << 24) || span < 0)
    fail(
        ErrorKind::InvalidArgument, k.weight ? k.weight->name : "conv2d",
        "input size " + std::to_string(in_size) + " does not fit a " + std::to_string(k.kh) + "-wide kernel");
  return span / k.stride + 1;
}

void conv2d(const Context& c, const Conv2d& k, const float* x, int64_t n, int64_t h, int64_t w, float* y) {
  if (k.kh != k.kw) fail(ErrorKind::Unsupported, k.weight->name, "only square kernels are supported");
  const int64_t ho = conv2d_out_size(k, h), wo = conv2d_out_size(k, w);
  if (n <= 0) return;
  add_flops(uint64_t(2 * n * ho * wo * k.out * k.in * k.kh * k.kw));
  if (c.reference) return conv2d_ref(c, k, x, n, h, w, ho, wo, y);
  conv2d_fast(c, k, x, n, h, w, ho, wo, y);
}

}  // namespace janus::ops

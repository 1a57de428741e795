// Ops of JanusFlow's ShallowUViT (ConvNeXt-V2 blocks): depthwise conv, GRN, FiLM, PixelShuffle and the
// NCHW/NHWC transposes. Rounding points follow tools/reference/flow.py (spec janusflow.md §7.2).
#include <cmath>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "core/ops/flop_count.h"
#include "core/ops/op_util.h"
#include "core/ops/ops.h"

namespace janus::ops {

namespace {

using detail::for_chunks;
using detail::rb;

struct DwCache {
  std::vector<float> w;  // [ch, k, k]
  std::vector<float> b;  // [ch] or empty
};

const DwCache& cache_of(const DepthwiseConv2d& k) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (!k.cache) {
    auto cc = std::make_shared<DwCache>();
    const int64_t n = k.ch * k.k * k.k;
    cc->w.resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) cc->w[size_t(i)] = weight_at(*k.weight, i);
    if (k.bias) {
      cc->b.resize(size_t(k.ch));
      for (int64_t i = 0; i < k.ch; ++i) cc->b[size_t(i)] = weight_at(*k.bias, i);
    }
    k.cache = cc;
  }
  return *static_cast<const DwCache*>(k.cache.get());
}

// One output plane of the reference: every output sums its in-image taps in double.
void dw_plane_ref(const float* x, const float* wk, int64_t K, int64_t h, int64_t w, float* y) {
  const int64_t p = K / 2;
  for (int64_t oy = 0; oy < h; ++oy)
    for (int64_t ox = 0; ox < w; ++ox) {
      double acc = 0;
      for (int64_t ky = 0; ky < K; ++ky) {
        const int64_t iy = oy + ky - p;
        if (iy < 0 || iy >= h) continue;
        for (int64_t kx = 0; kx < K; ++kx) {
          const int64_t ix = ox + kx - p;
          if (ix >= 0 && ix < w) acc += double(x[iy * w + ix]) * double(wk[ky * K + kx]);
        }
      }
      y[oy * w + ox] = float(acc);
    }
}

// Fast plane: for each tap, a contiguous run of output columns gets w·x added (vectorisable), f32.
void dw_plane_fast(const float* x, const float* wk, int64_t K, int64_t h, int64_t w, float* y) {
  const int64_t p = K / 2;
  std::fill(y, y + h * w, 0.0f);
  for (int64_t oy = 0; oy < h; ++oy) {
    float* yr = y + oy * w;
    for (int64_t ky = 0; ky < K; ++ky) {
      const int64_t iy = oy + ky - p;
      if (iy < 0 || iy >= h) continue;
      const float* xr = x + iy * w;
      for (int64_t kx = 0; kx < K; ++kx) {
        const float wv = wk[ky * K + kx];
        const int64_t d = kx - p;  // input column = output column + d
        const int64_t lo = std::max<int64_t>(0, -d), hi = std::min<int64_t>(w, w - d);
        for (int64_t ox = lo; ox < hi; ++ox) yr[ox] += wv * xr[ox + d];
      }
    }
  }
}

}  // namespace

DepthwiseConv2d make_depthwise_conv2d(const TensorView& weight, const TensorView* bias) {
  const auto& s = weight.shape;
  if (s.size() != 4 || s[0] <= 0 || s[1] != 1 || s[2] != s[3] || s[2] <= 0 || s[2] % 2 == 0 || s[2] > 31)
    fail(ErrorKind::Model, weight.name,
         "depthwise weight must be [ch, 1, k, k] with an odd k <= 31, is " + shape_str(s));
  if (weight.dtype != DType::BF16 && weight.dtype != DType::F16 && weight.dtype != DType::F32)
    fail(ErrorKind::Model, weight.name, "unsupported weight dtype " + std::string(dtype_name(weight.dtype)));
  DepthwiseConv2d d;
  d.weight = &weight;
  d.ch = s[0];
  d.k = s[2];
  if (bias) {
    if (bias->shape != std::vector<int64_t>{d.ch})
      fail(ErrorKind::Model, bias->name,
           "bias shape " + shape_str(bias->shape) + ", expected [" + std::to_string(d.ch) + "]");
    d.bias = bias;
  }
  return d;
}

void depthwise_conv2d(const Context& c, const DepthwiseConv2d& k, const float* x, int64_t n, int64_t h,
                      int64_t w, float* y) {
  if (n <= 0 || h <= 0 || w <= 0)
    fail(ErrorKind::InvalidArgument, "depthwise_conv2d",
         "bad input size n=" + std::to_string(n) + " h=" + std::to_string(h) + " w=" + std::to_string(w));
  const DwCache& cc = cache_of(k);
  const int64_t K = k.k, hw = h * w;
  add_flops(uint64_t(2 * n * k.ch * hw * K * K));
  for_chunks(c, n * k.ch, 4, [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; ++pl) {
      const int64_t ch = pl % k.ch;
      const float* wk = cc.w.data() + ch * K * K;
      float* yp = y + pl * hw;
      if (c.reference)
        dw_plane_ref(x + pl * hw, wk, K, h, w, yp);
      else
        dw_plane_fast(x + pl * hw, wk, K, h, w, yp);
      for (int64_t i = 0; i < hw; ++i) {
        float v = rb(c, yp[i]);
        if (!cc.b.empty()) v = rb(c, v + cc.b[size_t(ch)]);
        yp[i] = v;
      }
    }
  });
}

void pixel_shuffle(const float* x, int64_t n, int64_t ch, int64_t h, int64_t w, int64_t r, float* y) {
  if (r <= 0) fail(ErrorKind::InvalidArgument, "pixel_shuffle", "factor must be positive");
  const int64_t W = w * r;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t c = 0; c < ch; ++c)
      for (int64_t a = 0; a < r; ++a)
        for (int64_t d = 0; d < r; ++d) {
          const float* xp = x + ((b * ch + c) * r * r + a * r + d) * h * w;
          float* yp = y + (b * ch + c) * h * r * W;
          for (int64_t i = 0; i < h; ++i)
            for (int64_t j = 0; j < w; ++j) yp[(r * i + a) * W + r * j + d] = xp[i * w + j];
        }
}

void nchw_to_nhwc(const float* x, int64_t n, int64_t ch, int64_t hw, float* y) {
  for (int64_t b = 0; b < n; ++b)
    for (int64_t c = 0; c < ch; ++c)
      for (int64_t p = 0; p < hw; ++p) y[(b * hw + p) * ch + c] = x[(b * ch + c) * hw + p];
}

void nhwc_to_nchw(const float* x, int64_t n, int64_t hw, int64_t ch, float* y) {
  for (int64_t b = 0; b < n; ++b)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t c = 0; c < ch; ++c) y[(b * ch + c) * hw + p] = x[(b * hw + p) * ch + c];
}

void grn(const Context& c, const float* x, int64_t n, int64_t hw, int64_t dim, const TensorView& gamma,
         const TensorView& beta, float* y) {
  if (gamma.numel() != dim || beta.numel() != dim)
    fail(ErrorKind::Model, gamma.numel() != dim ? gamma.name : beta.name,
         "GRN parameter has " + std::to_string(gamma.numel() != dim ? gamma.numel() : beta.numel()) +
             " elements, expected " + std::to_string(dim));
  std::vector<float> g(static_cast<size_t>(dim)), bt(static_cast<size_t>(dim)),
      a(static_cast<size_t>(n * dim));
  for (int64_t d = 0; d < dim; ++d) g[size_t(d)] = weight_at(gamma, d), bt[size_t(d)] = weight_at(beta, d);
  for (int64_t b = 0; b < n; ++b) {
    const float* xb = x + b * hw * dim;
    // Σ_hw x² per channel: the reference sums each channel in double; the fast path sums rows in f32.
    std::vector<float> nrm(static_cast<size_t>(dim));
    if (c.reference) {
      for (int64_t d = 0; d < dim; ++d) {
        double s = 0;
        for (int64_t p = 0; p < hw; ++p) s += double(xb[p * dim + d]) * double(xb[p * dim + d]);
        nrm[size_t(d)] = rb(c, float(std::sqrt(s)));
      }
    } else {
      std::vector<float> s(static_cast<size_t>(dim), 0.0f);
      for (int64_t p = 0; p < hw; ++p) {
        const float* r = xb + p * dim;
        for (int64_t d = 0; d < dim; ++d) s[size_t(d)] += r[d] * r[d];
      }
      for (int64_t d = 0; d < dim; ++d) nrm[size_t(d)] = rb(c, std::sqrt(s[size_t(d)]));
    }
    double m = 0;  // channel mean of the norms (f32 result of an f32-accumulated mean)
    for (int64_t d = 0; d < dim; ++d) m += nrm[size_t(d)];
    const float den = rb(c, rb(c, float(m / double(dim))) + 1e-6f);
    for (int64_t d = 0; d < dim; ++d) {
      const float nx = rb(c, nrm[size_t(d)] / den);
      a[size_t(b * dim + d)] = rb(c, rb(c, g[size_t(d)] * nx) + 1.0f);
    }
  }
  for_chunks(c, n * hw, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* ar = a.data() + (r / hw) * dim;
      const float* xr = x + r * dim;
      float* yr = y + r * dim;
      for (int64_t d = 0; d < dim; ++d) yr[d] = rb(c, bt[size_t(d)] + ar[d] * xr[d]);
    }
  });
}

void film(const Context& c, float* x, int64_t n, int64_t ch, int64_t hw, const float* scale,
          const float* shift, int64_t ld) {
  for_chunks(c, n * ch, 8, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      const int64_t b = pl / ch, k = pl % ch;
      const float one_plus = rb(c, 1.0f + scale[b * ld + k]);
      const float sh = shift[b * ld + k];
      float* xp = x + pl * hw;
      for (int64_t i = 0; i < hw; ++i) xp[i] = rb(c, sh + xp[i] * one_plus);
    }
  });
}

}  // namespace janus::ops

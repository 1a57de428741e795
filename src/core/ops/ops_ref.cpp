// Reference kernels: the definition of each op. Simple loops; double accumulators so that the
// reference is at least as accurate as any fast kernel compared against it.
#include "core/ops/ops_ref.h"

#include <cmath>
#include <vector>

namespace janus::ops::ref {

namespace {
inline float rb(const Context& c, float v) {
  return c.bf16() ? bf16_to_f32(f32_to_bf16(v)) : v;
}
}  // namespace

void linear(const Context& c, const Linear& l, const float* x, int64_t rows, float* y) {
  std::vector<float> w(static_cast<size_t>(l.out * l.in));
  for (int64_t i = 0; i < l.out * l.in; ++i) w[size_t(i)] = weight_at(*l.weight, i);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < l.out; ++o) {
      double acc = 0;
      const float* xr = x + r * l.in;
      const float* wr = w.data() + o * l.in;
      for (int64_t k = 0; k < l.in; ++k) acc += double(rb(c, xr[k])) * double(wr[k]);
      if (l.bias) acc += weight_at(*l.bias, o);
      y[r * l.out + o] = rb(c, float(acc));
    }
  }
}

void layer_norm(const Context& c, const float* x, int64_t rows, int64_t dim, const TensorView& w,
                const TensorView* b, float eps, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < dim; ++i) mean += xr[i];
    mean /= double(dim);
    for (int64_t i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= double(dim);
    double inv = 1.0 / std::sqrt(var + double(eps));
    for (int64_t i = 0; i < dim; ++i) {
      double v = (xr[i] - mean) * inv * weight_at(w, i) + (b ? weight_at(*b, i) : 0.0);
      y[r * dim + i] = rb(c, float(v));
    }
  }
}

void rms_norm(const Context& c, const float* x, int64_t rows, int64_t dim, const TensorView& w, float eps,
              float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    double ss = 0;
    for (int64_t i = 0; i < dim; ++i) ss += double(xr[i]) * xr[i];
    float inv = float(1.0 / std::sqrt(ss / double(dim) + double(eps)));
    // Normalised value is cast to the activation dtype first, then multiplied by the weight.
    for (int64_t i = 0; i < dim; ++i) y[r * dim + i] = rb(c, weight_at(w, i) * rb(c, xr[i] * inv));
  }
}

void attention(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
               const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale, bool causal,
               float* out) {
  const int64_t group = nh / nkv;
  std::vector<double> s(static_cast<size_t>(S)), e(static_cast<size_t>(S));
  for (int64_t t = 0; t < T; ++t) {
    const int64_t visible = causal ? S - T + t + 1 : S;  // keys 0 .. visible-1
    for (int64_t h = 0; h < nh; ++h) {
      const float* qv = q + (t * nh + h) * hd;
      const int64_t kh = h / group;
      double mx = -INFINITY;
      for (int64_t j = 0; j < visible; ++j) {
        const float* kv = k + (j * nkv + kh) * hd;
        double dot = 0;
        for (int64_t d = 0; d < hd; ++d) dot += double(qv[d]) * kv[d];
        s[size_t(j)] = kind == AttentionKind::Eager ? rb(c, rb(c, float(dot)) * scale) : dot * scale;
        mx = std::max(mx, s[size_t(j)]);
      }
      double sum = 0;
      for (int64_t j = 0; j < visible; ++j) sum += e[size_t(j)] = std::exp(s[size_t(j)] - mx);
      float* o = out + (t * nh + h) * hd;
      for (int64_t d = 0; d < hd; ++d) {
        double acc = 0;
        for (int64_t j = 0; j < visible; ++j) {
          // Eager: probabilities rounded after the softmax; Fused (flash): exp rounded, sum kept f32.
          double p =
              kind == AttentionKind::Eager ? rb(c, float(e[size_t(j)] / sum)) : rb(c, float(e[size_t(j)]));
          acc += p * v[(j * nkv + kh) * hd + d];
        }
        o[d] = rb(c, float(kind == AttentionKind::Eager ? acc : acc / sum));
      }
    }
  }
}

}  // namespace janus::ops::ref

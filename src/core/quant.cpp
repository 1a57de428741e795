#include "core/quant.h"

#include <cmath>

namespace janus::quant {

void quantize_q8_0(const float* x, BlockQ8_0* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float* v = x + b * kBlock;
    float amax = 0;
    for (int i = 0; i < kBlock; ++i) amax = std::fmax(amax, std::fabs(v[i]));
    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    out[b].d = f32_to_f16(d);
    for (int i = 0; i < kBlock; ++i) out[b].q[i] = int8_t(std::lround(v[i] * id));
  }
}

void quantize_q4_0(const float* x, BlockQ4_0* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float* v = x + b * kBlock;
    float amax = 0, m = 0;
    for (int i = 0; i < kBlock; ++i)
      if (std::fabs(v[i]) > amax) {
        amax = std::fabs(v[i]);
        m = v[i];
      }
    const float d = m / -8.0f, id = d != 0 ? 1.0f / d : 0.0f;
    out[b].d = f32_to_f16(d);
    auto level = [&](float f) {
      const float t = f * id + 8.5f;
      return uint8_t(t <= 0 ? 0 : t >= 15 ? 15 : int(t));  // trunc toward zero, clamped
    };
    for (int i = 0; i < kBlock / 2; ++i)
      out[b].qs[i] = uint8_t(level(v[i]) | (level(v[i + kBlock / 2]) << 4));
  }
}

void dequantize_q8_0(const BlockQ8_0* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float d = f16_to_f32(in[b].d);
    for (int i = 0; i < kBlock; ++i) y[b * kBlock + i] = d * float(in[b].q[i]);
  }
}

void dequantize_q4_0(const BlockQ4_0* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float d = f16_to_f32(in[b].d);
    for (int i = 0; i < kBlock / 2; ++i) {
      y[b * kBlock + i] = d * float(int(in[b].qs[i] & 15) - 8);
      y[b * kBlock + i + kBlock / 2] = d * float(int(in[b].qs[i] >> 4) - 8);
    }
  }
}

float dequantize_at(DType t, const void* data, int64_t i) {
  const int64_t b = i / kBlock, j = i % kBlock;
  if (t == DType::Q8_0) {
    const BlockQ8_0& blk = static_cast<const BlockQ8_0*>(data)[b];
    return f16_to_f32(blk.d) * float(blk.q[j]);
  }
  const BlockQ4_0& blk = static_cast<const BlockQ4_0*>(data)[b];
  const int nib = j < kBlock / 2 ? blk.qs[j] & 15 : blk.qs[j - kBlock / 2] >> 4;
  return f16_to_f32(blk.d) * float(nib - 8);
}

void dequantize(DType t, const void* data, int64_t first, int64_t n, float* y) {
  if (t == DType::Q8_0)
    dequantize_q8_0(static_cast<const BlockQ8_0*>(data) + first / kBlock, y, n);
  else
    dequantize_q4_0(static_cast<const BlockQ4_0*>(data) + first / kBlock, y, n);
}

void quantize(DType t, const float* x, int64_t n, void* out) {
  if (t == DType::Q8_0)
    quantize_q8_0(x, static_cast<BlockQ8_0*>(out), n);
  else
    quantize_q4_0(x, static_cast<BlockQ4_0*>(out), n);
}

}  // namespace janus::quant

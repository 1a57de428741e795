// Whole 2-D convolutions on oneDNN's own kernels: Winograd F(4x4, 3x3) for wide 3x3 stride-1 layers
// (2.25x fewer multiplies; the VQ-16 and SDXL-VAE decoders are made of them), its direct blocked
// kernel otherwise — both well ahead of im2col + GEMM. oneDNN runs the layer with the pool's thread
// count on its OpenMP team; forward convolutions never split a reduction across threads, and the ops
// tests check 1- and 2-thread results are the same bits.
#pragma once

#include <cstdint>
#include <memory>

namespace janus::ops::kern {

struct ConvShape2d {
  int64_t n = 0, in = 0, out = 0, h = 0, w = 0, k = 0, stride = 1, pad = 0;
};

// Whether the Winograd kernel is used for this shape (3x3, stride 1, pad 1, >= 256 channels each way
// and >= 64x64 pixels: narrower layers run as fast on the direct kernel, smaller maps do not repay the
// weight transform).
bool conv_uses_winograd(const ConvShape2d& s);

// y [n, out, ho, wo] = conv(x [n, in, h, w], w_oihw [out, in, k, k]) in f32, no bias, `threads` OpenMP
// threads. `state` caches per-shape primitives and reordered weights (owned by the Conv2d). Returns
// false when oneDNN refuses the shape (nothing written; the caller uses im2col + GEMM).
bool conv2d_onednn(int threads, const float* w_oihw, const ConvShape2d& s, const float* x, float* y,
                   std::shared_ptr<void>& state);

}  // namespace janus::ops::kern

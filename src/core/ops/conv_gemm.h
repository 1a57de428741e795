// Strided f32 GEMM tiles on oneDNN matmul for the image ops (conv2d via im2col, the VQ attention
// bmm). One call computes one tile on the calling thread (oneDNN's OpenMP team held to 1 thread),
// so callers spread fixed-shape tiles over the ThreadPool and results never depend on thread count.
#pragma once

#include <cstdint>

namespace janus::ops::kern {

// Element (i, j) of a matrix is p[i·rs + j·cs].
struct Strided {
  const float* p = nullptr;
  int64_t rs = 0, cs = 0;
};

// y[m, n] (row stride ldy) = a[m, k] · b[k, n] in f32. Returns false when oneDNN refuses the shape
// (nothing written; the caller falls back to loops).
bool gemm_f32_strided(int64_t m, int64_t n, int64_t k, Strided a, Strided b, float* y, int64_t ldy);

// The same product with plain loops (f32 accumulation, 8 partial sums): the fallback.
void gemm_f32_loops(int64_t m, int64_t n, int64_t k, Strided a, Strided b, float* y, int64_t ldy);

}  // namespace janus::ops::kern

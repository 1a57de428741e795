// Prefill/encode GEMM tiles on oneDNN matmul, one tile per call on the calling thread
// (oneDNN's OpenMP team is held to 1 thread for the call; our ThreadPool spreads the tiles).
// Fixed tile shapes make each output independent of the thread count.
#pragma once

#include <cstdint>

namespace janus::ops::kern {

// y[M, nt] (row stride ldy) = xb[M, K] · Wtᵀ (+ bias[nt]), bf16 inputs, f32 accumulation and
// output. Wt points at weight row n0 of W [N, K] (bf16, as stored): B = Wtᵀ read with strides.
// Returns false when oneDNN has no bf16 matmul on this CPU (nothing written).
bool gemm_bf16_onednn(const uint16_t* xb, int64_t M, int64_t K, const uint16_t* wt, int64_t nt,
                      const float* bias, float* y, int64_t ldy);
// Same in f32: x [M, K], wt [nt, K] f32 rows. Returns false if oneDNN refuses.
bool gemm_f32_onednn(const float* x, int64_t M, int64_t K, const float* wt, int64_t nt, const float* bias,
                     float* y, int64_t ldy);

}  // namespace janus::ops::kern

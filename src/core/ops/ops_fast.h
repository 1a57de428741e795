// Fast kernels behind ops.h (selected per call by active_isa(), see cpu_features.h and the
// dispatch notes in ops_fast.cpp). Same semantics as ops_ref.
#pragma once

#include "core/ops/ops.h"

namespace janus::ops::fast {

void linear(const Context& c, const Linear& l, const float* x, int64_t rows, float* y);
void linear_multi(const Context& c, const Linear* const* ls, int n, const float* x, int64_t rows,
                  float* const* ys);
// bf16 K/V rows read directly by the AVX-512 kernel; false (nothing written) where there is none.
bool attention_kv_bf16(const Context& c, AttentionKind kind, const float* q, int64_t T, const uint16_t* k,
                       const uint16_t* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale,
                       bool causal, float* out);
void attention(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
               const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale, bool causal,
               float* out);

}  // namespace janus::ops::fast

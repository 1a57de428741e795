// The plain reference kernels: obviously correct loops, double accumulation where it matters.
// ops.cpp dispatches to these when Context::reference is set or no fast kernel applies.
#pragma once

#include "core/ops/ops.h"

namespace janus::ops::ref {

void linear(const Context& c, const Linear& l, const float* x, int64_t rows, float* y);
void layer_norm(const Context& c, const float* x, int64_t rows, int64_t dim, const TensorView& w,
                const TensorView* b, float eps, float* y);
void rms_norm(const Context& c, const float* x, int64_t rows, int64_t dim, const TensorView& w, float eps,
              float* y);
void attention(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
               const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale, bool causal,
               float* out);

}  // namespace janus::ops::ref

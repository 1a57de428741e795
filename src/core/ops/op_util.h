// Small helpers shared by the op implementation files (not part of the ops API).
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/ops/ops.h"

namespace janus::ops::detail {

// v as stored by an op of this context: rounded to bf16 in BF16 mode, unchanged in F32 mode.
inline float rb(const Context& c, float v) {
  return c.bf16() ? bf16_to_f32(f32_to_bf16(v)) : v;
}

// f(begin, end) over fixed chunks of [0, n) on the pool (results independent of the thread count).
template <class F>
void for_chunks(const Context& c, int64_t n, int64_t min_chunk, F f) {
  if (!c.pool || n <= min_chunk) {
    f(int64_t(0), n);
    return;
  }
  c.pool->parallel_for(
      n, [&](int64_t b, int64_t e, int) { f(b, e); }, min_chunk);
}

}  // namespace janus::ops::detail

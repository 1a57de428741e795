// Vectorised attention kernel (AVX-512). Same maths as ref::attention: all scores of a query row,
// global max, exp, sum; the bf16 rounding points of the Eager and Fused kinds (see ops.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace janus::ops::kern {

constexpr int64_t kAttnRowBlock = 4;  // query rows per block (they share each K/V load)

struct AttnArgs {
  bool eager = true;             // AttentionKind::Eager, else Fused
  bool round = false;            // BF16 precision
  const float* q = nullptr;      // [T, nh, hd]
  const float* k = nullptr;      // [S, nkv, hd]
  const float* v = nullptr;      // [S, nkv, hd]
  const uint16_t* kb = nullptr;  // instead of k/v when set: bf16 rows (a bf16 KV cache)
  const uint16_t* vb = nullptr;
  float* out = nullptr;  // [T, nh, hd]
  int64_t T = 0, S = 0, nh = 0, nkv = 0, hd = 0;
  float scale = 1;
  bool causal = false;
};

int64_t attn_blocks(const AttnArgs& a);         // query blocks per head
size_t attn_scratch_floats(const AttnArgs& a);  // per thread
// Work items [i0, i1) of nh·attn_blocks (head-major); scratch holds attn_scratch_floats floats.
void attention_avx512(const AttnArgs& a, int64_t i0, int64_t i1, float* scratch);

}  // namespace janus::ops::kern

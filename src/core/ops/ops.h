// Operators on f32 activations with checkpoint weights (bf16/f16/f32 TensorViews).
// Every op has a plain reference implementation (ops_ref.cpp) that stays callable through
// Context::reference; fast kernels live behind the same functions and are tested against it.
//
// Precision::BF16 reproduces the official bf16 run: activations are rounded to bf16 at the op
// boundaries where PyTorch holds bf16 tensors (spec §9), with f32 accumulation inside ops.
// Precision::F32 is the exact-f32 reference mode (bf16 weights upcast, nothing rounded).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor_view.h"
#include "core/thread_pool.h"

namespace janus::ops {

enum class Precision { F32, BF16 };

struct Context {
  ThreadPool* pool = nullptr;  // null: run on the calling thread
  Precision precision = Precision::F32;
  bool reference = false;  // force the plain reference kernels
  bool bf16() const { return precision == Precision::BF16; }
};

// Rounds every element to the nearest bf16 (ties to even), in place: what a bf16 tensor stores.
void round_bf16(float* x, int64_t n);
// Element i of a weight tensor as f32 (bf16/f16/f32 storage).
float weight_at(const TensorView& w, int64_t i);

// y[rows, out] = x[rows, in] · Wᵀ + b, with W [out, in] as stored in the checkpoint.
struct Linear {
  const TensorView* weight = nullptr;  // [out, in]
  const TensorView* bias = nullptr;    // [out] or null
  int64_t out = 0, in = 0;
  mutable std::shared_ptr<void> cache;  // fast-path state (e.g. packed weights), built on first use
};
// Validates shapes; throws Error(Model) naming the tensor.
Linear make_linear(const TensorView& weight, const TensorView* bias);
void linear(const Context& c, const Linear& l, const float* x, int64_t rows, float* y);

// LayerNorm over the last dim (biased variance), affine.
void layer_norm(const Context& c, const float* x, int64_t rows, int64_t dim, const TensorView& w,
                const TensorView* b, float eps, float* y);
// HF LlamaRMSNorm: f32 stats, x·rsqrt(mean(x²)+eps), cast to the activation dtype, then ·w.
void rms_norm(const Context& c, const float* x, int64_t rows, int64_t dim, const TensorView& w, float eps,
              float* y);
void gelu_erf(const Context& c, float* x, int64_t n);                                      // in place
void silu_mul(const Context& c, const float* gate, const float* up, int64_t n, float* y);  // silu(g)·u
void add(const Context& c, const float* a, const float* b, int64_t n, float* y);           // y = a + b
// y[r, :] += bias for each of `rows` rows (a separate op: conv bias in the cuDNN path is its own add).
void add_bias(const Context& c, float* y, int64_t rows, const TensorView& bias);
// Rows of an embedding table: y[n, dim] = table[ids[i]]; an id outside the table is an error.
void embedding(const Context& c, const TensorView& table, const int32_t* ids, int64_t n, float* y);

// Rotary embedding (HF Llama rotate-half) on x[T, heads, head_dim] at positions pos[T], in place.
struct Rope {
  int64_t head_dim = 0;
  std::vector<float> inv_freq;  // [head_dim/2]; bf16-rounded in BF16 mode (the buffer is cast with the model)
};
Rope make_rope(int64_t head_dim, double theta, Precision p);
void rope(const Context& c, const Rope& r, float* x, int64_t T, int64_t heads, const int64_t* pos);

// Scaled dot-product attention. q [T, nh, hd]; k, v [S, nkv, hd] (nh % nkv == 0, grouped heads).
// causal: query t sees keys 0 .. S-T+t (the last T keys belong to the queries). out [T, nh, hd].
// Eager = the LLM's eager path (bf16 scores, scale, fp32 softmax → bf16, bf16 ·V);
// Fused = SDPA/flash (fp32 inside, only the output rounded), as SigLIP runs it.
enum class AttentionKind { Eager, Fused };
void attention(const Context& c, AttentionKind kind, const float* q, int64_t T, const float* k,
               const float* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale, bool causal,
               float* out);

// Non-overlapping patches: img [C, H, W] -> out [(H/p)*(W/p), C*p*p] in (c, ky, kx) order, the
// flattening of a conv weight [out, C, p, p]; so patch embedding = patchify + linear.
void patchify(const float* img, int64_t C, int64_t H, int64_t W, int64_t p, float* out);

}  // namespace janus::ops

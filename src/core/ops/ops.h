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
// n linears with the same input size on the same x: ys[i] = linear(*ls[i], x), results identical
// to the separate calls. Decode runs them as one pass of the pool (q/k/v, gate/up).
void linear_multi(const Context& c, const Linear* const* ls, int n, const float* x, int64_t rows,
                  float* const* ys);

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
  // Rotate pairs (2i, 2i+1) instead of (i, i + hd/2): for q/k projections whose rows were permuted
  // as llama.cpp's GGUF files store them; the attention scores are the same.
  bool interleaved = false;
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

// attention() with K and V stored as bf16 rows [S, nkv, hd] (a BF16 run's KV cache, whose values are
// bf16 already): the result equals attention() on the rows widened to f32.
void attention_kv_bf16(const Context& c, AttentionKind kind, const float* q, int64_t T, const uint16_t* k,
                       const uint16_t* v, int64_t S, int64_t nh, int64_t nkv, int64_t hd, float scale,
                       bool causal, float* out);

// Non-overlapping patches: img [C, H, W] -> out [(H/p)*(W/p), C*p*p] in (c, ky, kx) order, the
// flattening of a conv weight [out, C, p, p]; so patch embedding = patchify + linear.
void patchify(const float* img, int64_t C, int64_t H, int64_t W, int64_t p, float* out);

// ------------------------------------------------------------------ image ops (NCHW, VQ decoder)

// 2-D convolution, groups = 1: x [n, in, h, w] (f32) -> y [n, out, ho, wo] with
// ho = (h + 2·pad - kh) / stride + 1. BF16 mode: the convolution result is rounded, then the bias add
// is its own rounded op (the cuDNN path: conv without bias, then add_(bias)).
struct Conv2d {
  const TensorView* weight = nullptr;  // [out, in, kh, kw]
  const TensorView* bias = nullptr;    // [out] or null
  int64_t out = 0, in = 0, kh = 0, kw = 0, stride = 1, pad = 0;
  mutable std::shared_ptr<void> cache;  // fast-path state (f32 weight rows), built on first use
};
// Validates shapes and the stride/padding; throws Error(Model) naming the tensor.
Conv2d make_conv2d(const TensorView& weight, const TensorView* bias, int64_t stride, int64_t pad);
// Output size of one spatial dim; Error(InvalidArgument) when the kernel does not fit.
int64_t conv2d_out_size(const Conv2d& conv, int64_t in_size);
void conv2d(const Context& c, const Conv2d& conv, const float* x, int64_t n, int64_t h, int64_t w, float* y);

// y[m, n] = op(a) · op(b), one rounding in BF16 mode (a bmm). a: [m, k], or [k, m] when a_t;
// b: [k, n], or [n, k] when b_t. All f32 activations.
void matmul(const Context& c, const float* a, bool a_t, const float* b, bool b_t, int64_t m, int64_t n,
            int64_t k, float* y);

// GroupNorm over x [n, ch, hw] (biased variance, f32 stats inside), affine per channel; one rounding.
void group_norm(const Context& c, const float* x, int64_t n, int64_t ch, int64_t hw, int64_t groups,
                const TensorView& w, const TensorView& b, float eps, float* y);
// In place x·sigmoid(x); BF16 mode rounds sigmoid(x) and then the product (two ops, vq_model.nonlinearity).
void swish(const Context& c, float* x, int64_t n);
// In place F.silu: x·sigmoid(x) with one rounding in BF16 mode (nn.SiLU in the UViT and the SDXL VAE).
void silu(const Context& c, float* x, int64_t n);
// Nearest-neighbour ×2 upsampling: x [planes, h, w] -> y [planes, 2h, 2w] (value-exact, no rounding).
void upsample_nearest2x(const Context& c, const float* x, int64_t planes, int64_t h, int64_t w, float* y);
// Row softmax over x [rows, dim] in place (f32 inside, one rounding).
void softmax_rows(const Context& c, float* x, int64_t rows, int64_t dim);
// In place x·s, one rounding (a tensor-times-scalar op).
void scale(const Context& c, float* x, int64_t n, float s);

// ------------------------------------------------------------------ JanusFlow UViT ops (convnext_ops.cpp)

// Depthwise 2-D convolution (groups = channels), stride 1, zero padding k/2 for an odd k ("same"):
// x [n, ch, h, w] -> y [n, ch, h, w]. BF16 mode rounds the convolution, then the bias add as its own op
// (like conv2d). The fast path accumulates each plane in f32 over the taps; the reference in double.
struct DepthwiseConv2d {
  const TensorView* weight = nullptr;  // [ch, 1, k, k]
  const TensorView* bias = nullptr;    // [ch] or null
  int64_t ch = 0, k = 0;
  mutable std::shared_ptr<void> cache;  // f32 copies of the weights, built on first use
};
// Validates shapes (odd k); throws Error(Model) naming the tensor.
DepthwiseConv2d make_depthwise_conv2d(const TensorView& weight, const TensorView* bias);
void depthwise_conv2d(const Context& c, const DepthwiseConv2d& conv, const float* x, int64_t n, int64_t h,
                      int64_t w, float* y);

// nn.PixelShuffle(r): x [n, ch·r², h, w] -> y [n, ch, h·r, w·r] with
// y[b, c, r·i + a, r·j + d] = x[b, c·r² + a·r + d, i, j] (value-exact).
void pixel_shuffle(const float* x, int64_t n, int64_t ch, int64_t h, int64_t w, int64_t r, float* y);

// Layout transposes (value-exact): [n, ch, hw] <-> [n, hw, ch].
void nchw_to_nhwc(const float* x, int64_t n, int64_t ch, int64_t hw, float* y);
void nhwc_to_nchw(const float* x, int64_t n, int64_t hw, int64_t ch, float* y);

// ConvNeXt-V2 GlobalResponseNorm on NHWC rows x [n, hw, dim], gamma/beta with dim elements (any shape):
//   g[b,d] = sqrt(Σ_hw x²) (f32 sum, one rounding); m[b] = mean_d g (rounded); den = m + 1e-6 (rounded);
//   nx = g / den (rounded); a = γ·nx (rounded) + 1 (rounded); y = β + a·x (addcmul: one rounding).
// The roundings apply in BF16 mode only. y may equal x.
void grn(const Context& c, const float* x, int64_t n, int64_t hw, int64_t dim, const TensorView& gamma,
         const TensorView& beta, float* y);

// FiLM of the UViT ConvNeXt block on x [n, ch, hw] in place: x = shift + x·(1 + scale), with (1 + scale)
// rounded and then one rounding of the addcmul (BF16 mode). scale/shift: row b at scale + b·ld.
void film(const Context& c, float* x, int64_t n, int64_t ch, int64_t hw, const float* scale,
          const float* shift, int64_t ld);

}  // namespace janus::ops

// JanusFlow's generation encoder/decoder (janus/janusflow/models/uvit.py ShallowUViTEncoder /
// ShallowUViTDecoder), op by op in the order and with the rounding points of tools/reference/flow.py
// (spec janusflow.md §7). Widths come from the tensors and must agree with the config, so the tiny
// test checkpoints run the same code as the real one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "io/config/config.h"
#include "io/weights/tensor_store.h"
#include "models/dump.h"

namespace janus {

// diffusers Timesteps(dim, flip_sin_to_cos=True, downscale_freq_shift=0) in f32: out [n, dim] =
// [cos(t·f_k), sin(t·f_k)], f_k = exp(-ln(10000)·k · (1/(dim/2))) (CUDA's multiply by the f32 reciprocal).
// Accurate sinf/cosf (arguments reach ~1000 rad). dim must be even.
void timestep_sinusoid(const float* t, int64_t n, int64_t dim, float* out);

// uvit.ConvNextBlock(C): depthwise 7x7 → RMSNorm → Linear C→4C → GELU → GRN → Linear 4C→C → +x → FiLM.
class ConvNeXtBlock {
 public:
  // Binds `<prefix>depthwise.*`, `norm.weight`, `channelwise_linear_{1,2}.*`, `channelwise_norm.*`,
  // `cond_embeds_mapper.*` for `channels` wide blocks conditioned on `cond_dim` (Error(Model) naming a
  // missing or mis-shaped tensor).
  ConvNeXtBlock(const TensorStore& w, const std::string& prefix, int64_t channels, int64_t cond_dim,
                bool bias, float eps);
  // x [n, C, h, w] in place; cond_silu [n, cond_dim] = SiLU(t_emb) (shared by all blocks).
  void forward(const ops::Context& c, Tensor& x, const Tensor& cond_silu) const;
  int64_t channels() const { return ch_; }

 private:
  int64_t ch_ = 0;
  float eps_ = 1e-6f;
  ops::DepthwiseConv2d dw_;
  const TensorView* norm_ = nullptr;
  ops::Linear l1_, l2_, mapper_;
  const TensorView *grn_w_ = nullptr, *grn_b_ = nullptr;
};

class UViTEncoder {
 public:
  // Binds `<prefix>time_embed.*`, `in_conv.*`, `mid_block.res_blocks.{j}.*`. hidden = the LLM width.
  UViTEncoder(const TensorStore& w, const UViTEncoderConfig& cfg, int64_t hidden,
              const std::string& prefix = "vision_gen_enc_model.");
  // t [n] as the network sees it -> t_emb [n, hidden] (TimestepEmbedding of the rounded sinusoid).
  Tensor time_embedding(const ops::Context& c, const float* t, int64_t n) const;
  // z [n, in_ch, H, W] -> x_emb [n, C, H', W'] (in_conv, then the ConvNeXt blocks conditioned on t_emb).
  Tensor forward(const ops::Context& c, const Tensor& z, const Tensor& t_emb, const DumpFn& dump = {}) const;

  int64_t channels() const { return ch_; }
  int64_t in_channels() const { return in_ch_; }
  int64_t hidden_size() const { return hidden_; }

 private:
  int64_t ch_ = 0, in_ch_ = 0, hidden_ = 0, tdim_ = 0;
  ops::Linear t1_, t2_;
  ops::Conv2d in_conv_;
  std::vector<ConvNeXtBlock> blocks_;
};

class UViTDecoder {
 public:
  // Binds `<prefix>input_norm.weight`, `mid_block.res_blocks.{j}.*`, `out_convs.0.*` (upsamples must be 1).
  UViTDecoder(const TensorStore& w, const UViTDecoderConfig& cfg, int64_t hidden,
              const std::string& prefix = "vision_gen_dec_model.");
  // x [n, C_in, g, g] (the dec aligner output), skip [n, C, g, g] (the encoder output), t_emb [n, hidden]
  // -> velocity [n, out_ch, 2g, 2g].
  Tensor forward(const ops::Context& c, const Tensor& x, const Tensor& skip, const Tensor& t_emb,
                 const DumpFn& dump = {}) const;

  int64_t in_channels() const { return in_ch_; }
  int64_t skip_channels() const { return skip_ch_; }
  int64_t out_channels() const { return out_ch_; }

 private:
  int64_t in_ch_ = 0, skip_ch_ = 0, out_ch_ = 0, hidden_ = 0;
  float eps_ = 1e-6f;
  const TensorView* input_norm_ = nullptr;
  std::vector<ConvNeXtBlock> blocks_;
  const TensorView* out_norm_ = nullptr;
  ops::Conv2d unpatch_;
};

}  // namespace janus

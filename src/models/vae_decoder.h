// SDXL-VAE decoder (diffusers AutoencoderKL.decode) as JanusFlow runs it: z / scaling_factor,
// post_quant_conv, Decoder (conv_in, mid resnet/attention/resnet, up blocks in execution order with
// layers_per_block + 1 resnets and nearest x2 + conv upsamplers on all but the last, conv_norm_out,
// SiLU, conv_out). Channel plan, groups and resnets per block come from config.json, so the tiny
// checkpoints run the same code. tools/reference/vae.py `VAEDecoder` is the executable statement of the
// op order and rounding points (spec janusflow.md §6.5, §8, §9.1).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "io/config/config.h"
#include "io/weights/tensor_store.h"
#include "models/dump.h"
#include "models/tensor_table.h"

namespace janus {

class VaeDecoder {
 public:
  // Binds the decoder tensors of a diffusers AutoencoderKL (any of the three namings; 4-D 1x1 attention
  // weights are accepted as [out,in]); channel plan, groups, layers_per_block and scaling_factor from `cfg`.
  // BF16 precision: fp32/f16 weights are rounded to bf16 once at construction (owned copies), as
  // `vae.to(torch.bfloat16)` does. Error(Model) naming a missing or mis-shaped tensor.
  VaeDecoder(const TensorStore& w, const VaeConfig& cfg, VaeNaming naming, ops::Precision precision);

  // z [n, latent_channels, h, w]: the sampler's latent (NOT yet divided by scaling_factor; decode does it)
  // -> images [n, 3, 8h, 8w] f32 in about [-1,1]. Images are decoded one at a time. Dumps (image 0,
  // diffusers module paths) "post_quant_conv", "decoder.conv_in", "decoder.mid_block.attentions.0",
  // "decoder.mid_block", "decoder.up_blocks.{b}" when dump is set. The context's precision must be the
  // constructor's (the weights were prepared for it): Error(InvalidArgument) otherwise.
  Tensor decode(const ops::Context& c, const Tensor& z, const DumpFn& dump = {}) const;

  float scaling_factor() const { return scaling_; }
  int64_t latent_channels() const { return latent_; }
  int64_t upscale() const { return int64_t(1) << (blocks_.size() - 1); }  // 8 for SDXL

 private:
  struct Res {
    int64_t cin = 0, cout = 0;
    const TensorView *n1w, *n1b, *n2w, *n2b;
    ops::Conv2d conv1, conv2, shortcut;  // shortcut: 1x1 conv when cin != cout (weight null otherwise)
  };
  struct Attn {
    int64_t ch = 0;
    const TensorView *nw, *nb;
    ops::Linear q, k, v, out;
  };
  struct UpBlock {
    std::vector<Res> res;  // layers_per_block + 1
    bool upsample = false;
    ops::Conv2d up;
  };
  struct Weights;  // owned bf16 copies and reshaped views (stable addresses)

  const TensorView& bind(const TensorStore& w, const std::string& name, const std::vector<int64_t>& shape,
                         bool allow_1x1 = false);
  ops::Conv2d bind_conv(const TensorStore& w, const std::string& name, int64_t out, int64_t in, int64_t k);
  ops::Linear bind_linear(const TensorStore& w, const std::string& name, int64_t c, bool conv_1x1);

  // One image: x [C, h, w] -> the block output (new tensor).
  Tensor res_block(const ops::Context& c, const Res& r, const Tensor& x, int64_t h, int64_t w) const;
  Tensor attn_block(const ops::Context& c, const Attn& a, const Tensor& x, int64_t h, int64_t w) const;
  Tensor conv(const ops::Context& c, const ops::Conv2d& k, const Tensor& x, int64_t h, int64_t w) const;

  std::shared_ptr<Weights> owned_;
  ops::Precision precision_;
  int64_t latent_ = 0, groups_ = 32, out_ch_ = 3;
  float scaling_ = 1.0f;
  bool post_quant_on_ = true, mid_attn_on_ = true;
  ops::Conv2d post_quant_, conv_in_, conv_out_;
  Res mid0_, mid1_;
  Attn attn_;
  std::vector<UpBlock> blocks_;
  const TensorView *norm_out_w_ = nullptr, *norm_out_b_ = nullptr;
};

}  // namespace janus

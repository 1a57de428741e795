// SigLIP-L/16 vision tower as the official CLIPVisionTower runs it (timm VisionTransformer with
// fused qkv, pre-norm blocks, exact GELU, final LayerNorm; the attention-pool head is not run).
// Widths and depth come from the tensors (ArchDims), so tiny test checkpoints run too.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "io/weights/tensor_store.h"
#include "models/dump.h"
#include "models/tensor_table.h"

namespace janus {

class SiglipTower {
 public:
  // prefix: "vision_model.vision_tower." (Janus) or "vision_und_enc_model.vision_tower." (JanusFlow).
  // Runs dims.vit_blocks_used blocks (select_layer applied by infer_dims).
  SiglipTower(const TensorStore& w, const std::string& prefix, const ArchDims& dims);

  // pixels [n, 3, S, S] (preprocessed, f32) -> features [n, tokens, width] after the final LayerNorm.
  // Dumps "<prefix>blocks.{i}" ([n, tokens, width], residual stream after block i) when dump is set.
  Tensor forward(const ops::Context& c, const Tensor& pixels, const DumpFn& dump = {}) const;

  int64_t width() const { return width_; }
  int64_t tokens() const { return tokens_; }
  int64_t blocks() const { return int64_t(blocks_.size()); }

 private:
  struct Block {
    const TensorView *norm1_w, *norm1_b, *norm2_w, *norm2_b;
    ops::Linear qkv, proj, fc1, fc2;
  };
  std::string prefix_;
  int64_t width_ = 0, tokens_ = 0, patch_size_ = 0, heads_ = 0, mlp_ = 0;
  const TensorView* pos_embed_ = nullptr;  // [1, tokens, width]
  const TensorView* patch_b_ = nullptr;    // [width]
  // The conv weight [width, 3, p, p] seen as [width, 3·p·p]; heap-held so patch_ (which points at it)
  // stays valid when the tower is moved.
  std::shared_ptr<const TensorView> patch_w2d_;
  ops::Linear patch_;  // no bias: the conv bias is its own rounded add (cuDNN path)
  std::vector<Block> blocks_;
  const TensorView *norm_w_ = nullptr, *norm_b_ = nullptr;
};

}  // namespace janus

// SigLIP-L/16 vision tower as the official CLIPVisionTower runs it (timm VisionTransformer with
// fused qkv, pre-norm blocks, exact GELU, final LayerNorm; the attention-pool head is not run).
// Widths and depth come from the tensors (ArchDims), so tiny test checkpoints run too.
#pragma once

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

  // pixels [n, 3, S, S] (preprocessed, f32) -> features [n, tokens, width].
  // Dumps "vision_model.vision_tower.blocks.{i}" per block when dump is set.
  Tensor forward(const ops::Context& c, const Tensor& pixels, const DumpFn& dump = {}) const;

  int64_t width() const { return width_; }
  int64_t tokens() const { return tokens_; }

 private:
  struct Block {
    const TensorView *norm1_w, *norm1_b, *norm2_w, *norm2_b;
    ops::Linear qkv, proj, fc1, fc2;
  };
  std::string prefix_;
  int64_t width_ = 0, tokens_ = 0, patch_ = 0, heads_ = 0;
  const TensorView* pos_embed_ = nullptr;  // [1, tokens, width]
  const TensorView* patch_b_ = nullptr;    // [width]
  ops::Linear patch_;                      // conv weight [width, 3, p, p] seen as [width, 3·p·p]
  TensorView patch_w2d_;                   // the 2-D view of the conv weight used by patch_
  std::vector<Block> blocks_;
  const TensorView *norm_w_ = nullptr, *norm_b_ = nullptr;
};

}  // namespace janus

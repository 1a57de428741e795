// The autoregressive image-token parts of a Janus model (spec janus.md §8.1):
//   GenHead:  hidden [rows, H] -> codebook logits [rows, K] = vision_head(GELU(output_mlp_projector(h)))
//   GenEmbed: code ids [n] -> LLM input rows [n, H] = gen_aligner(gen_embed[id])
// plus the CFG combination of a cond/uncond logit pair with the official bf16 rounding points.
#pragma once

#include <cstdint>
#include <string>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "io/weights/tensor_store.h"
#include "models/aligner.h"

namespace janus {

class GenHead {
 public:
  // Binds prefix + "output_mlp_projector.{weight,bias}" and "vision_head.{weight,bias}"; Error(Model)
  // naming the tensor when one is missing or the two layers do not chain.
  explicit GenHead(const TensorStore& w, const std::string& prefix = "gen_head.");
  // hidden [rows, in_dim()] -> logits [rows, codes()]; each op rounded in bf16 mode (ops do it).
  Tensor forward(const ops::Context& c, const Tensor& hidden) const;
  int64_t in_dim() const { return proj_.in; }
  int64_t codes() const { return head_.out; }

 private:
  ops::Linear proj_, head_;
};

class GenEmbed {
 public:
  // Binds "gen_embed.weight" [K, D] and the "gen_aligner." MlpProjector (D -> H).
  explicit GenEmbed(const TensorStore& w);
  // ids [n] (each in [0, codes())) -> [n, out_dim()]; Error(InvalidArgument) for an id out of range.
  Tensor forward(const ops::Context& c, const int32_t* ids, int64_t n) const;
  int64_t codes() const { return table_->shape[0]; }
  int64_t code_dim() const { return table_->shape[1]; }
  int64_t out_dim() const { return aligner_.out_dim(); }

 private:
  const TensorView* table_ = nullptr;  // [K, D]
  Aligner aligner_;
};

// out[i] = uncond[i] + w·(cond[i] − uncond[i]) over n logits. BF16 mode rounds each of the three ops
// (zc−zu, w·d, zu+m) to bf16 as the official bf16 run does (spec §9); F32 mode rounds nothing.
// `out` may alias neither input.
void cfg_combine(const ops::Context& c, const float* cond, const float* uncond, float w, int64_t n,
                 float* out);

}  // namespace janus

// The autoregressive text-to-image path of a Janus model folder (Janus-1.3B, Janus-Pro-1B/7B): the LLM,
// gen_head (hidden -> codebook logits) and gen_embed + gen_aligner (sampled code -> next LLM input).
// The VQ decoder that turns codes into pixels is separate (models/vq_decoder.h).
#pragma once

#include <memory>

#include "core/ops/ops.h"
#include "models/gen_head.h"
#include "models/llm.h"
#include "models/model_bundle.h"

namespace janus {

struct GenerationModel {
  Llm llm;
  GenHead head;                                   // "gen_head."
  GenEmbed embed;                                 // "gen_embed.weight" + "gen_aligner."
  int64_t codes() const { return head.codes(); }  // codebook size K (16384)
};

// Builds it from a bundle loaded with tensors; `precision` must match the Context used to run it.
// Error(Unsupported) for JanusFlow (it generates with rectified flow, not image tokens); Error(Model)
// when the bundle has no weights, a generation tensor is missing, or widths disagree (gen_head input /
// gen_aligner output != LLM hidden size, gen_head codes != gen_embed rows).
std::unique_ptr<GenerationModel> build_generation_model(const ModelBundle& m, ops::Precision precision);

}  // namespace janus

// The understanding path of a model folder: SigLIP tower + aligner (image rows for the LLM) and the LLM.
// Janus: vision_model.vision_tower. + aligner. (MLP); JanusFlow: vision_und_enc_model.vision_tower. +
// vision_und_enc_aligner. (Linear) + beg_of_und_embed, the learned row that precedes each image.
#pragma once

#include <memory>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "models/aligner.h"
#include "models/dump.h"
#include "models/llm.h"
#include "models/model_bundle.h"
#include "models/siglip.h"

namespace janus {

struct UnderstandingModel {
  SiglipTower vision;
  Aligner aligner;
  Llm llm;
  const TensorView* beg_of_und_embed = nullptr;  // [1, hidden]; JanusFlow only, else null

  // Embedding rows one image takes in the sequence: 576 (Janus) or 577 (JanusFlow, begin row first).
  int64_t rows_per_image() const { return vision.tokens() + (beg_of_und_embed ? 1 : 0); }

  // pixels [n, 3, S, S] (preprocessed f32) -> [n * rows_per_image(), hidden], image after image, in the
  // order they overwrite the image positions of the prompt (janus.md §7.2, janusflow.md §4.3).
  // Dumps "vision_features" ([n, tokens, width]) and "image_embeds" (the result), plus the tower blocks.
  Tensor image_rows(const ops::Context& c, const Tensor& pixels, const DumpFn& dump = {}) const;
};

// Builds it from a bundle loaded with tensors; `precision` must match the Context used to run it.
// Error(Model) when the bundle has no weights or a tensor is missing or mis-shaped.
std::unique_ptr<UnderstandingModel> build_understanding_model(const ModelBundle& m, ops::Precision precision);

}  // namespace janus

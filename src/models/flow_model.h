// The rectified-flow generation path of a JanusFlow model folder: the LLM body (no LM head is used) and
// the vision parts around it (time embedding, UViT encoder/decoder, gen aligners: models/flow_vision.h).
// The SDXL VAE that turns the final latent into pixels is a separate model (models/vae_decoder.h).
#pragma once

#include <memory>

#include "core/ops/ops.h"
#include "models/flow_vision.h"
#include "models/llm.h"
#include "models/model_bundle.h"

namespace janus {

struct FlowModel {
  Llm llm;
  FlowVision vision;
};

// Builds it from a bundle loaded with tensors; `precision` must match the Context used to run it.
// Error(Unsupported) for the autoregressive Janus models (they generate image tokens: generation_model.h);
// Error(Model) when the bundle has no weights, a tensor is missing, or widths disagree.
std::unique_ptr<FlowModel> build_flow_model(const ModelBundle& m, ops::Precision precision);

}  // namespace janus

// All non-LLM generation parts of JanusFlow for one Euler step of the rectified-flow sampler
// (demo/app_janusflow.py): the time embedding, the ShallowUViT encoder/decoder and the gen aligners.
// The LLM, the CFG batch and the Euler update belong to the sampler (pipelines/generate_flow).
#pragma once

#include <cstdint>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "io/config/config.h"
#include "io/weights/tensor_store.h"
#include "models/dump.h"
#include "models/uvit.h"

namespace janus {

class FlowVision {
 public:
  // Binds vision_gen_enc_model.*, vision_gen_dec_model.*, vision_gen_enc_aligner.*,
  // vision_gen_dec_aligner_norm, vision_gen_dec_aligner.* (eps = cfg.language.rms_norm_eps).
  // Error(Model) names a missing or mis-shaped tensor or a config field that contradicts the tensors.
  FlowVision(const TensorStore& w, const ModelConfig& cfg);

  struct Encoded {
    Tensor t_emb;   // [B, H]       TimestepEmbedding output (the LLM time token and the FiLM condition)
    Tensor x_emb;   // [B, C, g, g] encoder output (the decoder's skip)
    Tensor tokens;  // [B, g*g, H]  vision_gen_enc_aligner(x_emb as row-major tokens): the LLM image tokens
  };
  // z [B, 4, 2g, 2g] latent rows; t [B] time values exactly as the network sees them (caller rounds).
  // Dumps "flow.t_emb", "flow.x_emb", "flow.tokens" and the encoder's "gen_enc.*" when dump is set.
  Encoded encode(const ops::Context& c, const Tensor& z, const float* t, const DumpFn& dump = {}) const;
  // hidden [B, g*g, H]: the LLM's last g*g hidden states after model.norm -> velocity [B, 4, 2g, 2g].
  // Uses e.t_emb and e.x_emb (not e.tokens). Dumps "flow.dec_in" ([B, C, g, g]) and "gen_dec.*".
  Tensor velocity(const ops::Context& c, const Tensor& hidden, const Encoded& e,
                  const DumpFn& dump = {}) const;

  int64_t hidden_size() const { return hidden_; }
  int64_t latent_channels() const { return dec_.out_channels(); }  // 4
  int64_t channels() const { return enc_.channels(); }             // UViT width C (768)

 private:
  int64_t hidden_ = 0;
  float eps_ = 1e-6f;
  UViTEncoder enc_;
  UViTDecoder dec_;
  ops::Linear enc_aligner_, dec_aligner_;
  const TensorView* dec_norm_ = nullptr;
};

}  // namespace janus

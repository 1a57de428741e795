#include "roofline.h"

namespace janus_bench {

double decode_token_roof_s(const ModelFacts& f, double gbs) {
  return (f.llm_layer_bytes + f.lm_head_bytes) / (gbs * 1e9);
}

double ar_step_roof_s(const ModelFacts& f, double gbs) {
  return (f.llm_layer_bytes + f.gen_step_bytes) / (gbs * 1e9);
}

double prefill_flops(const ModelFacts& f, double T) {
  return 2.0 * f.llm_layer_params * T + 4.0 * f.layers * f.hidden * (T * (T + 1) / 2) +
         2.0 * f.lm_head_params;
}

double encode_flops(const ModelFacts& f) {
  const double N = f.patches;
  return 2.0 * N * (f.vit_patch_params + f.vit_block_params * f.vit_blocks_used + f.und_aligner_params) +
         4.0 * f.vit_blocks_used * f.vit_width * N * N;
}

}  // namespace janus_bench

// Which checkpoint tensors get block-quantized weights, per tensor kind (issue 6):
//   * LLM layer projections (q/k/v/o, gate/up/down): the chosen type. They are ~95% of the bytes
//     streamed per decoded token, so they decide decode speed and memory.
//   * LLM lm_head and the generation head (output_mlp_projector, vision_head): Q8_0 even for Q4_0.
//     They produce the logits that are sampled; llama.cpp likewise keeps its output matrix wider.
//   * Everything else stays as stored: embeddings (only the looked-up rows are read), norms and
//     biases (tiny), the SigLIP tower and aligners (run once per image, compute-bound), and the
//     convolutional VQ / UViT / VAE decoders (compute-bound, and quantization noise shows in pixels).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/dtype.h"

namespace janus {

enum class WeightQuant { None, Q8_0, Q4_0 };

// "none" | "q8_0" | "q4_0" ("q4" is accepted for Q4_0); nullopt for anything else.
std::optional<WeightQuant> parse_weight_quant(std::string_view s);
std::string_view weight_quant_name(WeightQuant q);

// The dtype tensor `name` of `shape` gets under `q`, or nullopt to keep it as stored.
std::optional<DType> quantized_dtype(std::string_view name, const std::vector<int64_t>& shape, WeightQuant q);

}  // namespace janus

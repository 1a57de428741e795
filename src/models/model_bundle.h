// Everything read from one model folder: configs, tokenizer, weights, checked against each other.
// Pure loading glue: no computation; component code reads tensors from `weights`.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/config/config.h"
#include "io/weights/tensor_store.h"
#include "models/quant_policy.h"
#include "models/tensor_table.h"
#include "text/tokenizer.h"

namespace janus {

// Special tokens, resolved by string from the tokenizer (ids differ between checkpoints).
struct SpecialToken {
  std::string role;     // "bos", "pad", "image_tag", ...
  std::string content;  // the token string
  int32_t id = -1;      // -1: not in this tokenizer
};

struct ModelBundle {
  std::filesystem::path dir;
  // A diffusers AutoencoderKL folder (JanusFlow's SDXL VAE) has only `vae` and `weights`.
  std::optional<VaeConfig> vae;
  std::optional<VaeNaming> vae_naming;
  ModelConfig config;
  PreprocessorConfig preprocessor;
  ProcessorConfig processor;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<TensorStore> weights;  // null when loaded without tensors
  std::optional<ArchDims> dims;          // widths inferred from tensors (set with weights)
  std::vector<SpecialToken> special_tokens;
  std::vector<std::string> files_read;

  int32_t special_id(const std::string& role) const;  // -1 when absent
};

// Reads a Janus/JanusFlow model folder, a diffusers VAE folder (config.json `_class_name`), or a
// GGUF file written by `janus quantize` (models/gguf_model.h; `dir` is then the file).
// load_tensors=false reads configs and tokenizer only (fast path for `tokenize`). `quant` converts the
// tensors quant_policy.h selects to Q8_0/Q4_0 once, after the tensor set was checked.
std::unique_ptr<ModelBundle> load_model_bundle(const std::filesystem::path& dir, bool load_tensors,
                                               WeightQuant quant = WeightQuant::None);

// JSON description for `janus info`.
std::string describe_model_json(const ModelBundle& m);
// JSON array of {"name","dtype","shape"} for every stored tensor.
std::string tensor_list_json(const ModelBundle& m);

}  // namespace janus

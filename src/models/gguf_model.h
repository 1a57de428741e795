// janus.cpp model files in GGUF (docs/quantization.md, "GGUF files"): what `janus quantize` writes
// and load_model_bundle reads back. A file holds
//   * every checkpoint tensor (names: models/gguf_names.h); the ones quant_policy.h selects
//     block-quantized, the rest as stored. q_proj/k_proj rows are permuted within each head to
//     llama.cpp's interleaved-RoPE order (new row 2i+h = old row h*hd/2+i), so the loader sets
//     LlamaConfig::rope_interleaved instead of undoing it;
//   * llama.cpp's metadata (general.*, llama.*, tokenizer.ggml.*), so llama.cpp tools can read it;
//   * the model folder's JSON files verbatim as janus.file.<name> strings, so the file alone is a
//     complete model, and janus.quant (the policy name).
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "models/model_bundle.h"
#include "models/quant_policy.h"

namespace janus {

inline constexpr std::string_view kGgufFileKeyPrefix = "janus.file.";
inline constexpr std::array<const char*, 6> kGgufModelFiles = {
    "config.json",    "preprocessor_config.json", "processor_config.json",
    "tokenizer.json", "tokenizer_config.json",    "special_tokens_map.json"};
inline constexpr std::string_view kGgufQuantKey = "janus.quant";
inline constexpr std::string_view kGgufRopeKey = "janus.rope_interleaved";  // bool: q/k rows permuted

struct GgufExportOptions {
  WeightQuant quant = WeightQuant::None;  // None keeps every tensor as stored
  std::string name;                       // general.name
  bool overwrite = false;
  int threads = 0;  // quantization threads; <= 0: all cores
  // (done, total) tensors written; returning false cancels (no file is left behind).
  std::function<bool(size_t, size_t)> progress;
};

// Writes `m` (a Janus/JanusFlow bundle loaded with its weights and without quantize-at-load) to
// `out`. The bundle may itself come from a GGUF file (its tensors are then already permuted and
// only still-float tensors are quantized). Sets *cancelled when the progress callback cancelled.
void write_model_gguf(const ModelBundle& m, const std::filesystem::path& out, const GgufExportOptions& o,
                      bool* cancelled = nullptr);

// The original texts of a bundle's model files (kGgufModelFiles names present), read from its
// folder or from the janus.file.* strings of its GGUF file.
std::map<std::string, std::string> model_file_texts(const ModelBundle& m);

}  // namespace janus

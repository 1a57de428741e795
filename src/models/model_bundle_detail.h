// Steps of load_model_bundle shared by its two sources: a model folder and a janus.cpp GGUF file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/model_bundle.h"

namespace janus::detail {

// Tags the official processor adds as special tokens when the tokenizer lacks them, in its order.
std::vector<std::string> processor_added_tokens(const ModelBundle& m);
// Fills m.special_tokens from m.tokenizer and m.processor; Error(Model) naming `tokenizer_config`
// without BOS or EOS.
void resolve_special_tokens(ModelBundle& m, const std::string& tokenizer_config);
// Sets m.weights (checked against m.config, then quantized as `quant` asks where still float),
// m.dims and the weight files in m.files_read.
void attach_weights(ModelBundle& m, std::unique_ptr<TensorStore> weights, WeightQuant quant);
// A GGUF file written by janus_quantize (model_bundle_gguf.cpp).
std::unique_ptr<ModelBundle> load_gguf_bundle(const std::filesystem::path& file, bool load_tensors,
                                              WeightQuant quant);

}  // namespace janus::detail

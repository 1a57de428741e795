// load_model_bundle for a janus.cpp GGUF file: configs and tokenizer from the janus.file.* strings,
// tensors from the mapped file under their Hugging Face names (models/gguf_model.h).
#include <memory>

#include "core/error.h"
#include "io/gguf/gguf_store.h"
#include "models/gguf_model.h"
#include "models/gguf_names.h"
#include "models/model_bundle_detail.h"

namespace janus::detail {

std::unique_ptr<ModelBundle> load_gguf_bundle(const std::filesystem::path& file, bool load_tensors,
                                              WeightQuant quant) {
  auto store = std::make_unique<GgufStore>(file, [](const std::string& n) { return hf_name_from_gguf(n); });
  const GgufFile& g = store->gguf();
  const std::string path = g.path;
  auto text = [&](const char* name) { return g.get_string(std::string(kGgufFileKeyPrefix) + name); };
  const std::optional<std::string> config = text("config.json");
  if (!config)
    fail(ErrorKind::Unsupported, path,
         "not a janus.cpp model file (no janus.file.config.json): write one with `janus quantize`");
  auto m = std::make_unique<ModelBundle>();
  m->dir = file;
  const std::string where = path + ":" + std::string(kGgufFileKeyPrefix);
  m->config = parse_model_config_string(*config, where + "config.json");
  // Files written by janus quantize always carry permuted q/k rows; the key says so explicitly.
  m->config.language.rope_interleaved = g.get_bool(kGgufRopeKey).value_or(false);
  const std::optional<std::string> pre = text("preprocessor_config.json");
  if (!pre) fail(ErrorKind::Model, where + "preprocessor_config.json", "missing");
  m->preprocessor = parse_preprocessor_config_string(*pre, where + "preprocessor_config.json");
  if (const std::optional<std::string> proc = text("processor_config.json"))
    m->processor = parse_processor_config_string(*proc, where + "processor_config.json");
  const std::optional<std::string> tok = text("tokenizer.json");
  if (!tok) fail(ErrorKind::Model, where + "tokenizer.json", "missing");
  const std::optional<std::string> tok_cfg = text("tokenizer_config.json"),
                                   tok_map = text("special_tokens_map.json");
  m->tokenizer =
      Tokenizer::from_strings(*tok, tok_cfg, tok_map, path + ":janus.file", processor_added_tokens(*m));
  resolve_special_tokens(*m, where + "tokenizer_config.json");
  if (load_tensors) {
    attach_weights(*m, std::move(store), quant);
  } else {
    m->files_read.push_back(file.filename().string());
  }
  return m;
}

}  // namespace janus::detail

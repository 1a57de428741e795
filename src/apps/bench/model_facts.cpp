// Weight bytes and parameter counts per phase, read from janus_model_info_json's weight_groups
// (module name -> params, bytes, blocks) and its llm / vision dims.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "bench.h"

namespace janus_bench {

namespace {

using nlohmann::json;

// Sum of params or bytes over the groups whose name starts with one of the prefixes.
double sum_groups(const json& groups, std::initializer_list<const char*> prefixes, const char* field) {
  double s = 0;
  for (auto it = groups.begin(); it != groups.end(); ++it)
    for (const char* p : prefixes)
      if (it.key().rfind(p, 0) == 0) {
        s += it.value().value(field, 0.0);
        break;
      }
  return s;
}

}  // namespace

bool ModelFacts::autoregressive() const {
  return kind == "Janus" || kind == "Janus-Pro";
}

ModelFacts model_facts(const std::string& info_json) {
  const json j = json::parse(info_json);
  ModelFacts f;
  f.kind = j.value("model_kind", "");
  if (f.kind != "Janus" && f.kind != "Janus-Pro" && f.kind != "JanusFlow")
    throw std::runtime_error(j.value("path", std::string("model")) + " is a " + f.kind +
                             ", not a Janus or JanusFlow model");
  if (!j.contains("weight_groups") || !j.contains("llm"))
    throw std::runtime_error("model info has no weight_groups/llm (model loaded without tensors?)");
  const json& g = j["weight_groups"];
  f.total_bytes = j["tensors"].value("bytes", 0.0);
  f.llm_layer_params = sum_groups(g, {"language_model.model.layers"}, "params");
  f.llm_layer_bytes = sum_groups(g, {"language_model.model.layers"}, "bytes");
  f.lm_head_params = sum_groups(g, {"language_model.lm_head"}, "params");
  f.lm_head_bytes = sum_groups(g, {"language_model.lm_head"}, "bytes");
  f.gen_step_bytes = sum_groups(g, {"gen_head.", "gen_aligner."}, "bytes");
  f.layers = j["llm"].value("num_hidden_layers", 0);
  f.hidden = j["llm"].value("hidden_size", 0);
  if (j.contains("generation")) f.codebook = j["generation"].value("codebook_size", 0);
  const json& v = j["vision"];
  const int stored = v.value("blocks_stored", 0);
  f.vit_blocks_used = v.value("blocks_used", 0);
  f.vit_width = v.value("width", 0);
  const int patch = v.value("patch", 0), size = v.value("image_size", 0);
  f.patches = patch > 0 ? (size / patch) * (size / patch) : 0;
  // The understanding tower is vision_model (Janus) or vision_und_enc_model (JanusFlow).
  const double blocks = sum_groups(
      g, {"vision_model.vision_tower.blocks", "vision_und_enc_model.vision_tower.blocks"}, "params");
  f.vit_block_params = stored > 0 ? blocks / stored : 0;
  f.vit_patch_params = sum_groups(
      g, {"vision_model.vision_tower.patch_embed", "vision_und_enc_model.vision_tower.patch_embed"},
      "params");
  f.und_aligner_params = sum_groups(g, {"aligner.", "vision_und_enc_aligner"}, "params");
  return f;
}

double model_facts_bytes(const janus_model* m) {
  const json j = json::parse(janus_model_info_json(m));
  return j.contains("tensors") ? j["tensors"].value("bytes", 0.0) : 0.0;
}

}  // namespace janus_bench

#include "models/model_bundle.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/weights/quantized_store.h"
#include "models/model_bundle_detail.h"

namespace janus {

namespace fs = std::filesystem;

namespace {

// Role strings of the DeepSeek chat template families (spec §5.1): ASCII bars, unlike BOS/EOS/PAD.
const char* kUserTag = "<|User|>";
const char* kAssistantTag = "<|Assistant|>";

std::string kind_name(const ModelBundle& m) {
  if (m.config.kind == ModelKind::JanusFlow) return "JanusFlow";
  // Janus-1.3B renders with plain "User:/Assistant:" roles ("deepseek_old"); Janus-Pro with <|User|>.
  return m.processor.sft_format == "deepseek_old" ? "Janus" : "Janus-Pro";
}

std::vector<TensorMeta> tensor_metas(const TensorStore& w) {
  std::vector<TensorMeta> out;
  for (const std::string& name : w.names()) {
    const TensorView& t = w.get(name);
    out.push_back({t.name, t.dtype, t.shape});
  }
  return out;
}

// diffusers writes "_class_name" into every model config; Janus configs never have it.
bool is_diffusers_config(const fs::path& config) {
  std::ifstream f(config);
  nlohmann::json j = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("_class_name");
}

std::unique_ptr<ModelBundle> load_vae(std::unique_ptr<ModelBundle> m, const fs::path& config,
                                      bool load_tensors) {
  m->vae = parse_vae_config(config);
  if (!load_tensors) return m;
  m->weights = TensorStore::open_folder(m->dir, "diffusion_pytorch_model");
  std::vector<TensorMeta> present = tensor_metas(*m->weights);
  m->vae_naming = check_vae_tensor_set(*m->vae, present, m->dir.string());
  for (const std::string& f : m->weights->files()) m->files_read.push_back(fs::path(f).filename().string());
  return m;
}

}  // namespace

int32_t ModelBundle::special_id(const std::string& role) const {
  for (const SpecialToken& t : special_tokens)
    if (t.role == role) return t.id;
  return -1;
}

namespace detail {

std::vector<std::string> processor_added_tokens(const ModelBundle& m) {
  // The official processors add missing tags as special tokens (id = highest + 1), in this order:
  // Janus only its image tag; JanusFlow image, generation, start and end tags (janusflow.md §4.1).
  const ProcessorConfig& pc = m.processor;
  if (m.config.kind == ModelKind::JanusFlow)
    return {pc.image_tag, pc.image_gen_tag, pc.image_start_tag, pc.image_end_tag};
  return {pc.image_tag};
}

void resolve_special_tokens(ModelBundle& bundle, const std::string& tokenizer_config) {
  ModelBundle* m = &bundle;
  const ProcessorConfig& p = m->processor;
  std::vector<std::pair<std::string, std::string>> roles = {
      {"image_tag", p.image_tag}, {"image_start_tag", p.image_start_tag}, {"image_end_tag", p.image_end_tag}};
  if (m->config.kind == ModelKind::Janus) {
    roles.push_back({"pad", p.pad_tag});
    roles.push_back({"user", kUserTag});
    roles.push_back({"assistant", kAssistantTag});
  } else {
    roles.push_back({"image_gen_tag", p.image_gen_tag});
    roles.push_back({"pad", p.pad_tag});  // absent in JanusFlow: its processor pads with EOS
  }
  const Tokenizer& tok = *m->tokenizer;
  if (m->tokenizer->bos_id() < 0) fail(ErrorKind::Model, tokenizer_config, "no BOS token");
  if (m->tokenizer->eos_id() < 0) fail(ErrorKind::Model, tokenizer_config, "no EOS token");
  m->special_tokens.push_back({"bos", tok.bos_id() >= 0 ? tok.token(tok.bos_id()) : "", tok.bos_id()});
  m->special_tokens.push_back({"eos", tok.eos_id() >= 0 ? tok.token(tok.eos_id()) : "", tok.eos_id()});
  for (auto& [role, content] : roles) {
    int32_t id = tok.token_id(content);
    if (role == "pad" && id < 0 && m->config.kind == ModelKind::JanusFlow) {
      m->special_tokens.push_back({role, tok.token(tok.eos_id()), tok.eos_id()});
      continue;
    }
    m->special_tokens.push_back({role, content, id});
  }
}

void attach_weights(ModelBundle& m, std::unique_ptr<TensorStore> weights, WeightQuant quant) {
  m.weights = std::move(weights);
  std::vector<TensorMeta> present = tensor_metas(*m.weights);
  m.dims = check_tensor_set(m.config, present, m.dir.string());
  // Only float tensors convert: a GGUF file may already hold some of them block-quantized.
  if (quant != WeightQuant::None)
    m.weights = quantize_store(std::move(m.weights), [quant](const TensorView& v) -> std::optional<DType> {
      if (v.dtype != DType::BF16 && v.dtype != DType::F16 && v.dtype != DType::F32) return std::nullopt;
      return quantized_dtype(v.name, v.shape, quant);
    });
  for (const std::string& f : m.weights->files()) m.files_read.push_back(fs::path(f).filename().string());
}

}  // namespace detail

std::unique_ptr<ModelBundle> load_model_bundle(const fs::path& dir, bool load_tensors, WeightQuant quant) {
  std::error_code ec;
  if (fs::is_regular_file(dir, ec)) return detail::load_gguf_bundle(dir, load_tensors, quant);
  auto m = std::make_unique<ModelBundle>();
  m->dir = dir;
  if (!fs::is_directory(dir)) fail(ErrorKind::Io, dir.string(), "not a model folder");
  auto need = [&](const char* name) {
    fs::path p = dir / name;
    if (!fs::exists(p)) fail(ErrorKind::Io, p.string(), "missing (a Janus model folder needs it)");
    m->files_read.push_back(name);
    return p;
  };
  fs::path config_path = need("config.json");
  if (is_diffusers_config(config_path)) return load_vae(std::move(m), config_path, load_tensors);
  m->config = parse_model_config(config_path);
  m->preprocessor = parse_preprocessor_config(need("preprocessor_config.json"));
  // processor_config.json is small and always shipped, but the official defaults stand in if absent.
  if (fs::exists(dir / "processor_config.json")) {
    m->processor = parse_processor_config(dir / "processor_config.json");
    m->files_read.push_back("processor_config.json");
  }
  need("tokenizer.json");
  for (const char* f : {"tokenizer_config.json", "special_tokens_map.json"})
    if (fs::exists(dir / f)) m->files_read.push_back(f);
  m->tokenizer = Tokenizer::from_folder(dir.string(), detail::processor_added_tokens(*m));
  detail::resolve_special_tokens(*m, (dir / "tokenizer_config.json").string());
  if (load_tensors) detail::attach_weights(*m, TensorStore::open_folder(dir), quant);
  return m;
}

namespace {

nlohmann::ordered_json describe_tensors(const TensorStore& w) {
  std::map<std::string, std::pair<int64_t, uint64_t>> by_dtype;  // dtype -> (count, bytes)
  uint64_t params = 0;
  for (const std::string& n : w.names()) {
    const TensorView& t = w.get(n);
    auto& e = by_dtype[std::string(dtype_name(t.dtype))];
    e.first++;
    e.second += t.nbytes;
    params += uint64_t(t.numel());
  }
  nlohmann::ordered_json dtypes = nlohmann::ordered_json::object();
  for (auto& [d, e] : by_dtype) dtypes[d] = {{"tensors", e.first}, {"bytes", e.second}};
  return {
      {"count", w.names().size()}, {"parameters", params}, {"bytes", w.total_bytes()}, {"dtypes", dtypes}};
}

// Parameters and bytes per module: a tensor belongs to its name up to the first numeric part
// ("language_model.model.layers", with "blocks" = highest index + 1) or, without one, to its name
// less the last part ("language_model.lm_head"). Benchmarks read weight bytes per phase from it.
nlohmann::ordered_json describe_weight_groups(const TensorStore& w) {
  struct Group {
    uint64_t params = 0, bytes = 0;
    int64_t blocks = 0;
  };
  std::map<std::string, Group> groups;
  for (const std::string& n : w.names()) {
    const TensorView& t = w.get(n);
    std::string key;
    int64_t index = -1;
    size_t pos = 0;
    while (pos <= n.size()) {
      const size_t dot = std::min(n.find('.', pos), n.size());
      const std::string part = n.substr(pos, dot - pos);
      if (dot == n.size()) break;  // the last part (weight, bias, ...) names the tensor, not the group
      if (!part.empty() && part.find_first_not_of("0123456789") == std::string::npos) {
        index = std::stoll(part.substr(0, 9));
        break;
      }
      key += (key.empty() ? "" : ".") + part;
      pos = dot + 1;
    }
    if (key.empty()) key = n;
    Group& g = groups[key];
    g.params += uint64_t(t.numel());
    g.bytes += t.nbytes;
    if (index >= 0) g.blocks = std::max(g.blocks, index + 1);
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (auto& [k, g] : groups) {
    j[k] = {{"params", g.params}, {"bytes", g.bytes}};
    if (g.blocks) j[k]["blocks"] = g.blocks;
  }
  return j;
}

std::string describe_vae_json(const ModelBundle& m) {
  const VaeConfig& v = *m.vae;
  nlohmann::ordered_json j;
  j["path"] = m.dir.string();
  j["model_kind"] = "AutoencoderKL";
  j["vae"] = {{"block_out_channels", v.block_out_channels},
              {"layers_per_block", v.layers_per_block},
              {"latent_channels", v.latent_channels},
              {"norm_num_groups", v.norm_num_groups},
              {"scaling_factor", v.scaling_factor},
              {"shift_factor",
               v.shift_factor ? nlohmann::ordered_json(*v.shift_factor) : nlohmann::ordered_json(nullptr)},
              {"force_upcast", v.force_upcast}};
  if (m.vae_naming) {
    static const char* names[] = {"diffusers", "diffusers-legacy", "ldm"};
    j["vae"]["tensor_naming"] = names[int(*m.vae_naming)];
  }
  if (m.weights) j["tensors"] = describe_tensors(*m.weights);
  if (m.weights) j["weight_groups"] = describe_weight_groups(*m.weights);
  j["files"] = m.files_read;
  return j.dump();
}

}  // namespace

std::string describe_model_json(const ModelBundle& m) {
  using nlohmann::ordered_json;
  if (m.vae) return describe_vae_json(m);
  const ModelConfig& c = m.config;
  const LlamaConfig& l = c.language;
  ordered_json j;
  j["path"] = m.dir.string();
  j["model_kind"] = kind_name(m);
  j["model_type"] = c.model_type;
  j["sft_format"] = m.processor.sft_format;
  ordered_json llm = {
      {"hidden_size", l.hidden_size},
      {"intermediate_size", l.intermediate_size},
      {"num_hidden_layers", l.num_hidden_layers},
      {"num_attention_heads", l.num_attention_heads},
      {"num_key_value_heads", l.num_key_value_heads},
      {"head_dim", l.head_dim},
      {"vocab_size", l.vocab_size},
      {"max_position_embeddings", l.max_position_embeddings},
      {"rms_norm_eps", l.rms_norm_eps},
      {"rope_theta", l.rope_theta},
      {"rope_scaling", l.rope_scaling ? ordered_json(l.rope_scaling->type) : ordered_json(nullptr)}};
  j["llm"] = llm;
  ordered_json vision = {{"model_name", c.vision.model_name},
                         {"image_size", c.vision.image_size},
                         {"select_layer", c.vision.select_layer}};
  if (m.dims) {
    vision["width"] = m.dims->vit_width;
    vision["blocks_stored"] = m.dims->vit_depth;
    vision["blocks_used"] = m.dims->vit_blocks_used;
    vision["heads"] = m.dims->vit_heads;
    vision["patch"] = m.dims->vit_patch;
  }
  j["vision"] = vision;
  if (c.kind == ModelKind::Janus) {
    ordered_json gen = {{"codebook_size", c.gen_vision.image_token_size},
                        {"codebook_dim", c.gen_vision.n_embed},
                        {"gen_head_embed", c.gen_head.image_token_embed}};
    if (m.dims) {
      gen["vq_base_channels"] = m.dims->vq_ch;
      gen["vq_z_channels"] = m.dims->vq_z;
    }
    j["generation"] = gen;
  } else {
    j["generation"] = {{"uvit_encoder_channels", c.gen_enc.block_out_channels},
                       {"uvit_decoder_channels", c.gen_dec.block_out_channels},
                       {"latent_channels", c.gen_dec.out_channels},
                       {"vae", "external SDXL VAE (--vae)"}};
  }
  j["preprocessor"] = {{"image_size", m.preprocessor.image_size},
                       {"min_size", m.preprocessor.min_size},
                       {"image_mean", m.preprocessor.image_mean},
                       {"image_std", m.preprocessor.image_std},
                       {"do_normalize", m.preprocessor.do_normalize}};
  ordered_json specials = ordered_json::object();
  for (const SpecialToken& t : m.special_tokens)
    specials[t.role] = {{"token", t.content}, {"id", t.id >= 0 ? ordered_json(t.id) : ordered_json(nullptr)}};
  j["tokenizer"] = {{"size", m.tokenizer->size()}, {"special_tokens", specials}};
  if (m.weights) j["tensors"] = describe_tensors(*m.weights);
  if (m.weights) j["weight_groups"] = describe_weight_groups(*m.weights);
  j["files"] = m.files_read;
  return j.dump();
}

std::string tensor_list_json(const ModelBundle& m) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  if (m.weights)
    for (const std::string& n : m.weights->names()) {
      const TensorView& t = m.weights->get(n);
      a.push_back({{"name", n}, {"dtype", std::string(dtype_name(t.dtype))}, {"shape", t.shape}});
    }
  return a.dump();
}

}  // namespace janus

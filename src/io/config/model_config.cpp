// config.json of a Janus / JanusFlow checkpoint (composite "multi_modality" config).
#include <cmath>

#include "core/error.h"
#include "io/config/config.h"
#include "io/config/json_fields.h"

namespace janus {

namespace {

using cfg::JsonObj;

// Generous caps: real values are far below; they only stop hostile files from asking for huge buffers.
constexpr int64_t kMaxWidth = 1 << 16;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxVocab = 1 << 24;

int64_t pos_int(const JsonObj& o, const std::string& key, int64_t def, int64_t hi) {
  return o.checked_int(key, o.get_int(key, def), 1, hi);
}
int64_t req_pos_int(const JsonObj& o, const std::string& key, int64_t hi) {
  return o.checked_int(key, o.req_int(key), 1, hi);
}
double pos_num(const JsonObj& o, const std::string& key, double def) {
  double v = o.get_num(key, def);
  if (!(v > 0) || !std::isfinite(v)) o.fail_field(key, "must be a positive finite number");
  return v;
}

RopeScaling parse_rope_scaling(const JsonObj& o) {
  RopeScaling r;
  r.type = o.get_str("rope_type", o.get_str("type", ""));
  if (r.type.empty()) o.fail_field("type", "missing (rope_scaling needs \"type\" or \"rope_type\")");
  r.factor = pos_num(o, "factor", 1.0);
  if (o.has("original_max_position_embeddings"))
    r.original_max_position_embeddings = pos_int(o, "original_max_position_embeddings", 1, kMaxVocab);
  if (o.has("low_freq_factor")) r.low_freq_factor = o.get_num("low_freq_factor", 0);
  if (o.has("high_freq_factor")) r.high_freq_factor = o.get_num("high_freq_factor", 0);
  return r;
}

LlamaConfig parse_llama(const JsonObj& o) {
  LlamaConfig c;
  const std::string mt = o.get_str("model_type", "llama");
  if (mt != "llama") o.fail_field("model_type", "expected \"llama\", got \"" + mt + "\"");
  c.hidden_size = pos_int(o, "hidden_size", c.hidden_size, kMaxWidth);
  c.intermediate_size = pos_int(o, "intermediate_size", c.intermediate_size, 4 * kMaxWidth);
  c.num_hidden_layers = pos_int(o, "num_hidden_layers", c.num_hidden_layers, kMaxLayers);
  c.num_attention_heads = pos_int(o, "num_attention_heads", c.num_attention_heads, kMaxWidth);
  c.num_key_value_heads = pos_int(o, "num_key_value_heads", c.num_attention_heads, kMaxWidth);
  if (o.has("head_dim")) {
    c.head_dim = pos_int(o, "head_dim", 0, kMaxWidth);
  } else {
    if (c.hidden_size % c.num_attention_heads != 0)
      fail(ErrorKind::Model, o.file() + ": " + o.field("num_attention_heads"),
           "hidden_size " + std::to_string(c.hidden_size) + " is not divisible by num_attention_heads " +
               std::to_string(c.num_attention_heads));
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    fail(ErrorKind::Model, o.file() + ": " + o.field("num_key_value_heads"),
         std::to_string(c.num_key_value_heads) + " does not divide num_attention_heads " +
             std::to_string(c.num_attention_heads));
  c.max_position_embeddings = pos_int(o, "max_position_embeddings", c.max_position_embeddings, kMaxVocab);
  c.vocab_size = pos_int(o, "vocab_size", c.vocab_size, kMaxVocab);
  c.rms_norm_eps = pos_num(o, "rms_norm_eps", c.rms_norm_eps);
  c.rope_theta = pos_num(o, "rope_theta", c.rope_theta);
  if (auto rs = o.opt_obj("rope_scaling")) c.rope_scaling = parse_rope_scaling(*rs);
  c.hidden_act = o.get_str("hidden_act", c.hidden_act);
  c.attention_bias = o.get_bool("attention_bias", c.attention_bias);
  c.mlp_bias = o.get_bool("mlp_bias", c.mlp_bias);
  c.tie_word_embeddings = o.get_bool("tie_word_embeddings", c.tie_word_embeddings);
  c.pretraining_tp = pos_int(o, "pretraining_tp", c.pretraining_tp, 1024);
  c.torch_dtype = o.get_str("torch_dtype", "");
  return c;
}

// Sub-configs are {cls, model_type, params}; `cls` picks the Python class.
JsonObj sub_params(const JsonObj& root, const std::string& key, const std::string& want_cls,
                   std::string& cls) {
  JsonObj sub = root.req_obj(key);
  cls = sub.req_str("cls");
  if (cls != want_cls)
    fail(ErrorKind::Model, sub.file() + ": " + sub.field("cls"),
         "unknown class \"" + cls + "\" (expected \"" + want_cls + "\")");
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* p = sub.raw("params");
  return JsonObj(p ? *p : kEmpty, sub.file(), sub.field("params"));
}

VisionTowerConfig parse_vision(const JsonObj& root, const std::string& key) {
  VisionTowerConfig v;
  JsonObj p = sub_params(root, key, "CLIPVisionTower", v.cls);
  v.model_name = p.get_str("model_name", v.model_name);
  // Only SigLIP-L/16 is built; its hard-coded dims are inferred from tensors (models/tensor_table.h).
  if (v.model_name != "siglip_large_patch16_384")
    fail(ErrorKind::Unsupported, p.file() + ": " + p.field("model_name"),
         "unsupported vision tower \"" + v.model_name + "\" (only siglip_large_patch16_384)");
  v.image_size = pos_int(p, "image_size", v.image_size, 8192);
  v.select_layer =
      p.checked_int("select_layer", p.get_int("select_layer", v.select_layer), -kMaxLayers, kMaxLayers);
  v.select_feature = p.get_str("select_feature", v.select_feature);
  v.pixel_mean = p.opt_num_list("pixel_mean");
  v.pixel_std = p.opt_num_list("pixel_std");
  for (const char* k : {"pixel_mean", "pixel_std"}) {
    auto l = p.opt_num_list(k);
    if (l && l->size() != 3) p.fail_field(k, "expected 3 values, got " + std::to_string(l->size()));
  }
  return v;
}

MlpProjectorConfig parse_projector(const JsonObj& root, const std::string& key) {
  MlpProjectorConfig m;
  JsonObj p = sub_params(root, key, "MlpProjector", m.cls);
  m.projector_type = p.req_str("projector_type");
  m.depth = pos_int(p, "depth", 1, 64);
  m.input_dim = req_pos_int(p, "input_dim", kMaxWidth);
  m.n_embed = req_pos_int(p, "n_embed", kMaxWidth);
  return m;
}

void parse_janus(const JsonObj& root, ModelConfig& c) {
  c.kind = ModelKind::Janus;
  c.vision = parse_vision(root, "vision_config");
  c.aligner = parse_projector(root, "aligner_config");
  c.gen_aligner = parse_projector(root, "gen_aligner_config");
  {
    JsonObj p = sub_params(root, "gen_head_config", "vision_head", c.gen_head.cls);
    c.gen_head.n_embed = req_pos_int(p, "n_embed", kMaxWidth);
    c.gen_head.image_token_embed = req_pos_int(p, "image_token_embed", kMaxWidth);
    c.gen_head.image_token_size = req_pos_int(p, "image_token_size", kMaxVocab);
  }
  {
    // Upstream looks the class up in VQ_models, which only has "VQ-16".
    JsonObj p = sub_params(root, "gen_vision_config", "VQ-16", c.gen_vision.cls);
    c.gen_vision.image_token_size = req_pos_int(p, "image_token_size", kMaxVocab);
    c.gen_vision.n_embed = req_pos_int(p, "n_embed", kMaxWidth);
  }
}

std::vector<int64_t> channel_list(const JsonObj& p, const std::string& key, std::vector<int64_t> def) {
  auto l = p.opt_int_list(key);
  if (!l) return def;
  if (l->empty()) p.fail_field(key, "must not be empty");
  for (size_t i = 0; i < l->size(); ++i)
    p.checked_int(key + "[" + std::to_string(i) + "]", (*l)[i], 1, kMaxWidth);
  return *l;
}

void parse_janusflow(const JsonObj& root, ModelConfig& c) {
  c.kind = ModelKind::JanusFlow;
  c.vision = parse_vision(root, "vision_und_enc_config");
  {
    auto& e = c.gen_enc;
    JsonObj p = sub_params(root, "vision_gen_enc_config", "ShallowUViTEncoder", e.cls);
    e.input_channels = pos_int(p, "input_channels", e.input_channels, 4096);
    e.stride = pos_int(p, "stride", e.stride, 64);
    e.kernel_size = pos_int(p, "kernel_size", e.kernel_size, 64);
    // Upstream: padding None -> ceil(kernel_size - stride).
    e.padding = p.has("padding") ? p.checked_int("padding", p.get_int("padding", 0), 0, 64)
                                 : std::max<int64_t>(0, e.kernel_size - e.stride);
    e.block_out_channels = channel_list(p, "block_out_channels", e.block_out_channels);
    e.layers_in_middle =
        p.checked_int("layers_in_middle", p.get_int("layers_in_middle", e.layers_in_middle), 0, kMaxLayers);
    e.hidden_size = pos_int(p, "hidden_size", e.hidden_size, kMaxWidth);
    e.elementwise_affine = p.get_bool("elementwise_affine", e.elementwise_affine);
    e.use_bias = p.get_bool("use_bias", e.use_bias);
    e.norm_eps = pos_num(p, "norm_eps", e.norm_eps);
    e.use_mid_block = p.get_bool("use_mid_block", e.use_mid_block);
  }
  {
    auto& d = c.gen_dec;
    JsonObj p = sub_params(root, "vision_gen_dec_config", "ShallowUViTDecoder", d.cls);
    d.in_channels = pos_int(p, "in_channels", d.in_channels, kMaxWidth);
    d.out_channels = pos_int(p, "out_channels", d.out_channels, 4096);
    d.block_out_channels = channel_list(p, "block_out_channels", d.block_out_channels);
    d.upsamples = pos_int(p, "upsamples", d.upsamples, 16);
    d.layers_in_middle =
        p.checked_int("layers_in_middle", p.get_int("layers_in_middle", d.layers_in_middle), 0, kMaxLayers);
    d.hidden_size = pos_int(p, "hidden_size", d.hidden_size, kMaxWidth);
    d.elementwise_affine = p.get_bool("elementwise_affine", d.elementwise_affine);
    d.norm_eps = pos_num(p, "norm_eps", d.norm_eps);
    d.use_bias = p.get_bool("use_bias", d.use_bias);
    d.use_mid_block = p.get_bool("use_mid_block", d.use_mid_block);
  }
}

ModelConfig parse_model_json(const nlohmann::json& j, const std::string& name) {
  JsonObj root(j, name, "");
  ModelConfig c;
  c.model_type = root.req_str("model_type");
  if (c.model_type != "multi_modality")
    fail(ErrorKind::Model, name + ": model_type",
         "expected \"multi_modality\", got \"" + c.model_type + "\" (not a Janus checkpoint config)");
  c.torch_dtype = root.get_str("torch_dtype", "");
  const bool flow = root.has("vision_gen_enc_config") || root.has("vision_gen_dec_config") ||
                    root.has("vision_und_enc_config");
  const bool ar = root.has("vision_config") || root.has("gen_vision_config");
  if (flow && ar)
    fail(ErrorKind::Model, name, "has both Janus (vision_config) and JanusFlow (vision_*_config) sections");
  if (!flow && !ar)
    fail(ErrorKind::Model, name, "has neither vision_config (Janus) nor vision_und_enc_config (JanusFlow)");
  if (flow)
    parse_janusflow(root, c);
  else
    parse_janus(root, c);
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* lc = root.raw("language_config");
  c.language = parse_llama(JsonObj(lc ? *lc : kEmpty, name, "language_config"));
  return c;
}

}  // namespace

ModelConfig parse_model_config(const std::filesystem::path& file) {
  return parse_model_json(cfg::read_json_file(file), file.string());
}

ModelConfig parse_model_config_string(const std::string& json, const std::string& name) {
  return parse_model_json(cfg::parse_json_text(json, name), name);
}

}  // namespace janus

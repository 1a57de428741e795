// Typed contents of the JSON files in a Janus / JanusFlow / diffusers-VAE model folder.
// Every parse error is a janus::Error whose message names the file and the JSON field path,
// e.g. "model/config.json: language_config.hidden_size: expected integer, got string".
// Unknown keys are ignored (real files carry extras such as JanusFlow's misspelt `elementwize_affine`).
// Absent keys take the defaults of the official Python classes (noted per field).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace janus {

// ---------------------------------------------------------------- config.json (model)

enum class ModelKind { Janus, JanusFlow };  // Janus = autoregressive family (1.3B, Pro-1B, Pro-7B)

struct RopeScaling {
  std::string type;  // "rope_type" (newer transformers) or "type"
  double factor = 1.0;
  std::optional<int64_t> original_max_position_embeddings;
  std::optional<double> low_freq_factor, high_freq_factor;  // llama3-style scaling
};

// transformers LlamaConfig; absent keys take its defaults (Pro-7B omits most of them).
struct LlamaConfig {
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;  // default: = num_attention_heads
  int64_t head_dim = 128;            // default: hidden_size / num_attention_heads
  int64_t max_position_embeddings = 2048;
  int64_t vocab_size = 32000;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<RopeScaling> rope_scaling;  // null / absent -> none
  std::string hidden_act = "silu";
  bool attention_bias = false;
  bool mlp_bias = false;
  bool tie_word_embeddings = false;
  int64_t pretraining_tp = 1;
  std::string torch_dtype;  // "" when absent
  // Not a config.json field: set by the GGUF loader, whose q/k projection rows are in llama.cpp's
  // interleaved-RoPE order (see ops::Rope::interleaved).
  bool rope_interleaved = false;
};

// CLIPVisionTower params (defaults from janus/models/clip_encoder.py).
struct VisionTowerConfig {
  std::string cls;  // "CLIPVisionTower"
  std::string model_name = "siglip_large_patch16_384";
  int64_t image_size = 336;
  int64_t select_layer = -2;
  std::string select_feature = "patch";           // upstream forces "same" for siglip models
  std::optional<std::vector<double>> pixel_mean;  // extra Normalize inside the tower when both set
  std::optional<std::vector<double>> pixel_std;
};

// MlpProjector params (aligner / gen_aligner).
struct MlpProjectorConfig {
  std::string cls;             // "MlpProjector"
  std::string projector_type;  // "mlp_gelu" | "linear" | ... (required)
  int64_t depth = 1;
  int64_t input_dim = 0;  // required
  int64_t n_embed = 0;    // required
};

struct GenHeadConfig {
  std::string cls;  // "vision_head"
  int64_t n_embed = 0;
  int64_t image_token_embed = 0;
  int64_t image_token_size = 0;
};

struct GenVisionConfig {
  std::string cls;               // "VQ-16"
  int64_t image_token_size = 0;  // codebook rows (16384)
  int64_t n_embed = 0;           // codebook dim (8)
};

// ShallowUViTEncoder params (defaults from janus/janusflow/models/uvit.py).
struct UViTEncoderConfig {
  std::string cls;  // "ShallowUViTEncoder"
  int64_t input_channels = 3;
  int64_t stride = 4;
  int64_t kernel_size = 7;
  int64_t padding = 3;  // default when absent/null: ceil(kernel_size - stride)
  std::vector<int64_t> block_out_channels = {768};
  int64_t layers_in_middle = 2;
  int64_t hidden_size = 2048;
  bool elementwise_affine = true;
  bool use_bias = true;
  double norm_eps = 1e-6;
  bool use_mid_block = true;
};

// ShallowUViTDecoder params.
struct UViTDecoderConfig {
  std::string cls;  // "ShallowUViTDecoder"
  int64_t in_channels = 768;
  int64_t out_channels = 3;
  std::vector<int64_t> block_out_channels = {768};
  int64_t upsamples = 2;
  int64_t layers_in_middle = 2;
  int64_t hidden_size = 2048;
  bool elementwise_affine = true;
  double norm_eps = 1e-6;
  bool use_bias = true;
  bool use_mid_block = true;
};

struct ModelConfig {
  ModelKind kind = ModelKind::Janus;
  std::string model_type;   // always "multi_modality"
  std::string torch_dtype;  // top level; "" when absent
  LlamaConfig language;
  // Understanding encoder: `vision_config` (Janus) or `vision_und_enc_config` (JanusFlow).
  VisionTowerConfig vision;
  // Janus only (left default for JanusFlow):
  MlpProjectorConfig aligner;
  MlpProjectorConfig gen_aligner;
  GenHeadConfig gen_head;
  GenVisionConfig gen_vision;
  // JanusFlow only (left default for Janus):
  UViTEncoderConfig gen_enc;
  UViTDecoderConfig gen_dec;
};

ModelConfig parse_model_config(const std::filesystem::path& file);
// `name` stands in for the file name in error messages.
ModelConfig parse_model_config_string(const std::string& json, const std::string& name = "config.json");

// ---------------------------------------------------------------- preprocessor_config.json

// VLMImageProcessor (defaults from janus/models/image_processing_vlm.py).
struct PreprocessorConfig {
  int64_t image_size = 0;  // required
  int64_t min_size = 14;
  std::array<double, 3> image_mean = {0.48145466, 0.4578275, 0.40821073};
  std::array<double, 3> image_std = {0.26862954, 0.26130258, 0.27577711};
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  // Kept for reporting only: the processor ignores it and pads with int(mean_c * 255).
  std::optional<std::array<int64_t, 3>> background_color;
  std::string image_processor_type;
};

PreprocessorConfig parse_preprocessor_config(const std::filesystem::path& file);
PreprocessorConfig parse_preprocessor_config_string(const std::string& json,
                                                    const std::string& name = "preprocessor_config.json");

// ---------------------------------------------------------------- processor_config.json

// VLChatProcessor constructor arguments. Defaults are those of the official __init__ (both the
// Janus and the JanusFlow processor use the same values for the tags they share).
struct ProcessorConfig {
  std::string sft_format = "deepseek";
  std::string image_tag = "<image_placeholder>";
  std::string image_start_tag = "<begin_of_image>";
  std::string image_end_tag = "<end_of_image>";
  std::string pad_tag = "<\xEF\xBD\x9C\xE2\x96\x81pad\xE2\x96\x81\xEF\xBD\x9C>";  // <｜▁pad▁｜> (Janus only)
  std::string image_gen_tag =
      "<\xEF\xBD\x9C"
      "begin\xE2\x96\x81of\xE2\x96\x81generation\xEF\xBD\x9C>";  // <｜begin▁of▁generation｜> (JanusFlow)
  int64_t num_image_tokens = 576;
  bool add_special_token = false;
  bool mask_prompt = true;
  int64_t ignore_id = -100;
  std::string processor_class;
};

ProcessorConfig parse_processor_config(const std::filesystem::path& file);
ProcessorConfig parse_processor_config_string(const std::string& json,
                                              const std::string& name = "processor_config.json");

// ---------------------------------------------------------------- tokenizer files

// A token given either as a plain string or as an AddedToken object.
struct TokenSpec {
  std::string content;
  bool lstrip = false, rstrip = false, single_word = false;
  bool normalized = true;  // AddedToken default (plain strings keep it)
  bool special = true;
};

struct AddedTokenEntry {
  int64_t id = 0;
  TokenSpec token;
};

struct TokenizerConfig {
  std::optional<TokenSpec> bos_token, eos_token, pad_token, unk_token;  // null / absent -> none
  bool add_bos_token = true;                                            // LlamaTokenizer(Fast) default
  bool add_eos_token = false;
  std::optional<int64_t> model_max_length;  // absent -> unlimited
  bool clean_up_tokenization_spaces = false;
  bool use_default_system_prompt = false;
  std::string tokenizer_class;
  std::vector<AddedTokenEntry> added_tokens_decoder;  // sorted by id
};

TokenizerConfig parse_tokenizer_config(const std::filesystem::path& file);
TokenizerConfig parse_tokenizer_config_string(const std::string& json,
                                              const std::string& name = "tokenizer_config.json");

struct SpecialTokensMap {
  std::optional<TokenSpec> bos_token, eos_token, pad_token, unk_token;
  std::vector<TokenSpec> additional_special_tokens;
};

SpecialTokensMap parse_special_tokens_map(const std::filesystem::path& file);
SpecialTokensMap parse_special_tokens_map_string(const std::string& json,
                                                 const std::string& name = "special_tokens_map.json");

// ---------------------------------------------------------------- diffusers AutoencoderKL config.json

// Defaults from diffusers AutoencoderKL.__init__.
struct VaeConfig {
  std::string class_name;  // "_class_name", must be "AutoencoderKL" when present
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  std::vector<std::string> down_block_types = {"DownEncoderBlock2D"};
  std::vector<std::string> up_block_types = {"UpDecoderBlock2D"};
  std::vector<int64_t> block_out_channels = {64};
  int64_t layers_per_block = 1;
  std::string act_fn = "silu";
  int64_t latent_channels = 4;
  int64_t norm_num_groups = 32;
  int64_t sample_size = 32;
  double scaling_factor = 0.18215;
  std::optional<double> shift_factor;  // null / absent -> no shift
  bool force_upcast = true;
  bool use_quant_conv = true;
  bool use_post_quant_conv = true;
  bool mid_block_add_attention = true;
};

VaeConfig parse_vae_config(const std::filesystem::path& file);
VaeConfig parse_vae_config_string(const std::string& json, const std::string& name = "config.json");

}  // namespace janus

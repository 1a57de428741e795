#include <gtest/gtest.h>

#include "core/error.h"
#include "io/config/config.h"
#include "test_paths.h"

using namespace janus;
using janus::test::config_fixture;
using janus::test::expect_error;

namespace {

const char* kMinimalJanus = R"({
  "model_type": "multi_modality",
  "vision_config": {"cls": "CLIPVisionTower", "params": {"image_size": 384, "model_name": "siglip_large_patch16_384", "select_layer": -1}},
  "aligner_config": {"cls": "MlpProjector", "params": {"depth": 2, "input_dim": 1024, "n_embed": 4096, "projector_type": "mlp_gelu"}},
  "gen_aligner_config": {"cls": "MlpProjector", "params": {"depth": 2, "input_dim": 8, "n_embed": 4096, "projector_type": "mlp_gelu"}},
  "gen_head_config": {"cls": "vision_head", "params": {"image_token_embed": 4096, "image_token_size": 16384, "n_embed": 4096}},
  "gen_vision_config": {"cls": "VQ-16", "params": {"image_token_size": 16384, "n_embed": 8}},
  "language_config": LANG
})";

std::string janus_with_language(const std::string& lang) {
  std::string s = kMinimalJanus;
  s.replace(s.find("LANG"), 4, lang);
  return s;
}

}  // namespace

TEST(ModelConfig, Janus13B) {
  auto c = parse_model_config(config_fixture("Janus-1.3B", "config.json"));
  EXPECT_EQ(c.kind, ModelKind::Janus);
  EXPECT_EQ(c.model_type, "multi_modality");
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  EXPECT_EQ(c.language.hidden_size, 2048);
  EXPECT_EQ(c.language.intermediate_size, 5632);
  EXPECT_EQ(c.language.num_hidden_layers, 24);
  EXPECT_EQ(c.language.num_attention_heads, 16);
  EXPECT_EQ(c.language.num_key_value_heads, 16);
  EXPECT_EQ(c.language.head_dim, 128);
  EXPECT_EQ(c.language.vocab_size, 102400);
  EXPECT_EQ(c.language.max_position_embeddings, 16384);
  EXPECT_EQ(c.language.torch_dtype, "bfloat16");
  EXPECT_EQ(c.vision.cls, "CLIPVisionTower");
  EXPECT_EQ(c.vision.model_name, "siglip_large_patch16_384");
  EXPECT_EQ(c.vision.image_size, 384);
  EXPECT_EQ(c.vision.select_layer, -1);
  EXPECT_EQ(c.vision.select_feature, "same");
  EXPECT_FALSE(c.vision.pixel_mean.has_value());
  EXPECT_FALSE(c.vision.pixel_std.has_value());
  EXPECT_EQ(c.aligner.projector_type, "mlp_gelu");
  EXPECT_EQ(c.aligner.depth, 2);
  EXPECT_EQ(c.aligner.input_dim, 1024);
  EXPECT_EQ(c.aligner.n_embed, 2048);
  EXPECT_EQ(c.gen_aligner.input_dim, 8);
  EXPECT_EQ(c.gen_aligner.n_embed, 2048);
  EXPECT_EQ(c.gen_head.n_embed, 2048);
  EXPECT_EQ(c.gen_head.image_token_embed, 2048);
  EXPECT_EQ(c.gen_head.image_token_size, 16384);
  EXPECT_EQ(c.gen_vision.cls, "VQ-16");
  EXPECT_EQ(c.gen_vision.image_token_size, 16384);
  EXPECT_EQ(c.gen_vision.n_embed, 8);
}

TEST(ModelConfig, JanusPro1BMatchesJanus13BArchitecture) {
  auto c = parse_model_config(config_fixture("Janus-Pro-1B", "config.json"));
  EXPECT_EQ(c.kind, ModelKind::Janus);
  EXPECT_EQ(c.language.hidden_size, 2048);
  EXPECT_EQ(c.language.num_hidden_layers, 24);
  EXPECT_EQ(c.aligner.n_embed, 2048);
  EXPECT_EQ(c.gen_head.image_token_embed, 2048);
}

// Pro-7B's language_config has 5 keys; everything else is a LlamaConfig default (janus.md §2.3).
TEST(ModelConfig, JanusPro7BTakesLlamaDefaults) {
  auto c = parse_model_config(config_fixture("Janus-Pro-7B", "config.json"));
  const auto& l = c.language;
  EXPECT_EQ(l.num_hidden_layers, 30);
  EXPECT_EQ(l.vocab_size, 102400);
  EXPECT_EQ(l.max_position_embeddings, 16384);
  EXPECT_EQ(l.hidden_size, 4096);
  EXPECT_EQ(l.intermediate_size, 11008);
  EXPECT_EQ(l.num_attention_heads, 32);
  EXPECT_EQ(l.num_key_value_heads, 32);
  EXPECT_EQ(l.head_dim, 128);
  EXPECT_DOUBLE_EQ(l.rms_norm_eps, 1e-6);
  EXPECT_DOUBLE_EQ(l.rope_theta, 10000.0);
  EXPECT_FALSE(l.rope_scaling.has_value());
  EXPECT_EQ(l.hidden_act, "silu");
  EXPECT_FALSE(l.attention_bias);
  EXPECT_FALSE(l.mlp_bias);
  EXPECT_FALSE(l.tie_word_embeddings);
  EXPECT_EQ(l.pretraining_tp, 1);
  EXPECT_EQ(c.aligner.n_embed, 4096);
  EXPECT_EQ(c.gen_head.n_embed, 4096);
}

TEST(ModelConfig, JanusFlow) {
  auto c = parse_model_config(config_fixture("JanusFlow-1.3B", "config.json"));
  EXPECT_EQ(c.kind, ModelKind::JanusFlow);
  EXPECT_EQ(c.language.hidden_size, 2048);
  EXPECT_EQ(c.language.num_hidden_layers, 24);
  EXPECT_EQ(c.vision.model_name, "siglip_large_patch16_384");
  EXPECT_EQ(c.vision.image_size, 384);
  EXPECT_EQ(c.vision.select_layer, -1);
  const auto& e = c.gen_enc;
  EXPECT_EQ(e.cls, "ShallowUViTEncoder");
  EXPECT_EQ(e.input_channels, 4);
  EXPECT_EQ(e.kernel_size, 2);
  EXPECT_EQ(e.stride, 2);
  EXPECT_EQ(e.padding, 0);
  EXPECT_EQ(e.block_out_channels, std::vector<int64_t>{768});
  EXPECT_EQ(e.layers_in_middle, 2);
  EXPECT_EQ(e.hidden_size, 2048);
  EXPECT_TRUE(e.elementwise_affine);  // the file's key is misspelt; the default applies
  EXPECT_TRUE(e.use_bias);
  EXPECT_DOUBLE_EQ(e.norm_eps, 1e-6);
  EXPECT_TRUE(e.use_mid_block);
  const auto& d = c.gen_dec;
  EXPECT_EQ(d.cls, "ShallowUViTDecoder");
  EXPECT_EQ(d.in_channels, 768);
  EXPECT_EQ(d.out_channels, 4);
  EXPECT_EQ(d.block_out_channels, std::vector<int64_t>{768});
  EXPECT_EQ(d.upsamples, 1);
  EXPECT_EQ(d.layers_in_middle, 2);
  EXPECT_EQ(d.hidden_size, 2048);
  EXPECT_TRUE(d.use_bias);
}

TEST(ModelConfig, UViTPaddingDefaultsToKernelMinusStride) {
  auto c = parse_model_config_string(R"({"model_type": "multi_modality",
    "vision_und_enc_config": {"cls": "CLIPVisionTower", "params": {"image_size": 384}},
    "vision_gen_enc_config": {"cls": "ShallowUViTEncoder", "params": {"kernel_size": 7, "stride": 4}},
    "vision_gen_dec_config": {"cls": "ShallowUViTDecoder", "params": {}},
    "language_config": {}})");
  EXPECT_EQ(c.gen_enc.padding, 3);
  EXPECT_EQ(c.gen_dec.upsamples, 2);  // ShallowUViTDecoder default
  EXPECT_EQ(c.gen_dec.out_channels, 3);
  EXPECT_EQ(c.vision.select_layer, -2);  // CLIPVisionTower defaults
  EXPECT_EQ(c.vision.select_feature, "patch");
}

TEST(ModelConfig, LlamaExplicitValuesAndRopeScaling) {
  auto c = parse_model_config_string(janus_with_language(
      R"({"hidden_size": 256, "num_attention_heads": 8, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
          "rope_theta": 500000.0, "attention_bias": true, "tie_word_embeddings": true,
          "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192,
                           "low_freq_factor": 1.0, "high_freq_factor": 4.0}})"));
  EXPECT_EQ(c.language.head_dim, 32);
  EXPECT_EQ(c.language.num_key_value_heads, 2);
  EXPECT_DOUBLE_EQ(c.language.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.language.rope_theta, 500000.0);
  EXPECT_TRUE(c.language.attention_bias);
  EXPECT_TRUE(c.language.tie_word_embeddings);
  ASSERT_TRUE(c.language.rope_scaling.has_value());
  EXPECT_EQ(c.language.rope_scaling->type, "llama3");
  EXPECT_DOUBLE_EQ(c.language.rope_scaling->factor, 8.0);
  EXPECT_EQ(c.language.rope_scaling->original_max_position_embeddings, 8192);
  auto old =
      parse_model_config_string(janus_with_language(R"({"rope_scaling": {"type": "linear", "factor": 2}})"));
  EXPECT_EQ(old.language.rope_scaling->type, "linear");
  auto none = parse_model_config_string(janus_with_language(R"({"rope_scaling": null})"));
  EXPECT_FALSE(none.language.rope_scaling.has_value());
}

TEST(ModelConfig, ErrorsNameFileAndField) {
  expect_error([] { parse_model_config_string(janus_with_language(R"({"hidden_size": "2048"})")); },
               ErrorKind::Format,
               {"config.json: language_config.hidden_size", "expected integer, got string"});
  expect_error([] { parse_model_config_string(janus_with_language(R"({"hidden_size": 2048.5})")); },
               ErrorKind::Format, {"language_config.hidden_size", "expected integer"});
  expect_error([] { parse_model_config_string(janus_with_language(R"({"hidden_size": -4})")); },
               ErrorKind::Format, {"language_config.hidden_size", "out of range"});
  expect_error(
      [] {
        parse_model_config_string(janus_with_language(R"({"hidden_size": 100, "num_attention_heads": 3})"));
      },
      ErrorKind::Model, {"language_config.num_attention_heads", "not divisible"});
  expect_error([] { parse_model_config_string(janus_with_language(R"({"tie_word_embeddings": 1})")); },
               ErrorKind::Format, {"language_config.tie_word_embeddings", "expected boolean"});
  expect_error([] { parse_model_config_string(janus_with_language(R"({"rope_scaling": {"factor": 2}})")); },
               ErrorKind::Format, {"language_config.rope_scaling.type"});
  expect_error([] { parse_model_config_string(janus_with_language("[]")); }, ErrorKind::Format,
               {"language_config", "expected object, got array"});
}

TEST(ModelConfig, StructuralErrors) {
  expect_error([] { parse_model_config_string("{\"model_type\": ", "/x/my.json"); }, ErrorKind::Format,
               {"/x/my.json", "invalid JSON"});
  expect_error([] { parse_model_config_string(R"({"model_type": "llava"})"); }, ErrorKind::Model,
               {"config.json: model_type", "multi_modality", "llava"});
  expect_error([] { parse_model_config_string(R"({"vision_config": {}})"); }, ErrorKind::Format,
               {"config.json: model_type", "missing"});
  std::string bad_cls = janus_with_language("{}");
  bad_cls.replace(bad_cls.find("\"VQ-16\""), 7, "\"VQ-32\"");
  expect_error([&] { parse_model_config_string(bad_cls); }, ErrorKind::Model,
               {"gen_vision_config.cls", "VQ-32"});
  std::string no_head = janus_with_language("{}");
  no_head.replace(no_head.find("gen_head_config"), 15, "gen_hxad_config");
  expect_error([&] { parse_model_config_string(no_head); }, ErrorKind::Format,
               {"gen_head_config", "missing"});
  std::string no_dim = janus_with_language("{}");
  no_dim.replace(no_dim.find("\"input_dim\": 1024"), 17, "\"input_dimx\": 102");
  expect_error([&] { parse_model_config_string(no_dim); }, ErrorKind::Format,
               {"aligner_config.params.input_dim", "missing"});
  std::string so400m = janus_with_language("{}");
  so400m.replace(so400m.find("siglip_large_patch16_384"), 24, "siglip_so400m_patch14_384");
  expect_error([&] { parse_model_config_string(so400m); }, ErrorKind::Unsupported,
               {"vision_config.params.model_name", "siglip_so400m_patch14_384"});
  expect_error([] { parse_model_config_string(R"({"model_type": "multi_modality"})"); }, ErrorKind::Model,
               {"neither"});
  expect_error([] { parse_model_config("/nonexistent/dir/config.json"); }, ErrorKind::Io,
               {"/nonexistent/dir/config.json"});
}

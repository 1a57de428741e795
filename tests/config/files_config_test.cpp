// preprocessor / processor / tokenizer / special-token / VAE config files.
#include <gtest/gtest.h>

#include "core/error.h"
#include "io/config/config.h"
#include "test_paths.h"

using namespace janus;
using janus::test::config_fixture;
using janus::test::expect_error;

namespace {

const std::string kPad = "<\xEF\xBD\x9C\xE2\x96\x81pad\xE2\x96\x81\xEF\xBD\x9C>";
const std::string kBos =
    "<\xEF\xBD\x9C"
    "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";
const std::string kEos =
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";
const std::string kGen =
    "<\xEF\xBD\x9C"
    "begin\xE2\x96\x81of\xE2\x96\x81generation\xEF\xBD\x9C>";

}  // namespace

TEST(PreprocessorConfig, JanusFiles) {
  for (const char* m : {"Janus-1.3B", "Janus-Pro-1B", "Janus-Pro-7B"}) {
    auto c = parse_preprocessor_config(config_fixture(m, "preprocessor_config.json"));
    EXPECT_EQ(c.image_size, 384) << m;
    EXPECT_EQ(c.min_size, 14);
    EXPECT_EQ(c.image_mean, (std::array<double, 3>{0.5, 0.5, 0.5}));
    EXPECT_EQ(c.image_std, (std::array<double, 3>{0.5, 0.5, 0.5}));
    EXPECT_DOUBLE_EQ(c.rescale_factor, 1.0 / 255.0);
    EXPECT_TRUE(c.do_normalize);
    ASSERT_TRUE(c.background_color.has_value());
    EXPECT_EQ(*c.background_color, (std::array<int64_t, 3>{127, 127, 127}));
    EXPECT_EQ(c.image_processor_type, "VLMImageProcessor");
  }
}

TEST(PreprocessorConfig, JanusFlowUsesClipStatistics) {
  auto c = parse_preprocessor_config(config_fixture("JanusFlow-1.3B", "preprocessor_config.json"));
  EXPECT_EQ(c.image_mean, (std::array<double, 3>{0.48145466, 0.4578275, 0.40821073}));
  EXPECT_EQ(c.image_std, (std::array<double, 3>{0.26862954, 0.26130258, 0.27577711}));
  EXPECT_EQ(*c.background_color, (std::array<int64_t, 3>{122, 116, 104}));
}

TEST(PreprocessorConfig, DefaultsAndErrors) {
  auto c = parse_preprocessor_config_string(R"({"image_size": 512})");
  EXPECT_EQ(c.min_size, 14);
  EXPECT_EQ(c.image_mean[0], 0.48145466);  // VLMImageProcessor defaults: OpenAI CLIP
  EXPECT_EQ(c.image_std[2], 0.27577711);
  EXPECT_TRUE(c.do_normalize);
  EXPECT_FALSE(c.background_color.has_value());
  expect_error([] { parse_preprocessor_config_string("{}"); }, ErrorKind::Format,
               {"preprocessor_config.json: image_size", "missing"});
  expect_error([] { parse_preprocessor_config_string(R"({"image_size": 384, "image_std": [0.5, 0, 0.5]})"); },
               ErrorKind::Format, {"image_std[1]", "positive"});
  expect_error([] { parse_preprocessor_config_string(R"({"image_size": 384, "image_mean": [0.5, 0.5]})"); },
               ErrorKind::Format, {"image_mean", "expected 3 values"});
  expect_error([] { parse_preprocessor_config_string(R"({"image_size": 384, "do_normalize": "yes"})"); },
               ErrorKind::Format, {"do_normalize", "expected boolean, got string"});
  expect_error(
      [] { parse_preprocessor_config_string(R"({"image_size": 384, "background_color": [1, 2, 300]})"); },
      ErrorKind::Format, {"background_color[2]", "out of range"});
}

TEST(ProcessorConfig, RealFiles) {
  auto j13 = parse_processor_config(config_fixture("Janus-1.3B", "processor_config.json"));
  EXPECT_EQ(j13.sft_format, "deepseek_old");
  EXPECT_EQ(j13.image_tag, "<image_placeholder>");
  EXPECT_EQ(j13.num_image_tokens, 576);
  EXPECT_FALSE(j13.add_special_token);
  EXPECT_TRUE(j13.mask_prompt);
  EXPECT_EQ(j13.ignore_id, -100);
  EXPECT_EQ(j13.processor_class, "VLChatProcessor");
  // Absent keys take the VLChatProcessor.__init__ defaults.
  EXPECT_EQ(j13.image_start_tag, "<begin_of_image>");
  EXPECT_EQ(j13.image_end_tag, "<end_of_image>");
  EXPECT_EQ(j13.pad_tag, kPad);
  auto pro = parse_processor_config(config_fixture("Janus-Pro-7B", "processor_config.json"));
  EXPECT_EQ(pro.sft_format, "deepseek");
  auto flow = parse_processor_config(config_fixture("JanusFlow-1.3B", "processor_config.json"));
  EXPECT_EQ(flow.image_start_tag, "<image_beg>");
  EXPECT_EQ(flow.image_end_tag, "<image_end>");
  EXPECT_EQ(flow.image_gen_tag, kGen);
  EXPECT_EQ(flow.sft_format, "deepseek_old");
}

TEST(ProcessorConfig, DefaultsAndErrors) {
  auto c = parse_processor_config_string("{}");
  EXPECT_EQ(c.sft_format, "deepseek");
  EXPECT_EQ(c.image_gen_tag, kGen);
  EXPECT_EQ(c.num_image_tokens, 576);
  EXPECT_TRUE(c.mask_prompt);
  expect_error([] { parse_processor_config_string(R"({"num_image_tokens": 0})"); }, ErrorKind::Format,
               {"processor_config.json: num_image_tokens", "out of range"});
  expect_error([] { parse_processor_config_string(R"({"image_tag": 5})"); }, ErrorKind::Format,
               {"image_tag", "expected string, got integer"});
  expect_error([] { parse_processor_config_string(R"({"image_tag": ""})"); }, ErrorKind::Format,
               {"image_tag", "empty"});
}

TEST(TokenizerFiles, SpecialTokensMaps) {
  auto j13 = parse_special_tokens_map(config_fixture("Janus-1.3B", "special_tokens_map.json"));
  EXPECT_EQ(j13.bos_token->content, kBos);
  EXPECT_EQ(j13.eos_token->content, kEos);
  EXPECT_EQ(j13.pad_token->content, kPad);
  EXPECT_TRUE(j13.additional_special_tokens.empty());
  auto pro = parse_special_tokens_map(config_fixture("Janus-Pro-1B", "special_tokens_map.json"));
  ASSERT_EQ(pro.additional_special_tokens.size(), 9u);
  EXPECT_EQ(pro.additional_special_tokens[0].content, "<image_placeholder>");
  EXPECT_EQ(pro.additional_special_tokens[8].content, "<|Assistant|>");
  auto flow = parse_special_tokens_map(config_fixture("JanusFlow-1.3B", "special_tokens_map.json"));
  EXPECT_FALSE(flow.pad_token.has_value());
  ASSERT_EQ(flow.additional_special_tokens.size(), 1u);
  EXPECT_EQ(flow.additional_special_tokens[0].content, kGen);
  EXPECT_FALSE(flow.additional_special_tokens[0].normalized);
  EXPECT_TRUE(flow.bos_token->normalized);
  expect_error([] { parse_special_tokens_map_string(R"({"bos_token": 3})"); }, ErrorKind::Format,
               {"special_tokens_map.json: bos_token", "expected string or token object"});
  expect_error(
      [] { parse_special_tokens_map_string(R"({"additional_special_tokens": [{"lstrip": true}]})"); },
      ErrorKind::Format, {"additional_special_tokens[0].content", "missing"});
}

TEST(TokenizerFiles, TokenizerConfig) {
  auto pro = parse_tokenizer_config(config_fixture("Janus-Pro-1B", "tokenizer_config.json"));
  EXPECT_EQ(pro.bos_token->content, kBos);
  EXPECT_EQ(pro.eos_token->content, kEos);
  EXPECT_FALSE(pro.pad_token.has_value());
  EXPECT_FALSE(pro.unk_token.has_value());
  EXPECT_TRUE(pro.add_bos_token);  // LlamaTokenizer default (absent from the file)
  EXPECT_FALSE(pro.add_eos_token);
  EXPECT_EQ(pro.model_max_length, 16384);
  EXPECT_TRUE(pro.use_default_system_prompt);
  EXPECT_EQ(pro.tokenizer_class, "LlamaTokenizer");
  auto flow = parse_tokenizer_config(config_fixture("JanusFlow-1.3B", "tokenizer_config.json"));
  EXPECT_FALSE(flow.use_default_system_prompt);

  auto t = parse_tokenizer_config_string(R"({"add_bos_token": false, "model_max_length": 1e30,
      "added_tokens_decoder": {"100016": {"content": "<begin_of_image>", "special": true, "normalized": false},
                               "100015": {"content": "<pad>", "lstrip": true}}})");
  EXPECT_FALSE(t.add_bos_token);
  EXPECT_FALSE(t.model_max_length.has_value());  // HF's "unlimited" sentinel
  ASSERT_EQ(t.added_tokens_decoder.size(), 2u);
  EXPECT_EQ(t.added_tokens_decoder[0].id, 100015);
  EXPECT_TRUE(t.added_tokens_decoder[0].token.lstrip);
  EXPECT_EQ(t.added_tokens_decoder[1].token.content, "<begin_of_image>");
  EXPECT_FALSE(t.added_tokens_decoder[1].token.normalized);
  expect_error([] { parse_tokenizer_config_string(R"({"added_tokens_decoder": {"x1": {"content": "a"}}})"); },
               ErrorKind::Format, {"tokenizer_config.json: added_tokens_decoder.x1", "not a token id"});
  expect_error([] { parse_tokenizer_config_string(R"({"model_max_length": "big"})"); }, ErrorKind::Format,
               {"model_max_length"});
}

TEST(VaeConfig, SdxlVae) {
  auto c = parse_vae_config(config_fixture("sdxl-vae", "config.json"));
  EXPECT_EQ(c.class_name, "AutoencoderKL");
  EXPECT_EQ(c.block_out_channels, (std::vector<int64_t>{128, 256, 512, 512}));
  EXPECT_EQ(c.layers_per_block, 2);
  EXPECT_EQ(c.latent_channels, 4);
  EXPECT_EQ(c.norm_num_groups, 32);
  EXPECT_DOUBLE_EQ(c.scaling_factor, 0.13025);
  EXPECT_FALSE(c.shift_factor.has_value());
  EXPECT_TRUE(c.force_upcast);  // absent -> diffusers default
  EXPECT_EQ(c.in_channels, 3);
  EXPECT_EQ(c.out_channels, 3);
  EXPECT_EQ(c.sample_size, 1024);
  EXPECT_EQ(c.act_fn, "silu");
  EXPECT_EQ(c.up_block_types, std::vector<std::string>(4, "UpDecoderBlock2D"));
  EXPECT_TRUE(c.use_post_quant_conv);
  EXPECT_TRUE(c.mid_block_add_attention);
}

TEST(VaeConfig, Fp16FixAndErrors) {
  auto c = parse_vae_config(config_fixture("sdxl-vae-fp16-fix", "config.json"));
  EXPECT_FALSE(c.force_upcast);
  EXPECT_EQ(c.sample_size, 512);
  EXPECT_DOUBLE_EQ(c.scaling_factor, 0.13025);
  auto s = parse_vae_config_string(
      R"({"block_out_channels": [64], "shift_factor": 0.1159, "scaling_factor": 0.3611})");
  EXPECT_DOUBLE_EQ(*s.shift_factor, 0.1159);
  expect_error([] { parse_vae_config_string(R"({"_class_name": "UNet2DConditionModel"})"); },
               ErrorKind::Model, {"config.json: _class_name", "AutoencoderKL"});
  expect_error([] { parse_vae_config_string(R"({"block_out_channels": [128, 256]})"); }, ErrorKind::Model,
               {"up_block_types"});
  expect_error([] { parse_vae_config_string(R"({"block_out_channels": [48]})"); }, ErrorKind::Model,
               {"block_out_channels[0]", "norm_num_groups"});
  expect_error([] { parse_vae_config_string(R"({"block_out_channels": [64, "x"]})"); }, ErrorKind::Format,
               {"block_out_channels[1]", "expected integer"});
  expect_error([] { parse_vae_config_string(R"({"scaling_factor": -1})"); }, ErrorKind::Format,
               {"scaling_factor"});
}

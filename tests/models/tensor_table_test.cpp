#include "models/tensor_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "../config/test_paths.h"
#include "core/error.h"
#include "core/tensor_view.h"

using namespace janus;
using janus::test::config_fixture;

namespace {

struct TsvTable {
  std::vector<TensorSpec> specs;
  int64_t header_tensors = -1, header_params = -1;
};

// tensors.derived.tsv: '#' comment lines (one says "tensors: N  parameters: P ..."), then
// "name<TAB>[d0, d1]<TAB>dtype" rows.
TsvTable read_tsv(const std::filesystem::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in.good()) << p;
  TsvTable t;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      auto k = line.find("tensors: ");
      if (k != std::string::npos) {
        std::sscanf(line.c_str() + k, "tensors: %ld parameters: %ld", &t.header_tensors, &t.header_params);
      }
      continue;
    }
    std::istringstream ss(line);
    std::string name, shape, dtype;
    std::getline(ss, name, '\t');
    std::getline(ss, shape, '\t');
    std::getline(ss, dtype, '\t');
    TensorSpec s{name, {}, true};
    std::string digits;
    for (char c : shape) {
      if (c >= '0' && c <= '9') {
        digits += c;
      } else if (!digits.empty()) {
        s.shape.push_back(std::stoll(digits));
        digits.clear();
      }
    }
    EXPECT_EQ(dtype, "bf16") << name;
    t.specs.push_back(s);
  }
  return t;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> sorted(const std::vector<TensorSpec>& v) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> r;
  for (const auto& s : v) r.push_back({s.name, s.shape});
  std::sort(r.begin(), r.end());
  return r;
}

std::vector<TensorMeta> as_present(const std::vector<TensorSpec>& specs) {
  std::vector<TensorMeta> v;
  for (const auto& s : specs) v.push_back({s.name, DType::BF16, s.shape});
  return v;
}

void expect_same(const std::vector<TensorSpec>& got, const std::vector<TensorSpec>& want) {
  auto a = sorted(got), b = sorted(want);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_EQ(a[i].second, b[i].second) << a[i].first;
  }
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(int(e.kind()), int(ErrorKind::Model)) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

}  // namespace

class JanusTables : public ::testing::TestWithParam<const char*> {};

// The table built from config.json + official dims equals the listing derived from the official
// Python modules (tests/data/config/<model>/tensors.derived.tsv).
TEST_P(JanusTables, EqualsDerivedListing) {
  const std::string m = GetParam();
  auto cfg = parse_model_config(config_fixture(m, "config.json"));
  auto table = expected_tensors(cfg, official_dims(cfg));
  auto tsv = read_tsv(config_fixture(m, "tensors.derived.tsv"));
  expect_same(table, tsv.specs);
  EXPECT_EQ(int64_t(table.size()), tsv.header_tensors);
  EXPECT_EQ(total_params(table), tsv.header_params);
  // The file itself passes the check, and its anchors give back the official dims.
  ArchDims d = check_tensor_set(cfg, as_present(tsv.specs), m);
  EXPECT_EQ(d.vit_width, 1024);
  EXPECT_EQ(d.vit_depth, 24);
  EXPECT_EQ(d.vit_mlp, 4096);
  EXPECT_EQ(d.vit_patch, 16);
  EXPECT_EQ(d.vit_heads, 16);
  EXPECT_EQ(d.vit_blocks_used, 24);
  EXPECT_EQ(d.vq_ch, 128);
  EXPECT_EQ(d.vq_z, 256);
}

INSTANTIATE_TEST_SUITE_P(Real, JanusTables, ::testing::Values("Janus-1.3B", "Janus-Pro-1B", "Janus-Pro-7B"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           std::replace(s.begin(), s.end(), '.', '_');
                           return s;
                         });

TEST(JanusTables, TotalsFromSpec) {
  auto c1 = parse_model_config(config_fixture("Janus-Pro-1B", "config.json"));
  auto c7 = parse_model_config(config_fixture("Janus-Pro-7B", "config.json"));
  EXPECT_EQ(total_params(expected_tensors(c1, official_dims(c1))), 2089297547);  // janus.md §1
  EXPECT_EQ(total_params(expected_tensors(c7, official_dims(c7))), 7420434059);
}

TEST(JanusTables, UnusedTensorsAreMarked) {
  auto c = parse_model_config(config_fixture("Janus-Pro-1B", "config.json"));
  for (const auto& s : expected_tensors(c, official_dims(c))) {
    const bool unused = s.name.find("attn_pool") != std::string::npos ||
                        s.name.rfind("gen_vision_model.encoder.", 0) == 0 ||
                        s.name.rfind("gen_vision_model.quant_conv.", 0) == 0 ||
                        s.name == "gen_vision_model.quantize.codebook_used";
    EXPECT_EQ(s.used, !unused) << s.name;
  }
}

// janusflow.md §2.4-2.5: 587 tensors, 2,046,367,504 parameters.
TEST(JanusFlowTable, CountsFromSpec) {
  auto c = parse_model_config(config_fixture("JanusFlow-1.3B", "config.json"));
  auto t = expected_tensors(c, official_dims(c));
  EXPECT_EQ(t.size(), 587u);
  EXPECT_EQ(total_params(t), 2046367504);
  auto find = [&](const std::string& n) {
    for (const auto& s : t)
      if (s.name == n) return s.shape;
    ADD_FAILURE() << n;
    return std::vector<int64_t>{};
  };
  // Spot checks against the §2.4 tables.
  EXPECT_EQ(find("vision_gen_enc_model.in_conv.weight"), (std::vector<int64_t>{768, 4, 2, 2}));
  EXPECT_EQ(find("vision_gen_enc_model.time_embed.linear_1.weight"), (std::vector<int64_t>{2048, 768}));
  EXPECT_EQ(find("vision_gen_dec_model.mid_block.res_blocks.1.channelwise_norm.bias"),
            (std::vector<int64_t>{1, 1, 1, 6144}));
  EXPECT_EQ(find("vision_gen_dec_model.mid_block.res_blocks.0.cond_embeds_mapper.weight"),
            (std::vector<int64_t>{3072, 2048}));
  EXPECT_EQ(find("vision_gen_dec_model.out_convs.0.unpatch_conv.weight"),
            (std::vector<int64_t>{16, 1536, 1, 1}));
  EXPECT_EQ(find("vision_und_enc_aligner.weight"), (std::vector<int64_t>{2048, 1024}));
  EXPECT_EQ(find("beg_of_und_embed"), (std::vector<int64_t>{1, 2048}));
  EXPECT_EQ(find("vision_gen_dec_aligner.weight"), (std::vector<int64_t>{768, 2048}));
  EXPECT_EQ(find("vision_und_enc_model.vision_tower.attn_pool.kv.weight"),
            (std::vector<int64_t>{2048, 1024}));
  check_tensor_set(c, as_present(t), "flow");
}

TEST(TensorCheck, ReportsMissingUnexpectedAndMisshaped) {
  auto c = parse_model_config(config_fixture("Janus-Pro-1B", "config.json"));
  const auto base = as_present(expected_tensors(c, official_dims(c)));

  auto missing = base;
  missing.erase(std::find_if(missing.begin(), missing.end(), [](const TensorMeta& t) {
    return t.name == "language_model.model.layers.3.mlp.up_proj.weight";
  }));
  auto msg = error_of([&] { check_tensor_set(c, missing, "ckpt/model.safetensors"); });
  EXPECT_NE(msg.find("ckpt/model.safetensors"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing tensor language_model.model.layers.3.mlp.up_proj.weight [5632, 2048]"),
            std::string::npos)
      << msg;

  auto extra = base;
  extra.push_back({"language_model.model.layers.0.self_attn.q_proj.bias", DType::BF16, {2048}});
  msg = error_of([&] { check_tensor_set(c, extra, "x"); });
  EXPECT_NE(msg.find("unexpected tensor language_model.model.layers.0.self_attn.q_proj.bias"),
            std::string::npos)
      << msg;

  auto bad = base;
  for (auto& t : bad)
    if (t.name == "gen_head.vision_head.weight") t.shape = {16385, 2048};
  msg = error_of([&] { check_tensor_set(c, bad, "x"); });
  EXPECT_NE(msg.find("gen_head.vision_head.weight has shape [16385, 2048], expected [16384, 2048]"),
            std::string::npos)
      << msg;

  auto dup = base;
  dup.push_back(dup.front());
  error_of([&] { check_tensor_set(c, dup, "x"); });

  // A 25th SigLIP block would change the inferred depth; with a gap it is a missing-tensor error.
  auto gap = base;
  gap.push_back({"vision_model.vision_tower.blocks.30.norm1.weight", DType::BF16, {1024}});
  msg = error_of([&] { check_tensor_set(c, gap, "x"); });
  EXPECT_NE(msg.find("missing tensor vision_model.vision_tower.blocks.24.norm1.weight [1024]"),
            std::string::npos)
      << msg;

  // Anchor absent.
  auto no_anchor = base;
  no_anchor.erase(std::find_if(no_anchor.begin(), no_anchor.end(), [](const TensorMeta& t) {
    return t.name == "gen_vision_model.post_quant_conv.weight";
  }));
  msg = error_of([&] { check_tensor_set(c, no_anchor, "x"); });
  EXPECT_NE(msg.find("gen_vision_model.post_quant_conv.weight"), std::string::npos) << msg;
}

TEST(TensorCheck, ToleratesStrayRotaryInvFreq) {
  auto c = parse_model_config(config_fixture("Janus-Pro-7B", "config.json"));
  auto p = as_present(expected_tensors(c, official_dims(c)));
  p.push_back({"language_model.model.layers.0.self_attn.rotary_emb.inv_freq", DType::F32, {64}});
  EXPECT_NO_THROW(check_tensor_set(c, p, "x"));
}

// Small checkpoints: widths read off anchors, everything else must follow.
TEST(TensorCheck, InfersSmallWidths) {
  auto c = parse_model_config(config_fixture("Janus-Pro-1B", "config.json"));
  c.language.hidden_size = 64;
  c.language.intermediate_size = 128;
  c.language.num_hidden_layers = 2;
  c.language.num_attention_heads = c.language.num_key_value_heads = 4;
  c.language.head_dim = 16;
  c.aligner.input_dim = 64;
  c.aligner.n_embed = c.gen_aligner.n_embed = c.gen_head.n_embed = c.gen_head.image_token_embed = 64;
  ArchDims d = official_dims(c);
  d.vit_width = 64;
  d.vit_heads = 1;
  d.vit_depth = d.vit_blocks_used = 2;
  d.vit_mlp = 256;
  d.vq_ch = 32;
  d.vq_z = 64;
  auto t = expected_tensors(c, d);
  ArchDims got = check_tensor_set(c, as_present(t), "tiny");
  EXPECT_EQ(got.vit_width, 64);
  EXPECT_EQ(got.vit_heads, 1);
  EXPECT_EQ(got.vit_depth, 2);
  EXPECT_EQ(got.vit_mlp, 256);
  EXPECT_EQ(got.vq_ch, 32);
  EXPECT_EQ(got.vq_z, 64);
  // A single tensor at the official width is caught.
  auto p = as_present(t);
  for (auto& m : p)
    if (m.name == "vision_model.vision_tower.blocks.1.attn.proj.weight") m.shape = {1024, 1024};
  auto msg = error_of([&] { check_tensor_set(c, p, "tiny"); });
  EXPECT_NE(msg.find("blocks.1.attn.proj.weight has shape [1024, 1024], expected [64, 64]"),
            std::string::npos)
      << msg;
  // Config contradicting the tensors: aligner input must be the SigLIP width.
  c.aligner.input_dim = 1024;
  msg = error_of([&] { check_tensor_set(c, as_present(t), "tiny"); });
  EXPECT_NE(msg.find("aligner_config.params.input_dim"), std::string::npos) << msg;
}

TEST(TensorCheck, SelectLayerMarksTrailingBlocksUnused) {
  auto c = parse_model_config(config_fixture("Janus-Pro-1B", "config.json"));
  c.vision.select_layer = -2;
  ArchDims d = official_dims(c);
  EXPECT_EQ(d.vit_blocks_used, 23);
  for (const auto& s : expected_tensors(c, d))
    if (s.name.find("vision_tower.blocks.23.") != std::string::npos) {
      EXPECT_FALSE(s.used) << s.name;
    }
}

// ------------------------------------------------------------------ SDXL VAE

namespace {
VaeConfig sdxl() {
  return parse_vae_config(config_fixture("sdxl-vae", "config.json"));
}
}  // namespace

// janusflow.md §2.6: decoder + post_quant_conv = 140 tensors, 49,490,199 parameters.
TEST(VaeTable, DecoderCountsFromSpec) {
  auto t = vae_tensors(sdxl(), VaeNaming::Diffusers, false);
  EXPECT_EQ(t.size(), 140u);
  EXPECT_EQ(total_params(t), 49490199);
  for (auto n : {VaeNaming::DiffusersLegacy, VaeNaming::Ldm}) {
    auto o = vae_tensors(sdxl(), n, false);
    EXPECT_EQ(o.size(), 140u);
    EXPECT_EQ(total_params(o), 49490199);
  }
  auto find = [&](const std::string& n) {
    for (const auto& s : t)
      if (s.name == n) return s.shape;
    ADD_FAILURE() << n;
    return std::vector<int64_t>{};
  };
  EXPECT_EQ(find("decoder.up_blocks.2.resnets.0.conv_shortcut.weight"),
            (std::vector<int64_t>{256, 512, 1, 1}));
  EXPECT_EQ(find("decoder.up_blocks.3.resnets.0.conv_shortcut.weight"),
            (std::vector<int64_t>{128, 256, 1, 1}));
  EXPECT_EQ(find("decoder.up_blocks.2.upsamplers.0.conv.weight"), (std::vector<int64_t>{256, 256, 3, 3}));
  EXPECT_EQ(find("decoder.mid_block.attentions.0.to_out.0.weight"), (std::vector<int64_t>{512, 512}));
  EXPECT_EQ(find("decoder.conv_out.weight"), (std::vector<int64_t>{3, 128, 3, 3}));
}

// Full KL-f8 VAE: 83,653,863 parameters (= the 335 MB fp32 files).
TEST(VaeTable, FullModelCount) {
  auto t = vae_tensors(sdxl(), VaeNaming::Diffusers, true);
  EXPECT_EQ(total_params(t), 83653863);
  EXPECT_EQ(total_params(vae_tensors(sdxl(), VaeNaming::Ldm, true)), 83653863);
}

TEST(VaeTable, AllNamingsPassAndMap) {
  const auto c = sdxl();
  for (auto n : {VaeNaming::Diffusers, VaeNaming::DiffusersLegacy, VaeNaming::Ldm})
    for (bool enc : {false, true})
      EXPECT_EQ(check_vae_tensor_set(c, as_present(vae_tensors(c, n, enc)), "v"), n);
  EXPECT_EQ(vae_diffusers_name(c, VaeNaming::Ldm, "decoder.up.3.block.0.conv1.weight"),
            "decoder.up_blocks.0.resnets.0.conv1.weight");
  EXPECT_EQ(vae_diffusers_name(c, VaeNaming::Ldm, "decoder.up.1.block.0.nin_shortcut.weight"),
            "decoder.up_blocks.2.resnets.0.conv_shortcut.weight");
  EXPECT_EQ(vae_diffusers_name(c, VaeNaming::Ldm, "decoder.mid.attn_1.proj_out.weight"),
            "decoder.mid_block.attentions.0.to_out.0.weight");
  EXPECT_EQ(vae_diffusers_name(c, VaeNaming::Ldm, "decoder.norm_out.bias"), "decoder.conv_norm_out.bias");
  EXPECT_EQ(vae_diffusers_name(c, VaeNaming::Ldm, "encoder.down.1.downsample.conv.weight"),
            "encoder.down_blocks.1.downsamplers.0.conv.weight");
  EXPECT_EQ(vae_diffusers_name(c, VaeNaming::DiffusersLegacy, "decoder.mid_block.attentions.0.query.bias"),
            "decoder.mid_block.attentions.0.to_q.bias");
  EXPECT_EQ(vae_diffusers_name(c, VaeNaming::Diffusers, "nope"), "");
  // LDM attention convs already squeezed to 2-D are accepted.
  auto ldm = as_present(vae_tensors(c, VaeNaming::Ldm, false));
  for (auto& t : ldm)
    if (t.name == "decoder.mid.attn_1.q.weight") t.shape = {512, 512};
  EXPECT_EQ(check_vae_tensor_set(c, ldm, "v"), VaeNaming::Ldm);
}

TEST(VaeTable, Errors) {
  const auto c = sdxl();
  auto p = as_present(vae_tensors(c, VaeNaming::Diffusers, true));
  // Partial encoder: the rest of it is reported missing.
  auto partial = p;
  partial.erase(
      std::remove_if(partial.begin(), partial.end(),
                     [](const TensorMeta& t) { return t.name.rfind("encoder.down_blocks.1.", 0) == 0; }),
      partial.end());
  auto msg = error_of([&] { check_vae_tensor_set(c, partial, "vae.safetensors"); });
  EXPECT_NE(msg.find("missing tensor encoder.down_blocks.1."), std::string::npos) << msg;
  auto bad = p;
  for (auto& t : bad)
    if (t.name == "post_quant_conv.weight") t.shape = {8, 4, 1, 1};
  msg = error_of([&] { check_vae_tensor_set(c, bad, "v"); });
  EXPECT_NE(msg.find("post_quant_conv.weight has shape [8, 4, 1, 1], expected [4, 4, 1, 1]"),
            std::string::npos)
      << msg;
  auto dec_only = as_present(vae_tensors(c, VaeNaming::Diffusers, false));
  dec_only.pop_back();
  msg = error_of([&] { check_vae_tensor_set(c, dec_only, "v"); });
  EXPECT_NE(msg.find("missing tensor decoder.conv_out.bias"), std::string::npos) << msg;
}

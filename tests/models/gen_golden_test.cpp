// Generation head, gen_embed + gen_aligner and CFG against the PyTorch reference
// (tools/reference/make_goldens.py --kind gen: modules.py GenHead/GenEmbed, step-0 cond/uncond/CFG
// logits and 8 greedy codes with cfg 5), on the tiny Janus-Pro-1B (fp32, bf16) and Janus-Pro-7B-layout
// (sharded .bin, fp32) checkpoints the goldens were made from (gen_tiny.py --seed 0).
//
// The loop here is a plain statement of the reference loop (prefill the cond/uncond pair, gen_head on
// the last position, CFG, argmax, feed gen_aligner(gen_embed(code)) to both rows), teacher-forced with
// the reference codes so one legitimate bf16 flip does not derail the rest. The pipeline's own loop is
// checked against the same goldens in tests/pipelines/generate_ar_test.cpp.
//
// Tolerances: fp32 logits rel-L2 ≤ 1e-4 (measured ~1e-6: only summation order differs); codes identical
// (the reference's top-2 margins are reported; a near-tie < 1e-3 relative only needs our top-5).
// bf16: rel-L2 ≤ 1e-2 (one-ulp flips from summation order, tools/reference/README.md), and much closer
// to the bf16 golden than to the fp32 one (the rounding points are right); top-1 agreement ≥ 7/8.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "../common/model_fixtures.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "io/npy/npy.h"
#include "models/generation_model.h"
#include "models/model_bundle.h"

using namespace janus;
namespace fs = std::filesystem;

namespace {

using janus::test::bundle;
using janus::test::context;
using janus::test::pool;
using janus::test::tiny_dir;
const std::filesystem::path& kGoldens = janus::test::goldens();

std::vector<float> golden_f32(const std::string& cs, const std::string& name) {
  return read_npy(kGoldens / cs / (name + ".npy")).to_f32();
}
std::vector<int64_t> golden_i64(const std::string& cs, const std::string& name) {
  return read_npy(kGoldens / cs / (name + ".npy")).to_i64();
}
nlohmann::json meta(const std::string& cs) {
  std::ifstream in(kGoldens / cs / "meta.json");
  return nlohmann::json::parse(in);
}

double rel_l2(const float* got, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double e = double(got[i]) - ref[i];
    num += e * e;
    den += double(ref[i]) * ref[i];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

void expect_close(const std::string& what, const float* got, int64_t n, const std::vector<float>& ref,
                  double tol) {
  ASSERT_EQ(n, int64_t(ref.size())) << what;
  const double d = rel_l2(got, ref);
  std::printf("[golden] %-36s rel_l2 %.3g\n", what.c_str(), d);
  EXPECT_LE(d, tol) << what;
}

// Indices of the 5 largest values, larger first, lower index first on ties (torch.argmax's choice).
std::vector<int32_t> top5(const float* l, int64_t V) {
  std::vector<int32_t> idx(static_cast<size_t>(V));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(),
                    [&](int32_t a, int32_t b) { return l[a] > l[b] || (l[a] == l[b] && a < b); });
  idx.resize(5);
  return idx;
}

struct Case {
  const char* name;   // golden folder
  const char* model;  // tiny checkpoint folder
  ops::Precision precision;
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}
const Case kCases[] = {
    {"pro1b_gen_fp32", "janus-pro-1b", ops::Precision::F32},
    {"pro1b_gen_bf16", "janus-pro-1b", ops::Precision::BF16},
    {"pro7b_gen_fp32", "janus-pro-7b", ops::Precision::F32},
};

class GenGolden : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (tiny_dir().empty()) GTEST_SKIP() << "python3 with numpy is needed to generate tiny checkpoints";
  }
};

TEST_P(GenGolden, Step0LogitsAndGreedyCodes) {
  const Case& cs = GetParam();
  const ModelBundle& b = bundle(cs.model);
  const nlohmann::json mt = meta(cs.name);
  EXPECT_EQ(b.special_id("pad"), mt["pad_id"].get<int32_t>());  // looked up by string on both sides
  auto gm = build_generation_model(b, cs.precision);
  const ops::Context c = context(cs.precision);
  const bool f32 = cs.precision == ops::Precision::F32;
  const float w = mt["cfg_weight"].get<float>();
  const std::vector<int64_t> ids64 = golden_i64(cs.name, "gen_input_ids");
  const std::vector<int64_t> un64 = golden_i64(cs.name, "gen_uncond_ids");
  const std::vector<int64_t> codes = golden_i64(cs.name, "gen_codes_greedy");
  const std::vector<int32_t> ids(ids64.begin(), ids64.end()), un(un64.begin(), un64.end());
  const int64_t T = int64_t(ids.size()), H = gm->llm.hidden_size(), K = gm->codes();
  ASSERT_EQ(un.size(), ids.size());
  EXPECT_EQ(K, 16384);

  // Rows [cond, uncond] = the official interleaving for one image.
  Tensor x = Tensor::f32({2, T, H});
  gm->llm.embed(c, ids.data(), T, x.f());
  gm->llm.embed(c, un.data(), T, x.f() + T * H);
  KvCache kv = gm->llm.make_cache(2, T + int64_t(codes.size()));
  Tensor z = gm->head.forward(c, gm->llm.forward(c, x, kv, true).reshaped({2, H}));  // [2, K]
  std::vector<float> g(static_cast<size_t>(K));
  cfg_combine(c, z.f(), z.f() + K, w, K, g.data());

  const double tol = f32 ? 1e-4 : 1e-2;
  const std::string n = cs.name;
  expect_close(n + " gen_logits_cond_0", z.f(), K, golden_f32(n, "gen_logits_cond_0"), tol);
  expect_close(n + " gen_logits_uncond_0", z.f() + K, K, golden_f32(n, "gen_logits_uncond_0"), tol);
  expect_close(n + " gen_logits_cfg_0", g.data(), K, golden_f32(n, "gen_logits_cfg_0"), tol);
  if (!f32) {
    // Rounding points right: far closer to the bf16 golden than to the fp32 twin.
    const double to_bf16 = rel_l2(g.data(), golden_f32(n, "gen_logits_cfg_0"));
    const double to_fp32 = rel_l2(g.data(), golden_f32("pro1b_gen_fp32", "gen_logits_cfg_0"));
    std::printf("[golden] %s cfg logits: rel_l2 to bf16 golden %.3g, to fp32 golden %.3g\n", cs.name, to_bf16,
                to_fp32);
    EXPECT_LT(to_bf16, 0.5 * to_fp32);
  }

  int agree = 0;
  double min_margin = 1e30;
  for (size_t s = 0; s < codes.size(); ++s) {
    const std::vector<int32_t> top = top5(g.data(), K);
    double scale = 0;
    for (float v : g) scale = std::max(scale, double(std::abs(v)));
    const double margin = (double(g[size_t(top[0])]) - g[size_t(top[1])]) / std::max(scale, 1e-30);
    min_margin = std::min(min_margin, margin);
    agree += top[0] == codes[s];
    if (f32) {
      if (margin < 1e-3)
        EXPECT_NE(std::find(top.begin(), top.end(), int32_t(codes[s])), top.end()) << n << " step " << s;
      else
        EXPECT_EQ(top[0], codes[s]) << n << " greedy code " << s;
    }
    if (s + 1 == codes.size()) break;
    const int32_t code = int32_t(codes[s]);     // teacher forcing: the reference's code, to both rows
    Tensor e = gm->embed.forward(c, &code, 1);  // [1, H]
    Tensor next = Tensor::f32({2, 1, H});
    std::memcpy(next.f(), e.f(), size_t(H) * sizeof(float));
    std::memcpy(next.f() + H, e.f(), size_t(H) * sizeof(float));
    z = gm->head.forward(c, gm->llm.forward(c, next, kv, true).reshaped({2, H}));
    cfg_combine(c, z.f(), z.f() + K, w, K, g.data());
  }
  std::printf("[golden] %-36s %d/%zu top-1 agree, min top-2 margin (rel) %.3g\n",
              (n + " gen_codes_greedy").c_str(), agree, codes.size(), min_margin);
  EXPECT_EQ(kv.len, T + int64_t(codes.size()) - 1);
  if (!f32) EXPECT_GE(agree, int(codes.size()) - 1) << n;
}

INSTANTIATE_TEST_SUITE_P(Tiny, GenGolden, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

class GenParts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (tiny_dir().empty()) GTEST_SKIP() << "python3 with numpy is needed to generate tiny checkpoints";
  }
};

// CFG arithmetic: w = 1 gives the conditional logits, w = 0 the unconditional ones (fp32: exactly);
// bf16 rounds each of the three ops (a hand-worked value).
TEST(GenCfg, CombineArithmetic) {
  const float cond[3] = {1.5f, -2.0f, 0.125f}, uncond[3] = {0.5f, 1.0f, 0.375f};
  float out[3];
  ops::Context c;
  cfg_combine(c, cond, uncond, 1.0f, 3, out);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(out[i], cond[i]);
  cfg_combine(c, cond, uncond, 0.0f, 3, out);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(out[i], uncond[i]);
  cfg_combine(c, cond, uncond, 5.0f, 3, out);
  EXPECT_FLOAT_EQ(out[0], 5.5f);
  EXPECT_FLOAT_EQ(out[1], -14.0f);
  // bf16: 1.00390625 - 0 = 1.00390625 (exact in bf16: 1 + 2^-8); ×3 = 3.01171875 -> bf16 3.0 (ties to
  // even at 3 + 2^-7 spacing 2^-6); + 0 = 3.0. fp32 keeps 3.01171875.
  const float c1[1] = {1.00390625f}, u1[1] = {0.0f};
  cfg_combine(c, c1, u1, 3.0f, 1, out);
  EXPECT_EQ(out[0], 3.01171875f);
  c.precision = ops::Precision::BF16;
  cfg_combine(c, c1, u1, 3.0f, 1, out);
  EXPECT_EQ(out[0], 3.0f);
}

// gen_embed + gen_aligner of a code equals the table row through the aligner; out-of-range ids fail.
TEST_F(GenParts, EmbedShapesAndErrors) {
  const ModelBundle& b = bundle("janus-pro-1b");
  auto gm = build_generation_model(b, ops::Precision::F32);
  const ops::Context c = context(ops::Precision::F32);
  const int32_t ids[3] = {0, 16383, 0};
  Tensor e = gm->embed.forward(c, ids, 3);
  ASSERT_EQ(e.shape(), (std::vector<int64_t>{3, gm->llm.hidden_size()}));
  const int64_t H = e.dim(1);
  EXPECT_EQ(0, std::memcmp(e.f(), e.f() + 2 * H, size_t(H) * sizeof(float)));  // same code, same row
  EXPECT_NE(0, std::memcmp(e.f(), e.f() + H, size_t(H) * sizeof(float)));      // different code
  const int32_t bad[1] = {16384};
  EXPECT_THROW(gm->embed.forward(c, bad, 1), Error);
  const int32_t neg[1] = {-1};
  EXPECT_THROW(gm->embed.forward(c, neg, 1), Error);
  Tensor h = Tensor::f32({1, H + 1});
  EXPECT_THROW(gm->head.forward(c, h), Error);
}

// JanusFlow has no image-token head: a clear Unsupported error naming its config.
TEST_F(GenParts, JanusFlowRejected) {
  const ModelBundle& b = bundle("janusflow-1.3b");
  try {
    build_generation_model(b, ops::Precision::F32);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("JanusFlow"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
}

// Janus-1.3B's tiny checkpoint (safetensors) builds too and produces 16384 finite logits.
TEST_F(GenParts, Janus13BBuilds) {
  const ModelBundle& b = bundle("janus-1.3b");
  auto gm = build_generation_model(b, ops::Precision::BF16);
  const ops::Context c = context(ops::Precision::BF16);
  const int64_t H = gm->llm.hidden_size();
  Tensor h = Tensor::f32({2, H});
  for (int64_t i = 0; i < h.numel(); ++i) h.f()[i] = float(std::sin(0.1 * double(i)));
  Tensor z = gm->head.forward(c, h);
  ASSERT_EQ(z.shape(), (std::vector<int64_t>{2, 16384}));
  for (int64_t i = 0; i < z.numel(); ++i) ASSERT_TRUE(std::isfinite(z.f()[i]));
}

}  // namespace

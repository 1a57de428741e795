// UnderstandSession end to end on the tiny random checkpoints (real SigLIP + aligner + LLM code):
// PyTorch goldens (fp32 greedy), KV-cache reuse across turns, thread-count independence, errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/thread_pool.h"
#include "io/image/image.h"
#include "io/npy/npy.h"
#include "models/model_bundle.h"
#include "models/understanding_model.h"
#include "pipelines/understand.h"
#include "text/tokenizer.h"
#include "../common/tiny_models.h"

using namespace janus;
using janus::test::expect_error;
namespace fs = std::filesystem;

namespace {

struct Loaded {
  std::unique_ptr<ModelBundle> bundle;
  std::unique_ptr<UnderstandingModel> model;
};

const Loaded& loaded(const std::string& name) {
  static std::map<std::string, Loaded> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  Loaded l;
  l.bundle = load_model_bundle(janus::test::tiny_models_dir() / name, true);
  l.model = build_understanding_model(*l.bundle, ops::Precision::F32);
  return cache.emplace(name, std::move(l)).first->second;
}

Image gradient(int w, int h, int seed) {
  Image im;
  im.width = w;
  im.height = h;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) im.rgb.push_back(uint8_t((x * (3 + c) + y * (5 + seed) + seed * 40) & 255));
  return im;
}

UnderstandParams greedy(int64_t n) {
  UnderstandParams p;
  p.max_new_tokens = n;
  return p;
}

std::vector<float> logits_of(UnderstandSession& s, const std::vector<Message>& conv, UnderstandResult* r) {
  std::vector<float> out;
  *r = s.respond(conv, greedy(1), {}, [&](const std::string& n, const Tensor& t) {
    if (n == "logits_0") out.assign(t.f(), t.f() + t.numel());
  });
  return out;
}

struct GoldenCase {
  const char* model;
  const char* golden;
  const char* question;
};

class SessionGolden : public ::testing::TestWithParam<GoldenCase> {};

// The goldens' images live in shared/images (not committed); the case is skipped without them.
TEST_P(SessionGolden, GreedyFp32MatchesPyTorch) {
  REQUIRE_TINY();
  const GoldenCase& g = GetParam();
  const fs::path gdir = janus::test::goldens_dir() / g.golden;
  std::ifstream mf(gdir / "meta.json");
  const auto meta = nlohmann::json::parse(mf);
  const fs::path img = fs::path(JANUS_SOURCE_DIR) / "../shared/images" / meta["images"][0].get<std::string>();
  if (!fs::exists(img)) GTEST_SKIP() << img << " absent";
  const Loaded& l = loaded(g.model);
  UnderstandSession s(*l.bundle, *l.model, ops::Context{});
  std::vector<Message> conv = {{Role::User, g.question, {decode_image_file(img.string())}}};
  std::map<std::string, std::vector<float>> dumps;
  const UnderstandResult r = s.respond(conv, greedy(32), {}, [&](const std::string& n, const Tensor& t) {
    if (n == "logits_0" || n == "image_embeds") dumps[n].assign(t.f(), t.f() + t.numel());
  });
  const std::vector<int64_t> ref_ids = read_npy(gdir / "input_ids.npy").to_i64();
  EXPECT_EQ(r.prompt_tokens, int64_t(ref_ids.size()));
  const std::vector<float> ref_logits = read_npy(gdir / "logits_0.npy").to_f32();
  ASSERT_EQ(dumps["logits_0"].size(), ref_logits.size());
  double max_abs = 0, ref_max = 0;
  for (size_t i = 0; i < ref_logits.size(); ++i) {
    max_abs = std::max(max_abs, double(std::abs(dumps["logits_0"][i] - ref_logits[i])));
    ref_max = std::max(ref_max, double(std::abs(ref_logits[i])));
  }
  EXPECT_LE(max_abs, 1e-4 * ref_max) << "logits_0 differ";
  std::vector<int64_t> ref_out = read_npy(gdir / "output_ids.npy").to_i64();
  std::vector<int64_t> out(r.output_ids.begin(), r.output_ids.end());
  EXPECT_EQ(out, ref_out);
}

INSTANTIATE_TEST_SUITE_P(
    Models, SessionGolden,
    ::testing::Values(GoldenCase{"janus-pro-1b", "pro1b_und_fp32", "Describe this image in detail."},
                      GoldenCase{"janus-1.3b", "j13b_und_fp32", "What is shown in this picture?"},
                      GoldenCase{"janusflow-1.3b", "flow_und_fp32", "How many cats are there?"}),
    [](const auto& info) {
      std::string n = info.param.golden;
      return n.substr(0, n.find('_'));
    });

class SessionTiny : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { REQUIRE_TINY(); }
};

TEST_P(SessionTiny, SecondTurnPrefillsOnlyNewTokensAndMatchesFreshSession) {
  const Loaded& l = loaded(GetParam());
  UnderstandSession chat(*l.bundle, *l.model, ops::Context{});
  std::vector<Message> conv = {{Role::User, "What is in the picture?", {gradient(40, 30, 1)}}};
  const UnderstandResult r1 = chat.respond(conv, greedy(8));
  ASSERT_FALSE(r1.output_ids.empty());
  conv.push_back({Role::Assistant, r1.text, {}});
  conv.push_back({Role::User, "<image_placeholder>\nAnd this one?", {gradient(20, 50, 2)}});
  const int64_t before = chat.forwarded_tokens();
  UnderstandResult r2;
  const std::vector<float> l2 = logits_of(chat, conv, &r2);
  EXPECT_EQ(r2.images_encoded, 1);  // the first image stays in the cache
  EXPECT_GE(r2.reused_tokens, r1.prompt_tokens);
  EXPECT_EQ(r2.prefill_tokens, r2.prompt_tokens - r2.reused_tokens);
  EXPECT_EQ(chat.forwarded_tokens() - before, r2.prefill_tokens);
  EXPECT_LT(r2.prefill_tokens, 578 + 40);  // the new image, the answer's tail and the new question

  UnderstandSession fresh(*l.bundle, *l.model, ops::Context{});
  UnderstandResult f2;
  const std::vector<float> lf = logits_of(fresh, conv, &f2);
  EXPECT_EQ(f2.reused_tokens, 0);
  ASSERT_EQ(l2.size(), lf.size());
  double max_abs = 0, ref_max = 0;
  for (size_t i = 0; i < lf.size(); ++i) {
    max_abs = std::max(max_abs, double(std::abs(l2[i] - lf[i])));
    ref_max = std::max(ref_max, double(std::abs(lf[i])));
  }
  EXPECT_LE(max_abs, 1e-4 * ref_max);  // same sums, possibly blocked differently (fp32 reassociation)
  EXPECT_EQ(chat.respond(conv, greedy(6)).text, fresh.respond(conv, greedy(6)).text);
}

TEST_P(SessionTiny, SameSeedSameTextWithOneOrTwoThreads) {
  const Loaded& l = loaded(GetParam());
  std::vector<Message> conv = {{Role::User, "Tell me about it.", {gradient(64, 64, 3)}}};
  UnderstandParams p = greedy(16);
  p.sampling.temperature = 1.0f;
  p.sampling.top_k = 50;
  p.sampling.top_p = 0.95f;
  p.sampling.seed = 1234;
  std::vector<std::vector<int32_t>> outs;
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    ops::Context ctx;
    ctx.pool = &pool;
    UnderstandSession s(*l.bundle, *l.model, ctx);
    outs.push_back(s.respond(conv, p).output_ids);
  }
  EXPECT_EQ(outs[0], outs[1]);
  EXPECT_EQ(outs[0].size(), 16u);
}

TEST_P(SessionTiny, StopStringsMaxTokensAndErrors) {
  const Loaded& l = loaded(GetParam());
  UnderstandSession s(*l.bundle, *l.model, ops::Context{});
  std::vector<Message> conv = {{Role::User, "Hi", {gradient(8, 8, 4)}}};
  const UnderstandResult full = s.respond(conv, greedy(12));
  EXPECT_EQ(full.output_ids.size(), 12u);
  EXPECT_EQ(full.stop_reason, StopReason::Length);
  EXPECT_EQ(full.text, l.bundle->tokenizer->decode(full.output_ids, true));
  // Stop on the text of a later generated token (a whole, valid piece).
  std::string stop;
  for (size_t k = 2; k < full.output_ids.size() && stop.empty(); ++k) {
    const std::string piece = l.bundle->tokenizer->decode(std::vector<int32_t>{full.output_ids[k]}, true);
    if (!piece.empty() && piece.find("\xEF\xBF\xBD") == std::string::npos) stop = piece;
  }
  ASSERT_FALSE(stop.empty());
  UnderstandParams p = greedy(12);
  p.stop = {stop};
  const UnderstandResult r = s.respond(conv, p);
  EXPECT_EQ(r.stop_reason, StopReason::Stop);
  EXPECT_EQ(r.text, full.text.substr(0, full.text.find(stop)));
  const std::vector<Message> two_tags = {
      {Role::User, "<image_placeholder><image_placeholder>", {gradient(8, 8, 1)}}};
  expect_error([&] { s.respond(two_tags, greedy(4)); }, ErrorKind::InvalidArgument,
               {"2 <image_placeholder> tag(s) but 1 image(s)"});
  const int64_t ctx = l.bundle->config.language.max_position_embeddings;
  expect_error([&] { s.respond(conv, greedy(ctx)); }, ErrorKind::InvalidArgument,
               {"exceed", std::to_string(ctx)});
}

INSTANTIATE_TEST_SUITE_P(Models, SessionTiny, ::testing::Values("janus-pro-1b", "janusflow-1.3b"),
                         [](const auto& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find('-')) +
                                  (n.find("pro") != std::string::npos ? "pro" : "");
                         });

}  // namespace

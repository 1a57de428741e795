// Text-to-image token generation end to end on the tiny random checkpoints: prompts and the first CFG
// logits / greedy codes against the PyTorch goldens (make_goldens.py --kind gen), the seeded streams
// (per-image independence, thread-count independence), temperature 0 determinism, top-k wiring,
// cancellation, and bad input.
#include "pipelines/generate_ar.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/thread_pool.h"
#include "io/npy/npy.h"
#include "models/generation_model.h"
#include "models/model_bundle.h"
#include "pipelines/sampling.h"
#include "text/tokenizer.h"
#include "../common/tiny_models.h"

using namespace janus;
using janus::test::expect_error;
namespace fs = std::filesystem;

namespace {

struct Loaded {
  std::unique_ptr<ModelBundle> bundle;
  std::unique_ptr<GenerationModel> f32, bf16;
};

const Loaded& loaded(const std::string& name) {
  static std::map<std::string, Loaded> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  Loaded l;
  l.bundle = load_model_bundle(janus::test::tiny_models_dir() / name, true);
  l.f32 = build_generation_model(*l.bundle, ops::Precision::F32);
  l.bf16 = build_generation_model(*l.bundle, ops::Precision::BF16);
  return cache.emplace(name, std::move(l)).first->second;
}

ThreadPool& pool(int threads) {
  static std::map<int, std::unique_ptr<ThreadPool>> pools;
  auto& p = pools[threads];
  if (!p) p = std::make_unique<ThreadPool>(threads);
  return *p;
}

ops::Context context(ops::Precision p, int threads = 2) {
  ops::Context c;
  c.pool = &pool(threads);
  c.precision = p;
  return c;
}

GenerateParams params(int n, int steps, float temperature, uint64_t seed = 0) {
  GenerateParams p;
  p.n = n;
  p.image_tokens = steps;
  p.temperature = temperature;
  p.seed = seed;
  return p;
}

GenerateResult run(const std::string& model, const std::string& prompt, const GenerateParams& p,
                   ops::Precision prec = ops::Precision::F32, int threads = 2, const DumpFn& dump = {}) {
  const Loaded& l = loaded(model);
  return generate_tokens(*l.bundle, prec == ops::Precision::F32 ? *l.f32 : *l.bf16, context(prec, threads),
                         prompt, p, dump);
}

std::vector<int32_t> row(const GenerateResult& r, int i, int steps) {
  return {r.tokens.begin() + i * steps, r.tokens.begin() + (i + 1) * steps};
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

// The official multinomial draw: inverse CDF over softmax, index order; NaN/-inf never drawn.
TEST(GenerateDraw, InverseCdfOverSoftmax) {
  const float l[3] = {0.0f, std::log(3.0f), -INFINITY};  // p = 0.25, 0.75, 0
  EXPECT_EQ(draw_code(l, false, 0.0), 0);
  EXPECT_EQ(draw_code(l, false, 0.2499), 0);
  EXPECT_EQ(draw_code(l, false, 0.2501), 1);
  EXPECT_EQ(draw_code(l, false, 0.999999), 1);  // never the -inf code
  const float n[3] = {NAN, 1.0f, NAN};
  for (double u : {0.0, 0.5, 0.99}) EXPECT_EQ(draw_code(n, true, u), 1);
  const float none[2] = {NAN, -INFINITY};
  EXPECT_EQ(draw_code(none, false, 0.5), -1);
  // bf16 probabilities: 1/3 and 2/3 round to 0.333984375 and 0.66796875 (renormalised: 0.3333..).
  const float t[2] = {0.0f, std::log(2.0f)};
  EXPECT_EQ(draw_code(t, true, 0.3333), 0);
  EXPECT_EQ(draw_code(t, true, 0.3338), 1);
  // Empirical frequencies follow the softmax over 4 codes (20000 draws, 5-sigma bound).
  const float f[4] = {0.0f, 1.0f, 2.0f, 0.5f};
  double z = 0, pr[4];
  for (int i = 0; i < 4; ++i) z += std::exp(double(f[i]));
  int count[4] = {0, 0, 0, 0};
  Rng rng(42);
  const int N = 20000;
  for (int k = 0; k < N; ++k) ++count[draw_code(f, false, rng.next_double())];
  for (int i = 0; i < 4; ++i) {
    pr[i] = std::exp(double(f[i])) / z;
    EXPECT_NEAR(count[i] / double(N), pr[i], 5 * std::sqrt(pr[i] * (1 - pr[i]) / N)) << i;
  }
}

class GenerateTiny : public ::testing::Test {
 protected:
  void SetUp() override { REQUIRE_TINY(); }
};

struct GoldenCase {
  const char* golden;
  const char* model;
  const char* ids_json;  // tokenize_prompt.js output (rendered text + HF ids), tests/data/goldens/ids
  const char* prompt;    // the --gen-prompt of tools/reference/regen.sh
  ops::Precision precision;
};
const GoldenCase kGolden[] = {
    {"pro1b_gen_fp32", "janus-pro-1b", "pro_gen.json", "A close-up photo of a red fox in the snow.",
     ops::Precision::F32},
    {"pro1b_gen_bf16", "janus-pro-1b", "pro_gen.json", "A close-up photo of a red fox in the snow.",
     ops::Precision::BF16},
    {"pro7b_gen_fp32", "janus-pro-7b", "pro7_gen.json", "A watercolor painting of a lighthouse.",
     ops::Precision::F32},
};

// Prompt pair, step-0 CFG logits (dump) and the 8 greedy codes of the reference, via generate_tokens.
TEST_F(GenerateTiny, MatchesPyTorchGoldens) {
  for (const GoldenCase& gc : kGolden) {
    SCOPED_TRACE(gc.golden);
    const fs::path dir = janus::test::goldens_dir() / gc.golden;
    std::ifstream in(dir / "meta.json");
    const nlohmann::json mt = nlohmann::json::parse(in);
    std::ifstream jin(janus::test::goldens_dir() / "ids" / gc.ids_json);
    const nlohmann::json ref_ids = nlohmann::json::parse(jin);
    const std::vector<int64_t> codes = read_npy(dir / "gen_codes_greedy.npy").to_i64();
    const int steps = int(codes.size());

    std::map<std::string, Tensor> d;
    GenerateParams p = params(1, steps, 0.0f);
    p.cfg = mt["cfg_weight"].get<float>();
    GenerateResult r = run(gc.model, gc.prompt, p, gc.precision, 2,
                           [&](const std::string& n, const Tensor& t) { d[n] = t; });
    const Loaded& l = loaded(gc.model);
    EXPECT_EQ(build_generation_prompt(*l.bundle, gc.prompt).text, ref_ids["prompt"].get<std::string>());
    const std::vector<int64_t> ids = read_npy(dir / "gen_input_ids.npy").to_i64();
    const std::vector<int64_t> un = read_npy(dir / "gen_uncond_ids.npy").to_i64();
    EXPECT_EQ(std::vector<int64_t>(r.input_ids.begin(), r.input_ids.end()), ids);
    EXPECT_EQ(std::vector<int64_t>(r.uncond_ids.begin(), r.uncond_ids.end()), un);
    ASSERT_TRUE(d.count("input_ids") && d.count("uncond_input_ids") && d.count("cfg_logits_0") &&
                d.count("image_tokens"));
    EXPECT_EQ(d["input_ids"].dtype(), DType::I64);
    EXPECT_EQ(std::vector<int64_t>(d["uncond_input_ids"].data<int64_t>(),
                                   d["uncond_input_ids"].data<int64_t>() + un.size()),
              un);
    ASSERT_EQ(d["cfg_logits_0"].shape(), (std::vector<int64_t>{1, 16384}));
    const std::vector<float> g = read_npy(dir / "gen_logits_cfg_0.npy").to_f32();
    const double e = rel_l2(d["cfg_logits_0"].f(), g);
    std::printf("[golden] %s cfg_logits_0 rel_l2 %.3g\n", gc.golden, e);
    ASSERT_EQ(d["image_tokens"].shape(), (std::vector<int64_t>{1, steps}));
    EXPECT_EQ(r.steps_done, steps);
    EXPECT_FALSE(r.cancelled);
    if (gc.precision == ops::Precision::F32) {
      EXPECT_LE(e, 1e-4);
      // Free-running (not teacher-forced) greedy codes: identical (reference margins ≥ 0.008).
      EXPECT_EQ(std::vector<int64_t>(r.tokens.begin(), r.tokens.end()), codes);
    } else {
      EXPECT_LE(e, 1e-2);
      EXPECT_EQ(r.tokens[0], codes[0]);  // the first code follows from the checked step-0 logits
    }
  }
}

// The official prompt shapes: Janus-1.3B renders plain roles; uncond keeps BOS and the start tag only.
TEST_F(GenerateTiny, PromptsOfJanus13B) {
  const Loaded& l = loaded("janus-1.3b");
  GenerationPrompt gp = build_generation_prompt(*l.bundle, "  a cat on a mat \n");
  EXPECT_EQ(gp.text, "User: a cat on a mat\n\nAssistant:<begin_of_image>");
  const Tokenizer& tok = *l.bundle->tokenizer;
  const int32_t pad = tok.token_id(kGenPadTag);
  ASSERT_GE(pad, 0);
  EXPECT_NE(pad, tok.eos_id());
  ASSERT_EQ(gp.ids.size(), gp.uncond_ids.size());
  const size_t T = gp.ids.size();
  EXPECT_EQ(gp.ids.front(), tok.bos_id());
  EXPECT_EQ(gp.ids.back(), tok.token_id("<begin_of_image>"));
  EXPECT_EQ(gp.uncond_ids.front(), gp.ids.front());
  EXPECT_EQ(gp.uncond_ids.back(), gp.ids.back());
  for (size_t i = 1; i + 1 < T; ++i) EXPECT_EQ(gp.uncond_ids[i], pad) << i;
  EXPECT_EQ(gp.ids, tok.encode(gp.text, true));
}

// n = 3: row pairs are independent, and image i equals the single image generated with seed + i.
TEST_F(GenerateTiny, BatchRowsEqualSingleRuns) {
  const int steps = 12;
  const GenerateResult three = run("janus-pro-1b", "a red bicycle", params(3, steps, 1.0f, 1000));
  ASSERT_EQ(three.tokens.size(), size_t(3 * steps));
  for (int i = 0; i < 3; ++i) {
    const GenerateResult one = run("janus-pro-1b", "a red bicycle", params(1, steps, 1.0f, 1000 + i));
    EXPECT_EQ(row(three, i, steps), row(one, 0, steps)) << "image " << i;
  }
  // Different streams give different images (16384 codes: equal 12-code rows would be a wiring bug).
  EXPECT_NE(row(three, 0, steps), row(three, 1, steps));
  EXPECT_NE(row(three, 1, steps), row(three, 2, steps));
}

// Same seed, same tokens on 1 and 2 threads (bf16 mode, sampling at temperature 1, n = 2).
TEST_F(GenerateTiny, SeedReproducibleAcrossThreadCounts) {
  const GenerateParams p = params(2, 16, 1.0f, 7);
  const GenerateResult a = run("janus-pro-1b", "a lighthouse", p, ops::Precision::BF16, 1);
  const GenerateResult b = run("janus-pro-1b", "a lighthouse", p, ops::Precision::BF16, 2);
  EXPECT_EQ(a.tokens, b.tokens);
  const GenerateResult c = run("janus-pro-1b", "a lighthouse", params(2, 16, 1.0f, 8), ops::Precision::BF16);
  EXPECT_NE(a.tokens, c.tokens);  // the seed matters
}

// Temperature 0 = argmax: repeatable, seed-independent, the same code for every image of a batch;
// top-k 1 at temperature 1 keeps only the argmax, so it must give the same codes.
TEST_F(GenerateTiny, GreedyDeterministicAndTopK1) {
  const int steps = 10;
  const GenerateResult a = run("janus-1.3b", "a bowl of fruit", params(2, steps, 0.0f, 1));
  const GenerateResult b = run("janus-1.3b", "a bowl of fruit", params(2, steps, 0.0f, 99));
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(row(a, 0, steps), row(a, 1, steps));
  GenerateParams k1 = params(1, steps, 1.0f, 5);
  k1.top_k = 1;
  EXPECT_EQ(row(run("janus-1.3b", "a bowl of fruit", k1), 0, steps), row(a, 0, steps));
  // A very small top-p also keeps only the most likely code.
  GenerateParams p1 = params(1, steps, 1.0f, 5);
  p1.top_p = 1e-6f;
  EXPECT_EQ(row(run("janus-1.3b", "a bowl of fruit", p1), 0, steps), row(a, 0, steps));
}

// One full 576-code image on the tiny Janus-Pro-1B: every code a valid index, KV cache to the end.
TEST_F(GenerateTiny, FullImageOf576Codes) {
  int calls = 0, last = 0;
  GenerateParams p = params(1, 576, 1.0f, 12345);
  p.progress = [&](int step, int total) {
    ++calls;
    EXPECT_EQ(total, 576);
    EXPECT_EQ(step, last + 1);
    last = step;
    return true;
  };
  const GenerateResult r = run("janus-pro-1b", "a mountain lake at dawn", p, ops::Precision::BF16);
  ASSERT_EQ(r.tokens.size(), 576u);
  for (int32_t t : r.tokens) ASSERT_TRUE(t >= 0 && t < 16384) << t;
  EXPECT_EQ(calls, 576);
  EXPECT_EQ(r.steps_done, 576);
  std::printf("[timing] tiny Janus-Pro-1B, 576 codes: prefill %.1f ms, steps %.1f ms\n", r.prefill_ms,
              r.steps_ms);
}

// Progress returning false or the cancel flag stops the loop; undone codes stay -1.
TEST_F(GenerateTiny, Cancellation) {
  GenerateParams p = params(2, 20, 1.0f, 3);
  p.progress = [](int step, int) { return step < 3; };
  GenerateResult r = run("janus-pro-1b", "a cat", p);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.steps_done, 3);
  for (int i = 0; i < 2; ++i)
    for (int s = 0; s < 20; ++s) EXPECT_EQ(r.tokens[size_t(i * 20 + s)] < 0, s >= 3) << i << " " << s;
  std::atomic<bool> stop{true};
  GenerateParams q = params(1, 20, 1.0f, 3);
  q.cancel = &stop;
  r = run("janus-pro-1b", "a cat", q);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.steps_done, 0);
}

TEST_F(GenerateTiny, BadInput) {
  auto bad = [&](GenerateParams p, const std::string& field, const std::string& prompt = "a cat") {
    expect_error([&] { run("janus-pro-1b", prompt, p); }, ErrorKind::InvalidArgument, {field});
  };
  bad(params(1, 4, 1.0f), "prompt", "");
  bad(params(1, 4, 1.0f), "prompt", " \n\t ");
  bad(params(0, 4, 1.0f), "generate.n");
  bad(params(17, 4, 1.0f), "generate.n");
  bad(params(1, 0, 1.0f), "generate.image_tokens");
  bad(params(1, 577, 1.0f), "generate.image_tokens");
  bad(params(1, 4, -1.0f), "generate.temperature");
  bad(params(1, 4, NAN), "generate.temperature");
  GenerateParams p = params(1, 4, 1.0f);
  p.cfg = INFINITY;
  bad(p, "generate.cfg");
  p = params(1, 4, 1.0f);
  p.top_p = 0.0f;
  bad(p, "generate.top_p");
  p = params(1, 4, 1.0f);
  p.top_k = -1;
  bad(p, "generate.top_k");
  // A model built for another precision than the context is refused by the LLM.
  const Loaded& l = loaded("janus-pro-1b");
  EXPECT_THROW(generate_tokens(*l.bundle, *l.f32, context(ops::Precision::BF16), "a cat", params(1, 2, 0.0f)),
               Error);
}

// JanusFlow has no image-token head: the token model refuses it clearly. Its prompt (rectified flow)
// ends with <image_beg>; the CFG twin keeps only BOS and pads with EOS (no pad token in its vocabulary).
TEST_F(GenerateTiny, JanusFlowTokenModelRejectedPromptBuilt) {
  auto b = load_model_bundle(janus::test::tiny_models_dir() / "janusflow-1.3b", true);
  expect_error([&] { build_generation_model(*b, ops::Precision::F32); }, ErrorKind::Unsupported,
               {"JanusFlow", "config.json"});
  const GenerationPrompt g = build_generation_prompt(*b, "a cat");
  EXPECT_EQ(g.text, "User: a cat\n\nAssistant:<image_beg>");
  ASSERT_EQ(g.ids.size(), g.uncond_ids.size());
  EXPECT_EQ(g.ids.back(), b->tokenizer->token_id("<image_beg>"));
  EXPECT_EQ(g.uncond_ids[0], g.ids[0]);
  for (size_t i = 1; i < g.uncond_ids.size(); ++i) EXPECT_EQ(g.uncond_ids[i], b->tokenizer->eos_id()) << i;
}

// A tokenizer without <｜▁pad▁｜> cannot build the unconditional prompt: an error, never EOS padding.
TEST_F(GenerateTiny, MissingPadTokenFails) {
  const fs::path src = janus::test::tiny_models_dir() / "janus-pro-1b";
  const fs::path dir = fs::path(JANUS_BINARY_DIR) / ("gen_nopad-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(src))
    if (e.path().extension() == ".json") fs::copy_file(e.path(), dir / e.path().filename());
  {
    std::ifstream in(dir / "tokenizer.json");
    nlohmann::json t = nlohmann::json::parse(in);
    for (auto& a : t["added_tokens"])
      if (a["content"] == kGenPadTag) a["content"] = "<renamed_pad>";
    std::ofstream(dir / "tokenizer.json") << t.dump();
    // As Janus-1.3B's first upload: no pad_token in special_tokens_map.json either (HF would add it).
    std::ifstream sin(dir / "special_tokens_map.json");
    nlohmann::json m = nlohmann::json::parse(sin);
    m.erase("pad_token");
    std::ofstream(dir / "special_tokens_map.json") << m.dump();
  }
  auto b = load_model_bundle(dir, false);
  expect_error([&] { build_generation_prompt(*b, "a cat"); }, ErrorKind::Model, {"tokenizer.json", "pad"});
  fs::remove_all(dir);
}

}  // namespace

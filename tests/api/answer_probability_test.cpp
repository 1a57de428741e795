// janus_answer_probability on tiny random checkpoints: the probabilities equal a softmax of logits
// computed another way (a fresh full-sequence forward through the model internals, no session, no
// KV-cache reuse), lie in [0, 1], sum to at most 1 over distinct first tokens, and bad answers fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../common/tiny_models.h"
#include "io/image/encode_png.h"
#include "io/image/image.h"
#include "io/image/preprocess.h"
#include "janus.h"
#include "models/model_bundle.h"
#include "models/understanding_model.h"
#include "pipelines/prompt.h"
#include "pipelines/understand_backend.h"
#include "text/tokenizer.h"

using namespace janus;
namespace fs = std::filesystem;

namespace {

Image stripes(int w, int h) {
  Image im;
  im.width = w;
  im.height = h;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) im.rgb.push_back(uint8_t(((x / 4) * 37 + y * (c + 1) * 11) & 255));
  return im;
}

// Logits of the position after the rendered prompt, from a full forward of the whole sequence.
std::vector<float> reference_logits(const fs::path& dir, const std::vector<Message>& conv) {
  auto bundle = load_model_bundle(dir, true);
  auto model = build_understanding_model(*bundle, ops::Precision::F32);
  auto backend = make_understand_backend(*model);
  const PromptFormat f = understanding_format(*bundle);
  const Prompt p = build_understanding_prompt(f, *bundle->tokenizer, conv);
  const int64_t T = int64_t(p.ids.size()), H = backend->hidden_size(), R = p.rows_per_image;
  Tensor embeds = Tensor::f32({1, T, H});
  backend->embed(ops::Context{}, p.ids.data(), T, embeds.f());
  std::vector<Image> images;
  for (const Message& m : conv) images.insert(images.end(), m.images.begin(), m.images.end());
  if (!images.empty()) {
    const int64_t S = bundle->preprocessor.image_size;
    ImagePreprocessParams pp;
    pp.image_size = int(S);
    pp.min_size = int(bundle->preprocessor.min_size);
    for (int k = 0; k < 3; ++k) {
      pp.image_mean[k] = bundle->preprocessor.image_mean[size_t(k)];
      pp.image_std[k] = bundle->preprocessor.image_std[size_t(k)];
    }
    pp.rescale_factor = bundle->preprocessor.rescale_factor;
    pp.do_normalize = bundle->preprocessor.do_normalize;
    Tensor pixels = Tensor::f32({int64_t(images.size()), 3, S, S});
    for (size_t k = 0; k < images.size(); ++k) {
      UnderstandingInput in = preprocess_for_understanding(images[k], pp);
      std::copy(in.pixels.begin(), in.pixels.end(), pixels.f() + k * size_t(3 * S * S));
    }
    Tensor rows = backend->image_rows(ops::Context{}, pixels, {});
    for (size_t k = 0; k < images.size(); ++k)
      std::copy(rows.f() + k * R * H, rows.f() + (k + 1) * R * H, embeds.f() + p.image_starts[k] * H);
  }
  KvCache cache = backend->make_cache(T + 1);
  Tensor hidden = backend->forward(ops::Context{}, embeds, cache, /*last_only=*/false, {});
  Tensor all = backend->logits(ops::Context{}, hidden.reshaped({T, H}));
  const int64_t V = backend->vocab_size();
  return std::vector<float>(all.f() + (T - 1) * V, all.f() + T * V);
}

class AnswerProbability : public ::testing::TestWithParam<const char*> {};

TEST_P(AnswerProbability, MatchesSoftmaxOfIndependentLogits) {
  REQUIRE_TINY();
  const fs::path dir = janus::test::tiny_models_dir() / GetParam();
  const fs::path png = fs::path(::testing::TempDir()) / (std::string(GetParam()) + "-stripes.png");
  const Image im = stripes(48, 40);
  write_png_file(png.string(), im, {}, /*overwrite=*/true);

  janus_model_params mp = janus_model_default_params();
  mp.offline = 1;
  janus_model* model = nullptr;
  ASSERT_EQ(janus_model_load(dir.c_str(), &mp, &model), JANUS_OK) << janus_last_error();
  janus_context_params cp = janus_context_default_params();
  cp.precision = JANUS_PRECISION_FP32;
  cp.n_threads = 2;
  janus_context* ctx = nullptr;
  ASSERT_EQ(janus_context_create(model, &cp, &ctx), JANUS_OK) << janus_last_error();

  const std::string q = "<image_placeholder>\nDoes this image show a striped flag? Answer yes or no.";
  const std::string path = png.string();
  janus_image_input img{path.c_str(), nullptr, 0};
  janus_message msg{"user", q.c_str(), &img, 1};
  const char* answers[] = {" Yes", "Yes", " No", "No"};
  float probs[4] = {-1, -1, -1, -1};
  ASSERT_EQ(janus_answer_probability(ctx, &msg, 1, answers, 4, probs), JANUS_OK) << janus_last_error();

  const std::vector<float> logits = reference_logits(dir, {{Role::User, q, {im}}});
  auto bundle = load_model_bundle(dir, false);
  const float mx = *std::max_element(logits.begin(), logits.end());
  double z = 0;
  for (float v : logits) z += std::exp(double(v) - mx);
  std::vector<int32_t> firsts;
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    const std::vector<int32_t> ids = bundle->tokenizer->encode(answers[i], false);
    ASSERT_FALSE(ids.empty());
    const double want = std::exp(double(logits[size_t(ids[0])]) - mx) / z;
    EXPECT_NEAR(probs[i], want, 1e-4 * std::max(want, 1e-3)) << answers[i];
    EXPECT_GE(probs[i], 0.0f);
    EXPECT_LE(probs[i], 1.0f);
    if (std::find(firsts.begin(), firsts.end(), ids[0]) == firsts.end()) {
      firsts.push_back(ids[0]);
      sum += probs[i];
    }
  }
  EXPECT_EQ(firsts.size(), 4u) << "the four spellings are distinct tokens";
  EXPECT_LE(sum, 1.0 + 1e-6);

  // Again on the warm session (KV cache reused up to the question): same numbers.
  float again[4];
  ASSERT_EQ(janus_answer_probability(ctx, &msg, 1, answers, 4, again), JANUS_OK) << janus_last_error();
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(again[i], probs[i], 1e-6 + 1e-4 * probs[i]);

  // An empty answer is refused before any compute, with a message naming it.
  const char* bad[] = {" Yes", ""};
  float out[2];
  EXPECT_EQ(janus_answer_probability(ctx, &msg, 1, bad, 2, out), JANUS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(janus_last_error()).find("answer 1"), std::string::npos) << janus_last_error();
  janus_message wrong{"system", q.c_str(), &img, 1};
  EXPECT_EQ(janus_answer_probability(ctx, &wrong, 1, answers, 1, out), JANUS_ERR_INVALID_ARGUMENT);
  janus_context_free(ctx);
  janus_model_free(model);
}

INSTANTIATE_TEST_SUITE_P(Models, AnswerProbability,
                         ::testing::Values("janus-pro-1b", "janus-1.3b", "janusflow-1.3b"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace

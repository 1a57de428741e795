// UnderstandSession bookkeeping with a fake model whose next-token logits depend on EVERY row in the
// KV cache (a hash of all cached embeddings): stale or missing cache rows change the answer, so
// "reused session == fresh session" checks the prefix reuse exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "models/model_bundle.h"
#include "pipelines/understand.h"
#include "pipelines/understand_backend.h"
#include "text/tokenizer.h"
#include "text/utf8.h"
#include "../common/tiny_models.h"

using namespace janus;
using janus::test::expect_error;

namespace {

constexpr int64_t kH = 4;

uint64_t mix(uint64_t h, uint64_t w) {
  h ^= w + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

class FakeBackend : public UnderstandBackend {
 public:
  FakeBackend(int64_t rows, int64_t vocab, std::vector<int32_t> words, int32_t eos)
      : rows_(rows), vocab_(vocab), words_(std::move(words)), eos_(eos) {}
  int64_t hidden_size() const override { return kH; }
  int64_t vocab_size() const override { return vocab_; }
  int64_t rows_per_image() const override { return rows_; }
  KvCache make_cache(int64_t capacity) const override {
    KvCache c;
    c.batch = 1;
    c.capacity = capacity;
    c.k.push_back(Tensor::f32({1, capacity, 1, kH}));
    c.v.push_back(Tensor::f32({1, capacity, 1, kH}));
    return c;
  }
  void embed(const ops::Context&, const int32_t* ids, int64_t n, float* out) const override {
    for (int64_t i = 0; i < n; ++i) {
      out[i * kH + 0] = std::sin(float(ids[i]) * 0.1f);
      out[i * kH + 1] = std::cos(float(ids[i]) * 0.37f);
      out[i * kH + 2] = float(ids[i] % 7);
      out[i * kH + 3] = 1;
    }
  }
  Tensor image_rows(const ops::Context&, const Tensor& pixels, const DumpFn&) const override {
    const int64_t n = pixels.dim(0), per = pixels.numel() / n;
    Tensor r = Tensor::f32({n * rows_, kH});
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < per; ++j) sum += pixels.f()[i * per + j] * double(j % 13 + 1);
      for (int64_t k = 0; k < rows_; ++k) {
        float* row = r.f() + (i * rows_ + k) * kH;
        row[0] = float(sum * 1e-3);
        row[1] = float(k);
        row[2] = -1;
        row[3] = 2;
      }
    }
    images_encoded += n;
    return r;
  }
  Tensor forward(const ops::Context&, const Tensor& embeds, KvCache& cache, bool last_only,
                 const DumpFn&) const override {
    EXPECT_TRUE(last_only);
    const int64_t T = embeds.dim(1);
    EXPECT_LE(cache.len + T, cache.capacity);
    std::memcpy(cache.k[0].f() + cache.len * kH, embeds.f(), size_t(T * kH) * 4);
    std::memcpy(cache.v[0].f() + cache.len * kH, embeds.f(), size_t(T * kH) * 4);
    cache.len += T;
    uint64_t h = 0;  // every cached row, in order
    for (int64_t i = 0; i < cache.len * kH; ++i) {
      uint32_t bits;
      std::memcpy(&bits, cache.k[0].f() + i, 4);
      h = mix(h, bits);
    }
    Tensor out = Tensor::f32({1, 1, kH});
    for (int k = 0; k < 4; ++k) out.f()[k] = float((h >> (16 * k)) & 0xFFFF);  // exact in f32
    return out;
  }
  Tensor logits(const ops::Context&, const Tensor& hidden) const override {
    uint64_t h = 0;
    for (int k = 0; k < 4; ++k) h |= uint64_t(hidden.f()[k]) << (16 * k);
    Tensor l = Tensor::f32({1, vocab_});
    for (int64_t i = 0; i < vocab_; ++i) l.f()[i] = -50;
    for (size_t j = 0; j < words_.size(); ++j) l.f()[words_[j]] = float(mix(h, j) % 1000) / 250.0f;
    l.f()[eos_] = eos_logit;
    return l;
  }
  float eos_logit = -100;
  mutable int64_t images_encoded = 0;

 private:
  int64_t rows_, vocab_;
  std::vector<int32_t> words_;
  int32_t eos_;
};

Image image(uint8_t seed, int w = 5, int h = 3) {
  Image im;
  im.width = w;
  im.height = h;
  for (int i = 0; i < w * h * 3; ++i) im.rgb.push_back(uint8_t(seed * 31 + i * 7));
  return im;
}

class SessionFake : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_TINY();
    bundle_ = load_model_bundle(janus::test::tiny_models_dir() / model(), false);
    const Tokenizer& tok = *bundle_->tokenizer;
    std::vector<int32_t> words;
    for (const char* w : {" cat", " dog", " sat", " on", " the", " mat", ".", " red", " blue", " and", " a"})
      words.push_back(tok.encode(w, false).at(0));
    backend_ = std::make_shared<FakeBackend>(understanding_format(*bundle_).rows_per_image(), 102400, words,
                                             tok.eos_id());
  }
  virtual std::string model() const { return "janus-pro-1b"; }
  UnderstandSession session() { return UnderstandSession(*bundle_, backend_, ops::Context{}); }
  std::unique_ptr<ModelBundle> bundle_;
  std::shared_ptr<FakeBackend> backend_;
};

UnderstandParams greedy(int64_t n) {
  UnderstandParams p;
  p.max_new_tokens = n;
  return p;
}

TEST_F(SessionFake, MultiTurnReusesTheCacheAndEqualsAFreshSession) {
  UnderstandSession chat = session();
  std::vector<Message> conv = {{Role::User, "What is this?", {image(1)}}};
  const UnderstandResult r1 = chat.respond(conv, greedy(6));
  EXPECT_EQ(r1.stop_reason, StopReason::Length);
  ASSERT_EQ(r1.output_ids.size(), 6u);
  EXPECT_EQ(r1.reused_tokens, 0);
  EXPECT_EQ(r1.prefill_tokens, r1.prompt_tokens);
  EXPECT_EQ(r1.images_encoded, 1);
  EXPECT_EQ(chat.cached_tokens(), r1.prompt_tokens + 5);  // the last token was never fed back
  EXPECT_EQ(chat.forwarded_tokens(), r1.prompt_tokens + 5);

  conv.push_back({Role::Assistant, r1.text, {}});
  conv.push_back({Role::User, "And the colour?", {}});
  const int64_t before = chat.forwarded_tokens();
  const UnderstandResult r2 = chat.respond(conv, greedy(6));
  // The answer re-tokenizes to the generated ids, so everything cached is reused: prompt 1 and the
  // fed-back answer tokens. Only the new text (last answer token, EOS, next user turn) is prefilled.
  EXPECT_EQ(r2.reused_tokens, r1.prompt_tokens + 5);
  EXPECT_EQ(r2.prefill_tokens, r2.prompt_tokens - r2.reused_tokens);
  EXPECT_LT(r2.prefill_tokens, 30);
  EXPECT_EQ(r2.images_encoded, 0);
  EXPECT_EQ(chat.forwarded_tokens() - before, r2.prefill_tokens + int64_t(r2.output_ids.size()) - 1);

  UnderstandSession fresh = session();
  const UnderstandResult f2 = fresh.respond(conv, greedy(6));
  EXPECT_EQ(f2.reused_tokens, 0);
  EXPECT_EQ(f2.output_ids, r2.output_ids);
  EXPECT_EQ(f2.text, r2.text);

  // A changed image in the first turn invalidates the cache from that image on.
  std::vector<Message> conv3 = conv;
  conv3[0].images[0] = image(2);
  const int64_t encoded = backend_->images_encoded;
  const UnderstandResult r3 = chat.respond(conv3, greedy(6));
  const Prompt p3 = build_understanding_prompt(chat.format(), *bundle_->tokenizer, conv3);
  EXPECT_EQ(r3.reused_tokens, p3.image_starts[0]);
  EXPECT_EQ(r3.images_encoded, 1);
  EXPECT_EQ(backend_->images_encoded - encoded, 1);
  UnderstandSession fresh3 = session();
  EXPECT_EQ(fresh3.respond(conv3, greedy(6)).output_ids, r3.output_ids);

  // Going back to an edited earlier text: reuse stops at the first differing id.
  std::vector<Message> conv4 = {{Role::User, "What is that?", {image(2)}}};
  const UnderstandResult r4 = chat.respond(conv4, greedy(4));
  const Prompt p4 = build_understanding_prompt(chat.format(), *bundle_->tokenizer, conv4);
  size_t diff = 0;
  while (p4.ids[diff] == p3.ids[diff]) ++diff;
  EXPECT_GT(int64_t(diff), p3.image_starts[0] + 576);  // the image is kept: only the question changed
  EXPECT_EQ(r4.reused_tokens, int64_t(diff));
  EXPECT_EQ(r4.images_encoded, 0);
  UnderstandSession fresh4 = session();
  EXPECT_EQ(fresh4.respond(conv4, greedy(4)).output_ids, r4.output_ids);

  chat.reset();
  EXPECT_EQ(chat.cached_tokens(), 0);
  EXPECT_EQ(chat.respond(conv4, greedy(4)).reused_tokens, 0);
}

TEST_F(SessionFake, SameRequestTwiceReusesAllButTheLastPosition) {
  UnderstandSession chat = session();
  std::vector<Message> conv = {{Role::User, "Hi", {}}};
  const UnderstandResult a = chat.respond(conv, greedy(3));
  const UnderstandResult b = chat.respond(conv, greedy(3));
  EXPECT_EQ(b.reused_tokens, a.prompt_tokens - 1);  // at least one position runs, for the logits
  EXPECT_EQ(b.prefill_tokens, 1);
  EXPECT_EQ(a.output_ids, b.output_ids);
}

TEST_F(SessionFake, StreamsPiecesThatAddUpAndStopsOnStopStrings) {
  UnderstandSession chat = session();
  std::vector<Message> conv = {{Role::User, "Describe.", {image(3)}}};
  UnderstandParams p = greedy(40);
  std::string streamed;
  const UnderstandResult full = chat.respond(conv, p, [&](std::string_view s) {
    EXPECT_EQ(text::utf8_first_invalid(s), text::kUtf8Valid);
    streamed += s;
    return true;
  });
  EXPECT_EQ(streamed, full.text);
  EXPECT_EQ(full.text, bundle_->tokenizer->decode(full.output_ids, true));
  ASSERT_EQ(full.output_ids.size(), 40u);
  // Stop on a word the greedy answer contains: same tokens up to there, text cut before it.
  const std::string word = bundle_->tokenizer->decode(std::vector<int32_t>{full.output_ids[5]}, true);
  const size_t at = full.text.find(word);
  p.stop = {word};
  streamed.clear();
  const UnderstandResult r = chat.respond(conv, p, [&](std::string_view s) {
    streamed += s;
    return true;
  });
  EXPECT_EQ(r.stop_reason, StopReason::Stop);
  EXPECT_EQ(r.text, full.text.substr(0, at));
  EXPECT_EQ(streamed, r.text);
  EXPECT_LE(r.output_ids.size(), 6u);
  EXPECT_TRUE(std::equal(r.output_ids.begin(), r.output_ids.end(), full.output_ids.begin()));
}

TEST_F(SessionFake, EosCancelAndMaxTokens) {
  UnderstandSession chat = session();
  std::vector<Message> conv = {{Role::User, "Hello", {}}};
  EXPECT_EQ(chat.respond(conv, greedy(7)).output_ids.size(), 7u);
  backend_->eos_logit = 100;
  UnderstandResult r = chat.respond(conv, greedy(7));
  EXPECT_EQ(r.stop_reason, StopReason::Eos);
  EXPECT_EQ(r.output_ids, std::vector<int32_t>{bundle_->tokenizer->eos_id()});
  EXPECT_EQ(r.text, "");
  backend_->eos_logit = -100;
  int calls = 0;
  r = chat.respond(conv, greedy(20), [&](std::string_view) { return ++calls < 3; });
  EXPECT_EQ(r.stop_reason, StopReason::Cancelled);
  EXPECT_EQ(calls, 3);
  std::atomic<bool> stop{true};
  UnderstandParams p = greedy(20);
  p.cancel = &stop;
  r = chat.respond(conv, p);
  EXPECT_EQ(r.stop_reason, StopReason::Cancelled);
  EXPECT_TRUE(r.output_ids.empty());
  // The session stays usable and consistent after cancellations.
  UnderstandSession fresh = session();
  EXPECT_EQ(chat.respond(conv, greedy(5)).output_ids, fresh.respond(conv, greedy(5)).output_ids);
}

TEST_F(SessionFake, SeededSamplingIsReproducible) {
  UnderstandSession chat = session();
  std::vector<Message> conv = {{Role::User, "Tell me a story.", {}}};
  UnderstandParams p = greedy(24);
  p.sampling.temperature = 1.0f;
  p.sampling.top_p = 0.9f;
  p.sampling.seed = 42;
  const UnderstandResult a = chat.respond(conv, p);
  const UnderstandResult b = session().respond(conv, p);
  EXPECT_EQ(a.output_ids, b.output_ids);
  p.sampling.seed = 43;
  EXPECT_NE(chat.respond(conv, p).output_ids, a.output_ids);
}

TEST_F(SessionFake, BadRequestsLeaveTheCacheAlone) {
  UnderstandSession chat = session();
  std::vector<Message> conv = {{Role::User, "Hi", {}}};
  chat.respond(conv, greedy(3));
  const int64_t cached = chat.cached_tokens();
  expect_error(
      [&] {
        chat.respond({{{Role::User, "<image_placeholder> x", {}}}}, greedy(3));
      },
      ErrorKind::InvalidArgument, {"tag(s) but 0 image(s)"});
  expect_error([&] { chat.respond(conv, greedy(16384)); }, ErrorKind::InvalidArgument, {"exceed", "16384"});
  expect_error([&] { chat.respond(conv, greedy(0)); }, ErrorKind::InvalidArgument, {"max_new_tokens"});
  UnderstandParams p = greedy(3);
  p.sampling.top_p = 2;
  expect_error([&] { chat.respond(conv, p); }, ErrorKind::InvalidArgument, {"top_p"});
  p = greedy(3);
  p.stop = {""};
  expect_error([&] { chat.respond(conv, p); }, ErrorKind::InvalidArgument, {"stop[0]"});
  EXPECT_EQ(chat.cached_tokens(), cached);
  // Past the trained 4096 positions: a warning, not an error.
  const UnderstandResult w = chat.respond(conv, greedy(4096));
  ASSERT_EQ(w.warnings.size(), 1u);
  EXPECT_NE(w.warnings[0].find("4096"), std::string::npos);
}

TEST_F(SessionFake, DumpsNamedTensors) {
  UnderstandSession chat = session();
  std::vector<Message> conv = {{Role::User, "Two.", {image(4), image(5, 3, 7)}}};
  std::map<std::string, Tensor> seen;
  const UnderstandResult r =
      chat.respond(conv, greedy(3), {}, [&](const std::string& n, const Tensor& t) { seen[n] = t; });
  ASSERT_TRUE(seen.count("input_ids"));
  EXPECT_EQ(seen["input_ids"].dtype(), DType::I64);
  EXPECT_EQ(seen["input_ids"].shape(), std::vector<int64_t>{r.prompt_tokens});
  const Prompt p = build_understanding_prompt(chat.format(), *bundle_->tokenizer, conv);
  for (size_t i = 0; i < p.ids.size(); ++i) ASSERT_EQ(seen["input_ids"].data<int64_t>()[i], p.ids[i]);
  EXPECT_EQ(seen["pixel_values"].shape(), (std::vector<int64_t>{2, 3, 384, 384}));
  EXPECT_EQ(seen["logits_0"].shape(), std::vector<int64_t>{102400});
  EXPECT_EQ(seen["output_ids"].shape(), std::vector<int64_t>{3});
  // The dump shows every image of the conversation even when the cache covers them.
  seen.clear();
  conv.push_back({Role::Assistant, r.text, {}});
  conv.push_back({Role::User, "More.", {}});
  const UnderstandResult r2 =
      chat.respond(conv, greedy(3), {}, [&](const std::string& n, const Tensor& t) { seen[n] = t; });
  EXPECT_EQ(r2.images_encoded, 0);
  EXPECT_EQ(seen["pixel_values"].dim(0), 2);
}

class SessionFakeFlow : public SessionFake {
  std::string model() const override { return "janusflow-1.3b"; }
};

TEST_F(SessionFakeFlow, ImageRowsStartAtTheStartTag) {
  UnderstandSession chat = session();
  std::vector<Message> conv = {{Role::User, "Cats?", {image(1)}}};
  const UnderstandResult r1 = chat.respond(conv, greedy(4));
  const Prompt p = build_understanding_prompt(chat.format(), *bundle_->tokenizer, conv);
  EXPECT_EQ(p.rows_per_image, 577);
  EXPECT_EQ(p.ids[size_t(p.image_starts[0])], chat.format().image_start);
  std::vector<Message> conv2 = conv;
  conv2[0].images[0] = image(9);
  const UnderstandResult r2 = chat.respond(conv2, greedy(4));
  EXPECT_EQ(r2.reused_tokens, p.image_starts[0]);  // the start tag's row belongs to the image
  EXPECT_EQ(session().respond(conv2, greedy(4)).output_ids, r2.output_ids);
  (void)r1;
}

}  // namespace

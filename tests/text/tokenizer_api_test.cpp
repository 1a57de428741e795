// Tokenizer API: folder loading (config files, processor tags), ids, decode details, bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "text/tokenizer.h"

namespace {

const std::string kModels = std::string(JANUS_SOURCE_DIR) + "/../shared/models";
const std::string kData = std::string(JANUS_SOURCE_DIR) + "/tests/data/tokenizer";

#define REQUIRE_MODELS() \
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent"

// Processor tags per model, as tools/tokenizer_ref/make_expected.js recorded them from HF.
nlohmann::json processor_ref() {
  std::ifstream f(kData + "/processor.json");
  return nlohmann::json::parse(f);
}

TEST(TokenizerFolder, ProcessorTagsGetHuggingFaceIds) {
  REQUIRE_MODELS();
  const auto ref = processor_ref();
  for (const auto& [model, r] : ref.items()) {
    const auto tags = r["tags"].get<std::vector<std::string>>();
    auto tok = janus::Tokenizer::from_folder(kModels + "/" + model, tags);
    for (const auto& [tag, id] : r["ids"].items()) {
      EXPECT_EQ(tok->token_id(tag), id.get<int32_t>()) << model << " " << tag;
      EXPECT_TRUE(tok->is_special(id.get<int32_t>())) << model << " " << tag;
    }
    EXPECT_EQ(tok->size(), r["vocab_size_with_added_after"].get<int32_t>()) << model;
    for (const auto& e : r["encoded"]) {
      EXPECT_EQ(tok->encode(e["text"].get<std::string>(), false), e["ids"].get<std::vector<int32_t>>())
          << model;
    }
  }
}

TEST(TokenizerFolder, Janus13BAppendsImagePlaceholderAtHighestPlusOne) {
  REQUIRE_MODELS();
  auto plain = janus::Tokenizer::from_folder(kModels + "/Janus-1.3B");
  EXPECT_EQ(plain->token_id("<image_placeholder>"), -1);  // absent from the file, as on the hub
  EXPECT_EQ(plain->size(), 100594);
  auto tok = janus::Tokenizer::from_folder(kModels + "/Janus-1.3B", {"<image_placeholder>"});
  EXPECT_EQ(tok->token_id("<image_placeholder>"), 100594);
  EXPECT_EQ(tok->size(), 100595);
  EXPECT_EQ(tok->encode("a<image_placeholder>b", false), (std::vector<int32_t>{64, 100594, 65}));
  // Tags already present keep their id and add nothing.
  auto again =
      janus::Tokenizer::from_folder(kModels + "/Janus-1.3B", {"<begin_of_image>", "<image_placeholder>"});
  EXPECT_EQ(again->token_id("<begin_of_image>"), 100016);
  EXPECT_EQ(again->token_id("<image_placeholder>"), 100594);
}

TEST(TokenizerFolder, SpecialIdsFromConfigFiles) {
  REQUIRE_MODELS();
  auto j13 = janus::Tokenizer::from_folder(kModels + "/Janus-1.3B");
  EXPECT_EQ(j13->bos_id(), 100000);
  EXPECT_EQ(j13->eos_id(), 100001);
  EXPECT_EQ(j13->pad_id(), 100015);
  EXPECT_TRUE(j13->add_bos_token());
  auto pro = janus::Tokenizer::from_folder(kModels + "/Janus-Pro-1B");
  EXPECT_EQ(pro->pad_id(), 100002);
  EXPECT_EQ(pro->token_id("<|User|>"), 100588);
  EXPECT_EQ(pro->token_id("<image_placeholder>"), 100581);
  auto flow = janus::Tokenizer::from_folder(kModels + "/JanusFlow-1.3B");
  EXPECT_EQ(flow->pad_id(), -1);  // no pad token: the processor falls back to EOS itself
  EXPECT_EQ(flow->eos_id(), 100001);
  EXPECT_EQ(flow->token_id("<\xEF\xBD\x9C"
                           "begin\xE2\x96\x81of\xE2\x96\x81generation\xEF\xBD\x9C>"),
            100016);
}

// janus.md §4.2 unit test (Pro-1B tokenizer, BOS added).
TEST(TokenizerEncode, HelloHowAreYou) {
  REQUIRE_MODELS();
  auto tok = janus::Tokenizer::from_folder(kModels + "/Janus-Pro-1B");
  EXPECT_EQ(tok->encode("Hello, how are you?"), (std::vector<int32_t>{100000, 17464, 11, 946, 418, 340, 30}));
  EXPECT_EQ(tok->encode("Hello, how are you?", false), (std::vector<int32_t>{17464, 11, 946, 418, 340, 30}));
  EXPECT_EQ(tok->encode(""), (std::vector<int32_t>{100000}));
}

// janus.md §5.2: "\n\nUser: <image_placeholder>" gives 185, 185, 5726, 25, 207, <tag>.
TEST(TokenizerEncode, UnderstandingPromptPieces) {
  REQUIRE_MODELS();
  auto tok = janus::Tokenizer::from_folder(kModels + "/Janus-1.3B", {"<image_placeholder>"});
  EXPECT_EQ(tok->encode("\n\nUser: <image_placeholder>", false),
            (std::vector<int32_t>{185, 185, 5726, 25, 207, 100594}));
  const auto ids = tok->encode("x\n\nAssistant:", false);
  ASSERT_GE(ids.size(), 2u);
  EXPECT_EQ(ids[ids.size() - 2], 77398);
  EXPECT_EQ(ids.back(), 25);
}

TEST(TokenizerDecode, PiecesTokensAndRanges) {
  REQUIRE_MODELS();
  auto tok = janus::Tokenizer::from_file(kModels + "/Janus-1.3B/tokenizer.json");
  EXPECT_EQ(tok->token(17464), "Hello");
  EXPECT_EQ(tok->token_id("Hello"), 17464);
  EXPECT_EQ(tok->token_id("no such token here"), -1);
  EXPECT_EQ(tok->piece(207), " ");  // "Ġ"
  EXPECT_EQ(tok->token(207), "\xC4\xA0");
  // "😀" is 4 bytes; byte tokens decode to raw bytes, and a lone one to U+FFFD.
  const auto ids = tok->encode("\xF0\x9F\x98\x80", false);
  std::string joined;
  for (int32_t id : ids) joined += tok->piece(id);
  EXPECT_EQ(joined, "\xF0\x9F\x98\x80");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{ids[0]}), std::string("\xEF\xBF\xBD"));
  // Ids past the vocabulary (lm_head has 102400 rows) decode as nothing.
  EXPECT_EQ(tok->decode(std::vector<int32_t>{17464, 102399, -5, 1 << 30}), "Hello");
  EXPECT_EQ(tok->piece(102399), "");
  EXPECT_FALSE(tok->is_special(102399));
  EXPECT_TRUE(tok->is_special(100001));
  EXPECT_FALSE(tok->is_special(100002));  // "ø" is an added, non-special token
  EXPECT_EQ(tok->decode(std::vector<int32_t>{100000, 17464, 100001}, true), "Hello");
}

// ------------------------------------------------------------------ bad input

std::string small_json(const std::string& pre = "null", const std::string& model_extra = "") {
  return R"({"version":"1.0","added_tokens":[],"normalizer":null,"pre_tokenizer":)" + pre +
         R"(,"post_processor":null,"decoder":{"type":"ByteLevel"},"model":{"type":"BPE",)" + model_extra +
         R"("vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}})";
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const janus::Error& e) {
    return e.what();
  }
  return "";
}

TEST(TokenizerErrors, ClearMessages) {
  EXPECT_EQ(janus::Tokenizer::from_json(small_json(), "t.json")->encode("abba", false),
            (std::vector<int32_t>{2, 1, 0}));  // a b b a -> ab b a

  EXPECT_NE(error_of([] { janus::Tokenizer::from_json("{ not json", "bad.json"); }).find("bad.json"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { janus::Tokenizer::from_json(R"({"added_tokens":[]})", "m.json"); }).find("m.json.model"),
      std::string::npos);
  const std::string unknown_pre =
      error_of([] { janus::Tokenizer::from_json(small_json(R"({"type":"Frobnicate"})"), "p.json"); });
  EXPECT_NE(unknown_pre.find("p.json:pre_tokenizer.type"), std::string::npos) << unknown_pre;
  EXPECT_NE(unknown_pre.find("Frobnicate"), std::string::npos);
  const std::string bad_regex = error_of([] {
    janus::Tokenizer::from_json(
        small_json(R"({"type":"Split","pattern":{"Regex":"([a-"},"behavior":"Isolated"})"), "r.json");
  });
  EXPECT_NE(bad_regex.find("r.json:pre_tokenizer.pattern.Regex"), std::string::npos) << bad_regex;
  const std::string bad_merge = error_of([] {
    janus::Tokenizer::from_json(R"({"model":{"type":"BPE","vocab":{"a":0},"merges":["a c"]}})", "g.json");
  });
  EXPECT_NE(bad_merge.find("g.json:model.merges[0]"), std::string::npos) << bad_merge;
  EXPECT_NE(error_of([] {
              janus::Tokenizer::from_json(R"({"model":{"type":"BPE","vocab":{"a":4000000000},"merges":[]}})",
                                          "i.json");
            }).find("out of range"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              janus::Tokenizer::from_json(
                  R"({"normalizer":{"type":"NFKC"},"model":{"vocab":{},"merges":[]}})", "n.json");
            }).find("NFKC"),
            std::string::npos);
  EXPECT_NE(error_of([] { janus::Tokenizer::from_file("/nonexistent/tokenizer.json"); }).find("/nonexistent"),
            std::string::npos);

  auto tok = janus::Tokenizer::from_json(small_json(), "t.json");
  const std::string utf8 = error_of([&] { tok->encode(std::string("ab\xC3\x28", 4), false); });
  EXPECT_NE(utf8.find("byte offset 2"), std::string::npos) << utf8;
  EXPECT_NE(error_of([&] { tok->encode("ab", true); }).find("BOS"),
            std::string::npos);  // no BOS in this file
}

// Merges written as [a, b] pairs load the same model as "a b" strings.
TEST(TokenizerLoad, MergesAsPairs) {
  auto pairs = janus::Tokenizer::from_json(
      R"({"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"c":3,"abc":4},"merges":[["a","b"],["ab","c"]]}})",
      "p");
  EXPECT_EQ(pairs->encode("abcab", false), (std::vector<int32_t>{4, 2}));
}

}  // namespace

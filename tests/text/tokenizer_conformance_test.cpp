// Compares janus::Tokenizer with Hugging Face `tokenizers` 0.23.2 on the committed corpus
// (tests/data/tokenizer, made by tools/tokenizer_ref/make_expected.js) and with llama.cpp's
// DeepSeek-LLM vectors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "text/tokenizer.h"

namespace {

const std::string kModels = std::string(JANUS_SOURCE_DIR) + "/../shared/models";
const std::string kData = std::string(JANUS_SOURCE_DIR) + "/tests/data/tokenizer";

#define REQUIRE_MODELS() \
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent"

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) {
    if (!l.empty()) lines.push_back(l);
  }
  return lines;
}

std::string show(const std::vector<int32_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, MatchesHuggingFaceOnCorpus) {
  REQUIRE_MODELS();
  const std::string model = GetParam();
  auto tok = janus::Tokenizer::from_file(kModels + "/" + model + "/tokenizer.json");
  const auto corpus = read_lines(kData + "/corpus.jsonl");
  const auto expected = read_lines(kData + "/expected_" + model + ".jsonl");
  ASSERT_GE(corpus.size(), 2000u);
  ASSERT_EQ(expected.size(), corpus.size() + 1);
  const auto header = nlohmann::json::parse(expected[0]);
  const auto prefix = header["template_prefix"].get<std::vector<int32_t>>();
  ASSERT_TRUE(header["template_suffix"].empty());
  ASSERT_EQ(prefix, std::vector<int32_t>{tok->bos_id()});  // the file's template is [BOS] $A

  int bad_ids = 0, bad_bos = 0, bad_decode = 0, bad_decode_skip = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const std::string text = nlohmann::json::parse(corpus[i]).get<std::string>();
    const auto rec = nlohmann::json::parse(expected[i + 1]);
    const auto want = rec["ids"].get<std::vector<int32_t>>();
    const auto got = tok->encode(text, false);
    if (got != want && ++bad_ids <= 5) {
      ADD_FAILURE() << model << " case " << i << " " << corpus[i] << "\n got " << show(got) << "\nwant "
                    << show(want);
    }
    std::vector<int32_t> with_bos = prefix;
    with_bos.insert(with_bos.end(), want.begin(), want.end());
    if (tok->encode(text, true) != with_bos) ++bad_bos;
    const std::string d = rec.contains("d") ? rec["d"].get<std::string>() : text;
    const std::string ds = rec.contains("ds") ? rec["ds"].get<std::string>() : text;
    if (tok->decode(want, false) != d && ++bad_decode <= 5) {
      ADD_FAILURE() << model << " decode case " << i << " " << corpus[i] << "\n got "
                    << nlohmann::json(tok->decode(want, false));
    }
    if (tok->decode(want, true) != ds && ++bad_decode_skip <= 5) {
      ADD_FAILURE() << model << " decode(skip) case " << i << " " << corpus[i];
    }
  }
  EXPECT_EQ(bad_ids, 0);
  EXPECT_EQ(bad_bos, 0);
  EXPECT_EQ(bad_decode, 0);
  EXPECT_EQ(bad_decode_skip, 0);
}

// decode(encode(s)) == s wherever HF round-trips too (it does not for the added single-character
// tokens such as "ü", which the ByteLevel decoder turns into U+FFFD).
TEST_P(Conformance, DecodeRoundTrip) {
  REQUIRE_MODELS();
  const std::string model = GetParam();
  auto tok = janus::Tokenizer::from_file(kModels + "/" + model + "/tokenizer.json");
  const auto corpus = read_lines(kData + "/corpus.jsonl");
  const auto expected = read_lines(kData + "/expected_" + model + ".jsonl");
  size_t checked = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    if (nlohmann::json::parse(expected[i + 1]).contains("d")) continue;
    const std::string text = nlohmann::json::parse(corpus[i]).get<std::string>();
    EXPECT_EQ(tok->decode(tok->encode(text, false)), text) << corpus[i];
    ++checked;
  }
  EXPECT_GT(checked, corpus.size() / 2);
}

INSTANTIATE_TEST_SUITE_P(Models, Conformance,
                         ::testing::Values("Janus-1.3B", "Janus-Pro-1B", "JanusFlow-1.3B"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

// llama.cpp's ggml-vocab-deepseek-llm.gguf.inp/.out (HF encode without special tokens).
void check_llama_vectors(const std::string& model, int expect_mismatches, const std::string& mismatch_text) {
  const std::string dir = kModels + "/deepseek-llm-tokenizer-ref/";
  std::ifstream fi(dir + "ggml-vocab-deepseek-llm.gguf.inp", std::ios::binary);
  std::stringstream si;
  si << fi.rdbuf();
  const std::string inp = si.str();
  std::vector<std::string> tests;
  const std::string sep = "\n__ggml_vocab_test__\n";
  for (size_t pos = 0;;) {
    const size_t next = inp.find(sep, pos);
    if (next == std::string::npos) break;
    tests.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  const auto outs = [&] {
    std::ifstream fo(dir + "ggml-vocab-deepseek-llm.gguf.out");
    std::vector<std::string> v;
    for (std::string l; std::getline(fo, l);) v.push_back(l);
    return v;
  }();
  // 46 strings, each followed by the separator (expected.md counts 47 with the empty tail).
  ASSERT_EQ(tests.size(), 46u);
  ASSERT_EQ(outs.size(), tests.size());
  auto tok = janus::Tokenizer::from_file(kModels + "/" + model + "/tokenizer.json");
  int mismatches = 0;
  for (size_t i = 0; i < tests.size(); ++i) {
    std::vector<int32_t> want;
    std::istringstream ss(outs[i]);
    for (int32_t id; ss >> id;) want.push_back(id);
    const auto got = tok->encode(tests[i], false);
    if (got != want) {
      ++mismatches;
      EXPECT_EQ(tests[i], mismatch_text)
          << "unexpected mismatch: got " << show(got) << " want " << show(want);
    }
  }
  EXPECT_EQ(mismatches, expect_mismatches);
}

TEST(LlamaCppVectors, Janus13B) {
  REQUIRE_MODELS();
  check_llama_vectors("Janus-1.3B", 0, "");
}

// The Pro-1B layout has no added "ü" token (SOURCES.md), so only "Führer" differs.
TEST(LlamaCppVectors, JanusPro1BDiffersOnlyOnFuhrer) {
  REQUIRE_MODELS();
  check_llama_vectors("Janus-Pro-1B", 1, "F\xC3\xBChrer");
}

}  // namespace

// The Janus-1.3B vocabulary under other pre-tokenizer / normalizer / added-token / model settings,
// compared with HF `tokenizers` (tests/data/tokenizer/variants.json, tools/tokenizer_ref/make_variants.js).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "text/tokenizer.h"

namespace {

const std::string kModels = std::string(JANUS_SOURCE_DIR) + "/../shared/models";
const std::string kData = std::string(JANUS_SOURCE_DIR) + "/tests/data/tokenizer";

TEST(TokenizerVariants, MatchHuggingFace) {
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent";
  std::ifstream fb(kModels + "/Janus-1.3B/tokenizer.json");
  const nlohmann::json base = nlohmann::json::parse(fb);
  std::ifstream fv(kData + "/variants.json");
  const nlohmann::json variants = nlohmann::json::parse(fv);
  ASSERT_GE(variants.size(), 9u);
  for (const auto& [name, v] : variants.items()) {
    nlohmann::json j = base;
    const auto& patch = v["patch"];
    if (patch.contains("pre_tokenizer")) j["pre_tokenizer"] = patch["pre_tokenizer"];
    if (patch.contains("normalizer")) j["normalizer"] = patch["normalizer"];
    if (patch.contains("extra_added")) {
      for (const auto& t : patch["extra_added"]) j["added_tokens"].push_back(t);
    }
    if (patch.contains("model")) j["model"].update(patch["model"]);
    auto tok = janus::Tokenizer::from_json(j.dump(), name);
    int bad = 0;
    for (const auto& c : v["cases"]) {
      const auto text = c[0].get<std::string>();
      const auto want = c[1].get<std::vector<int32_t>>();
      const auto got = tok->encode(text, false);
      if (got != want && ++bad <= 3) ADD_FAILURE() << name << ": " << nlohmann::json(text).dump();
    }
    EXPECT_EQ(bad, 0) << name;
  }
}

}  // namespace

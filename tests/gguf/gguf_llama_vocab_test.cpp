// The real vocab-only GGUF that llama.cpp ships for DeepSeek-LLM (shared/models/deepseek-llm-
// tokenizer-ref, see SOURCES.md there): a file this parser did not write.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/gguf/gguf_store.h"

namespace janus::test {
namespace {

const std::filesystem::path kVocab =
    std::filesystem::path(JANUS_SOURCE_DIR) /
    "../shared/models/deepseek-llm-tokenizer-ref/ggml-vocab-deepseek-llm.gguf";

TEST(GgufLlamaCpp, DeepSeekVocabFile) {
  if (!std::filesystem::exists(kVocab)) GTEST_SKIP() << kVocab << " not present";
  GgufStore store(kVocab);
  const GgufFile& g = store.gguf();
  EXPECT_EQ(g.version, 3u);
  EXPECT_TRUE(g.tensors.empty());
  EXPECT_EQ(g.keys.size(), 23u);
  EXPECT_EQ(g.keys.front(), "general.architecture");
  EXPECT_EQ(g.require_string("general.architecture"), "llama");
  EXPECT_EQ(g.require_string("general.name"), "deepseek-llm");
  EXPECT_EQ(g.require_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(g.require_string("tokenizer.ggml.pre"), "deepseek-llm");
  EXPECT_EQ(*g.get_int("llama.block_count"), 30);
  EXPECT_EQ(*g.get_int("llama.embedding_length"), 4096);
  EXPECT_EQ(*g.get_int("llama.vocab_size"), 102400);
  EXPECT_EQ(*g.get_float("llama.rope.freq_base"), 10000.0);
  EXPECT_NEAR(*g.get_float("llama.attention.layer_norm_rms_epsilon"), 1e-6, 1e-12);
  EXPECT_EQ(*g.get_int("tokenizer.ggml.bos_token_id"), 100000);
  EXPECT_EQ(*g.get_int("tokenizer.ggml.eos_token_id"), 100001);
  EXPECT_TRUE(*g.get_bool("tokenizer.ggml.add_bos_token"));
  EXPECT_FALSE(*g.get_bool("tokenizer.ggml.add_eos_token"));
  const std::vector<std::string> tokens = *g.get_string_array("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 102400u);
  EXPECT_EQ(tokens[0], "!");
  EXPECT_EQ(tokens[100000],
            "<\xef\xbd\x9c"
            "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>");
  EXPECT_EQ(g.get_string_array("tokenizer.ggml.merges")->size(), 99757u);
  EXPECT_EQ(g.get_string_array("tokenizer.ggml.merges")->front(), "\xc4\xa0 \xc4\xa0");  // "Ġ Ġ"
  const std::vector<int64_t> types = *g.get_int_array("tokenizer.ggml.token_type");
  ASSERT_EQ(types.size(), 102400u);
  EXPECT_EQ(types[0], 1);       // normal
  EXPECT_EQ(types[100000], 3);  // control
}

}  // namespace
}  // namespace janus::test

// A model written to GGUF and loaded back computes what the folder model computes: same tensors
// (q/k rows permuted, served under their HF names), same tokenizer, same logits.
#include "models/gguf_model.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "../common/model_fixtures.h"
#include "io/gguf/gguf.h"
#include "io/weights/mapped_file.h"
#include "models/gguf_names.h"
#include "models/llm.h"

namespace janus {
namespace {

namespace fs = std::filesystem;

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& name)
      : path(fs::path(JANUS_BINARY_DIR) / (name + "-" + std::to_string(::getpid()) + ".gguf")) {
    fs::remove(path);
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

std::vector<float> last_logits(const ModelBundle& m, const std::vector<int32_t>& ids) {
  const ops::Context c = test::context(ops::Precision::F32);
  Llm llm(*m.weights, m.config.language, ops::Precision::F32);
  const int64_t T = int64_t(ids.size()), H = llm.hidden_size();
  Tensor emb = Tensor::f32({1, T, H});
  llm.embed(c, ids.data(), T, emb.f());
  KvCache cache = llm.make_cache(1, T);
  Tensor hidden = llm.forward(c, emb, cache, true);
  Tensor logits = llm.logits(c, hidden.reshaped({1, H}));
  return std::vector<float>(logits.f(), logits.f() + logits.numel());
}

struct Case {
  const char* model;
  WeightQuant quant;
};

class GgufModel : public ::testing::TestWithParam<Case> {};

TEST_P(GgufModel, SameTensorsTokenizerAndLogitsAsTheFolder) {
  REQUIRE_TINY();
  const Case k = GetParam();
  const fs::path dir = test::tiny_dir() / k.model;
  TempFile out(std::string("gguf_model_") + k.model + "_" + std::string(weight_quant_name(k.quant)));
  {
    auto src = load_model_bundle(dir, true);
    GgufExportOptions o;
    o.quant = k.quant;
    o.name = k.model;
    o.threads = 2;
    size_t calls = 0;
    o.progress = [&](size_t done, size_t total) {
      EXPECT_EQ(done, ++calls);
      EXPECT_EQ(total, src->weights->names().size());
      return true;
    };
    write_model_gguf(*src, out.path, o);
    EXPECT_EQ(calls, src->weights->names().size());
  }
  auto g = load_model_bundle(out.path, true);
  auto f = load_model_bundle(dir, true, k.quant);
  EXPECT_TRUE(g->config.language.rope_interleaved);
  EXPECT_FALSE(f->config.language.rope_interleaved);

  // Same tensor set, dtypes and shapes; bytes equal except the permuted q/k rows.
  ASSERT_EQ(g->weights->names(), f->weights->names());
  for (const std::string& n : f->weights->names()) {
    const TensorView &a = f->weights->get(n), &b = g->weights->get(n);
    EXPECT_EQ(a.dtype, b.dtype) << n;
    EXPECT_EQ(a.shape, b.shape) << n;
    ASSERT_EQ(a.nbytes, b.nbytes) << n;
    const bool permuted = n.find("q_proj") != std::string::npos || n.find("k_proj") != std::string::npos;
    if (!permuted) EXPECT_EQ(std::memcmp(a.data, b.data, a.nbytes), 0) << n;
    EXPECT_EQ(hf_name_from_gguf(gguf_name_from_hf(n)), n);
  }

  // Tokenizer and special tokens from the embedded files.
  ASSERT_EQ(g->tokenizer->size(), f->tokenizer->size());
  const std::string text = "Describe <image_placeholder> this, please: ünïcode 123";
  EXPECT_EQ(g->tokenizer->encode(text), f->tokenizer->encode(text));
  ASSERT_EQ(g->special_tokens.size(), f->special_tokens.size());
  for (size_t i = 0; i < f->special_tokens.size(); ++i)
    EXPECT_EQ(g->special_tokens[i].id, f->special_tokens[i].id);

  // Logits: attention sums the same products in another order, nothing else differs.
  const std::vector<int32_t> ids = f->tokenizer->encode("The quick brown fox jumps over the lazy dog");
  const std::vector<float> a = last_logits(*f, ids), b = last_logits(*g, ids);
  ASSERT_EQ(a.size(), b.size());
  double max_diff = 0, max_abs = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    max_diff = std::max(max_diff, double(std::abs(a[i] - b[i])));
    max_abs = std::max(max_abs, double(std::abs(a[i])));
  }
  EXPECT_GT(max_abs, 0.0);
  EXPECT_LE(max_diff, 1e-5 * std::max(1.0, max_abs)) << "max |logit| " << max_abs;
  // Control: the permuted rows with the HF rotation are a different model.
  g->config.language.rope_interleaved = false;
  const std::vector<float> wrong = last_logits(*g, ids);
  double wrong_diff = 0;
  for (size_t i = 0; i < a.size(); ++i) wrong_diff = std::max(wrong_diff, double(std::abs(a[i] - wrong[i])));
  EXPECT_GT(wrong_diff, 100 * max_diff + 1e-4);
  g->config.language.rope_interleaved = true;

  // Metadata llama.cpp reads.
  MappedFile mf(out.path);
  const GgufFile gf = parse_gguf({mf.data(), mf.size()}, mf.path());
  const LlamaConfig& l = f->config.language;
  EXPECT_EQ(gf.require_string("general.architecture"), "llama");
  EXPECT_EQ(gf.require_string("general.name"), k.model);
  EXPECT_EQ(*gf.get_int("general.file_type"), k.quant == WeightQuant::Q8_0   ? 7
                                              : k.quant == WeightQuant::Q4_0 ? 2
                                                                             : 32);
  EXPECT_EQ(*gf.get_int("llama.block_count"), l.num_hidden_layers);
  EXPECT_EQ(*gf.get_int("llama.embedding_length"), l.hidden_size);
  EXPECT_EQ(*gf.get_int("llama.attention.head_count_kv"), l.num_key_value_heads);
  EXPECT_EQ(*gf.get_int("llama.vocab_size"), l.vocab_size);
  EXPECT_EQ(gf.get_string_array("tokenizer.ggml.tokens")->size(), size_t(l.vocab_size));
  EXPECT_EQ(*gf.get_int("tokenizer.ggml.bos_token_id"), f->tokenizer->bos_id());
  EXPECT_EQ((*gf.get_string_array("tokenizer.ggml.tokens"))[size_t(f->tokenizer->bos_id())],
            f->tokenizer->token(f->tokenizer->bos_id()));
  EXPECT_GT(gf.get_string_array("tokenizer.ggml.merges")->size(), 1000u);
  EXPECT_EQ(gf.require_string("janus.quant"), weight_quant_name(k.quant));
  EXPECT_TRUE(*gf.get_bool("janus.rope_interleaved"));
  for (const char* file : {"config.json", "tokenizer.json", "preprocessor_config.json"})
    EXPECT_TRUE(gf.get_string(std::string("janus.file.") + file)) << file;
  EXPECT_EQ(gf.find("token_embd.weight"), nullptr);  // a tensor, not a key
  bool has_blk = false;
  for (const GgufTensorInfo& t : gf.tensors) {
    EXPECT_LE(t.name.size(), kGgufMaxName);
    has_blk = has_blk || t.name == "blk.0.attn_q.weight";
  }
  EXPECT_TRUE(has_blk);
}

INSTANTIATE_TEST_SUITE_P(Models, GgufModel,
                         ::testing::Values(Case{"janus-pro-1b", WeightQuant::None},
                                           Case{"janus-pro-1b", WeightQuant::Q8_0},
                                           Case{"janus-1.3b", WeightQuant::Q4_0},
                                           Case{"janusflow-1.3b", WeightQuant::Q8_0},
                                           Case{"janusflow-1.3b", WeightQuant::Q4_0}));

// --quant at load on a quantized GGUF converts only what is still float; a re-export of a GGUF keeps
// its rows (no second permutation).
TEST(GgufModelQuant, RequantizeAndReexport) {
  REQUIRE_TINY();
  const fs::path dir = test::tiny_dir() / "janus-pro-1b";
  TempFile q8("gguf_requant_q8"), again("gguf_requant_again");
  {
    auto src = load_model_bundle(dir, true);
    GgufExportOptions o;
    o.quant = WeightQuant::Q8_0;
    write_model_gguf(*src, q8.path, o);
  }
  auto g = load_model_bundle(q8.path, true, WeightQuant::Q4_0);
  EXPECT_EQ(g->weights->get("language_model.model.layers.0.mlp.up_proj.weight").dtype, DType::Q8_0);
  EXPECT_EQ(g->weights->get("language_model.model.embed_tokens.weight").dtype, DType::BF16);
  auto plain = load_model_bundle(q8.path, true);
  GgufExportOptions o;
  write_model_gguf(*plain, again.path, o);
  auto h = load_model_bundle(again.path, true);
  {
    MappedFile mf(again.path);
    EXPECT_EQ(parse_gguf({mf.data(), mf.size()}, mf.path()).require_string("janus.quant"), "q8_0");
  }
  for (const std::string& n : plain->weights->names()) {
    const TensorView &a = plain->weights->get(n), &b = h->weights->get(n);
    ASSERT_EQ(a.nbytes, b.nbytes) << n;
    EXPECT_EQ(std::memcmp(a.data, b.data, a.nbytes), 0) << n;
  }
  // Without tensors: configs and tokenizer only.
  auto meta = load_model_bundle(q8.path, false);
  EXPECT_EQ(meta->weights, nullptr);
  EXPECT_GT(meta->tokenizer->size(), 0);
}

TEST(GgufModelQuant, NotAJanusFile) {
  TempFile f("gguf_not_janus");
  {
    std::vector<uint8_t> b = {'G', 'G', 'U', 'F', 3, 0, 0, 0};
    b.resize(24, 0);
    FILE* fp = std::fopen(f.path.c_str(), "wb");
    std::fwrite(b.data(), 1, b.size(), fp);
    std::fclose(fp);
  }
  try {
    load_model_bundle(f.path, true);
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(int(e.kind()), int(ErrorKind::Unsupported));
    EXPECT_NE(std::string(e.what()).find("janus.file.config.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace janus

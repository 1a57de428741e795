// Understanding prompt assembly vs the reference: tests/data/goldens/<case>/input_ids.npy holds the
// official prompt rendered by tools/reference/tokenize_prompt.js, tokenized by HF `tokenizers` and
// expanded like VLChatProcessor.add_image_token, for the tiny checkpoints' (real) tokenizers.
#include "pipelines/prompt.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "io/npy/npy.h"
#include "models/model_bundle.h"
#include "text/tokenizer.h"
#include "../common/tiny_models.h"

using namespace janus;
using janus::test::expect_error;

namespace {

const std::string kEos =
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";

std::unique_ptr<ModelBundle> bundle(const std::string& model) {
  return load_model_bundle(janus::test::tiny_models_dir() / model, /*load_tensors=*/false);
}

Image dummy_image() {
  Image im;
  im.width = im.height = 2;
  im.rgb.assign(12, 100);
  return im;
}

nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream f(p);
  return nlohmann::json::parse(f);
}

std::vector<int32_t> golden_ids(const std::string& c) {
  std::vector<int32_t> v;
  for (int64_t x : read_npy(janus::test::goldens_dir() / c / "input_ids.npy").to_i64())
    v.push_back(int32_t(x));
  return v;
}

struct GoldenCase {
  const char* model;
  const char* golden;
  const char* ids_json;
  const char* question;
};

class PromptGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(PromptGolden, TextIdsAndImagePositions) {
  REQUIRE_TINY();
  const GoldenCase& g = GetParam();
  auto m = bundle(g.model);
  const PromptFormat f = understanding_format(*m);
  std::vector<Message> conv = {{Role::User, g.question, {dummy_image()}}};
  const Prompt p = build_understanding_prompt(f, *m->tokenizer, conv);
  const auto ref = read_json(janus::test::goldens_dir() / "ids" / g.ids_json);
  EXPECT_EQ(p.text, ref["prompt"].get<std::string>());
  EXPECT_EQ(p.ids, golden_ids(g.golden));
  const auto meta = read_json(janus::test::goldens_dir() / g.golden / "meta.json");
  EXPECT_EQ(p.rows_per_image, meta["images_seq_mask_count"].get<int64_t>());
  ASSERT_EQ(p.num_images(), 1);
  // The overwritten rows are exactly the reference's images_seq_mask (ids == image tag, JanusFlow also
  // == start tag).
  const auto tags = meta["tags"];
  const int32_t image = tags["image"].get<int32_t>(), start = tags["start"].get<int32_t>();
  for (size_t i = 0; i < p.ids.size(); ++i) {
    const bool masked = p.ids[i] == image || (f.flow && p.ids[i] == start);
    const bool mine = int64_t(i) >= p.image_starts[0] && int64_t(i) < p.image_starts[0] + p.rows_per_image;
    EXPECT_EQ(masked, mine) << i;
  }
  EXPECT_EQ(f.image, image);
  EXPECT_EQ(f.image_start, start);
  EXPECT_EQ(f.image_end, tags["end"].get<int32_t>());
}

INSTANTIATE_TEST_SUITE_P(Models, PromptGolden,
                         ::testing::Values(GoldenCase{"janus-pro-1b", "pro1b_und_fp32", "pro_und.json",
                                                      "Describe this image in detail."},
                                           GoldenCase{"janus-1.3b", "j13b_und_fp32", "j13_und.json",
                                                      "What is shown in this picture?"},
                                           GoldenCase{"janusflow-1.3b", "flow_und_fp32", "flow_und.json",
                                                      "How many cats are there?"}),
                         [](const auto& info) {
                           std::string n = info.param.golden;
                           return n.substr(0, n.find('_'));
                         });

TEST(Prompt, RolesPerFamily) {
  REQUIRE_TINY();
  EXPECT_EQ(understanding_format(*bundle("janus-pro-1b")).roles.user, "<|User|>");
  EXPECT_EQ(understanding_format(*bundle("janus-pro-7b")).roles.assistant, "<|Assistant|>");
  EXPECT_EQ(understanding_format(*bundle("janus-1.3b")).roles.user, "User");
  const PromptFormat flow = understanding_format(*bundle("janusflow-1.3b"));
  EXPECT_EQ(flow.roles.user, "User");
  EXPECT_TRUE(flow.flow);
  EXPECT_EQ(flow.rows_per_image(), 577);
  EXPECT_EQ(flow.chat.name, "deepseek_old");
}

TEST(Prompt, MultiTurnMultiImage) {
  REQUIRE_TINY();
  auto m = bundle("janus-pro-1b");
  const PromptFormat f = understanding_format(*m);
  const Tokenizer& tok = *m->tokenizer;
  std::vector<Message> conv = {{Role::User,
                                "<image_placeholder> is A.\n<image_placeholder> is B.\nSame?",
                                {dummy_image(), dummy_image()}},
                               {Role::Assistant, " No. ", {}},
                               {Role::User, "Why?", {dummy_image()}}};
  const Prompt p = build_understanding_prompt(f, tok, conv);
  EXPECT_EQ(p.text, std::string(kUnderstandingSystemPrompt) +
                        "\n\n<|User|>: <image_placeholder> is A.\n<image_placeholder> is B.\nSame?\n\n"
                        "<|Assistant|>: No." +
                        kEos + "<|User|>: <image_placeholder>\nWhy?\n\n<|Assistant|>:");
  ASSERT_EQ(p.num_images(), 3);
  // Expansion: each tag id becomes start + 576 x image + end; the ids between stay the tokenizer's.
  std::vector<int32_t> expect;
  for (int32_t id : tok.encode(p.text)) {
    if (id == f.image) {
      expect.push_back(f.image_start);
      expect.insert(expect.end(), 576, f.image);
      expect.push_back(f.image_end);
    } else {
      expect.push_back(id);
    }
  }
  EXPECT_EQ(p.ids, expect);
  for (int64_t s : p.image_starts) {
    EXPECT_EQ(p.ids[size_t(s - 1)], f.image_start);
    EXPECT_EQ(p.ids[size_t(s + 576)], f.image_end);
  }
  EXPECT_EQ(p.image_starts[1] - p.image_starts[0], 578 + int64_t(tok.encode(" is A.\n", false).size()));
  // The answer is followed by the EOS id, then directly by the next user role token.
  const int32_t eos = tok.eos_id(), user = tok.token_id("<|User|>");
  size_t n_eos = 0;
  for (size_t i = 0; i + 1 < p.ids.size(); ++i) {
    if (p.ids[i] == eos) {
      ++n_eos;
      EXPECT_EQ(p.ids[i + 1], user);
    }
  }
  EXPECT_EQ(n_eos, 1u);
  EXPECT_EQ(p.ids.back(), tok.encode(":", false).back());
  EXPECT_EQ(p.ids[p.ids.size() - 2], tok.token_id("<|Assistant|>"));
}

TEST(Prompt, AutoTagsOnePerImageBeforeText) {
  REQUIRE_TINY();
  auto m = bundle("janus-1.3b");
  const PromptFormat f = understanding_format(*m);
  Message msg{Role::User, "Compare.", {dummy_image(), dummy_image()}};
  EXPECT_EQ(message_text(f, msg, 0), "<image_placeholder>\n<image_placeholder>\nCompare.");
  msg.images.clear();
  EXPECT_EQ(message_text(f, msg, 0), "Compare.");
}

TEST(Prompt, BadConversations) {
  REQUIRE_TINY();
  auto m = bundle("janus-pro-1b");
  const PromptFormat f = understanding_format(*m);
  const Tokenizer& tok = *m->tokenizer;
  auto build = [&](std::vector<Message> c) { return build_understanding_prompt(f, tok, c); };
  expect_error(
      [&] {
        build({{Role::User, "<image_placeholder> and <image_placeholder>", {dummy_image()}}});
      },
      ErrorKind::InvalidArgument, {"conversation[0]", "2 <image_placeholder> tag(s) but 1 image(s)"});
  expect_error(
      [&] {
        build({{Role::User, "<image_placeholder> hi", {}}});
      },
      ErrorKind::InvalidArgument, {"1 <image_placeholder> tag(s) but 0 image(s)"});
  expect_error(
      [&] {
        build({{Role::User, "q", {}}, {Role::Assistant, "a", {dummy_image()}}, {Role::User, "q", {}}});
      },
      ErrorKind::InvalidArgument, {"conversation[1] (assistant)", "only user messages"});
  expect_error([&] { build({{Role::Assistant, "a", {}}}); }, ErrorKind::InvalidArgument, {"alternate"});
  expect_error(
      [&] {
        build({{Role::User, "a", {}}, {Role::User, "b", {}}});
      },
      ErrorKind::InvalidArgument, {"conversation[1]"});
  expect_error(
      [&] {
        build({{Role::User, "q", {}}, {Role::Assistant, "a", {}}});
      },
      ErrorKind::InvalidArgument, {"last message"});
  expect_error([&] { build({}); }, ErrorKind::InvalidArgument, {"empty"});
  // A trailing empty assistant turn is the slot to answer: same prompt as without it.
  EXPECT_EQ(build({{Role::User, "q", {}}, {Role::Assistant, " ", {}}}).ids,
            build({{Role::User, "q", {}}}).ids);
}

TEST(Prompt, ContextLimits) {
  EXPECT_EQ(check_context(600, 512, 16384), "");
  EXPECT_NE(check_context(4000, 512, 16384).find("4096"), std::string::npos);
  expect_error([] { check_context(16000, 512, 16384); }, ErrorKind::InvalidArgument,
               {"16000 positions", "512", "16384", "max_position_embeddings"});
  expect_error([] { check_context(10, -1, 100); }, ErrorKind::InvalidArgument, {"max_new_tokens"});
  EXPECT_EQ(check_context(50, 50, 100), "");  // exactly full is allowed
}

}  // namespace

// Streaming text: whole UTF-8 characters, special tokens skipped, stop strings held back and cut;
// the pieces always add up to Tokenizer::decode(ids, skip_special=true) (up to a stop string).
#include "pipelines/text_stream.h"

#include <gtest/gtest.h>

#include "text/tokenizer.h"
#include "text/utf8.h"
#include "../common/tiny_models.h"

using namespace janus;

namespace {

const Tokenizer& tok() {
  static std::unique_ptr<Tokenizer> t =
      Tokenizer::from_folder((janus::test::tiny_models_dir() / "janus-pro-1b").string());
  return *t;
}

// Id of the byte-level token for one raw byte (GPT-2 byte-to-unicode map: printable Latin-1 map to
// themselves, the rest to U+0100 + n).
int32_t byte_id(unsigned char b) {
  for (int32_t id = 0; id < 100000; ++id) {
    const std::string p = tok().piece(id);
    if (p.size() == 1 && static_cast<unsigned char>(p[0]) == b) return id;
  }
  return -1;
}

std::vector<std::string> run(const std::vector<int32_t>& ids, std::vector<std::string> stop, std::string* all,
                             bool* stopped = nullptr) {
  TextStream s(tok(), std::move(stop));
  std::vector<std::string> pieces;
  for (int32_t id : ids) pieces.push_back(s.push(id));
  pieces.push_back(s.finish());
  *all = s.text();
  if (stopped) *stopped = s.stopped();
  std::string cat;
  for (const auto& p : pieces) cat += p;
  EXPECT_EQ(cat, *all);
  return pieces;
}

TEST(TextStream, HoldsSplitCharactersUntilComplete) {
  REQUIRE_TINY();
  const int32_t c3 = byte_id(0xC3), a9 = byte_id(0xA9);
  const int32_t f0 = byte_id(0xF0), x9f = byte_id(0x9F), x98 = byte_id(0x98), x80 = byte_id(0x80);
  ASSERT_GE(c3, 0);
  ASSERT_GE(x80, 0);
  const std::vector<int32_t> cafe = {tok().encode("caf", false)[0], c3, a9, f0, x9f, x98, x80};
  std::string all;
  const auto pieces = run(cafe, {}, &all);
  EXPECT_EQ(pieces[0], "caf");
  EXPECT_EQ(pieces[1], "");  // 0xC3 waits for its continuation
  EXPECT_EQ(pieces[2], "\xC3\xA9");
  EXPECT_EQ(pieces[3], "");
  EXPECT_EQ(pieces[4], "");
  EXPECT_EQ(pieces[5], "");
  EXPECT_EQ(pieces[6], "\xF0\x9F\x98\x80");  // U+1F600 from four byte tokens
  EXPECT_EQ(all, tok().decode(cafe, true));
}

TEST(TextStream, InvalidSequencesBecomeReplacementCharsLikeDecode) {
  REQUIRE_TINY();
  const int32_t c3 = byte_id(0xC3), e0 = byte_id(0xE0), x80 = byte_id(0x80), ff = byte_id(0xFF);
  const int32_t cat = tok().encode(" cat", false)[0];
  for (const std::vector<int32_t>& ids : std::vector<std::vector<int32_t>>{
           {c3, cat}, {e0, x80, cat}, {ff, cat}, {cat, c3}, {cat, e0}, {x80, x80, c3, c3, cat}}) {
    std::string all;
    const auto pieces = run(ids, {}, &all);
    EXPECT_EQ(all, tok().decode(ids, true));
    for (const auto& p : pieces) EXPECT_EQ(text::utf8_first_invalid(p), text::kUtf8Valid);
  }
  std::string all;
  run({e0, x80, cat}, {}, &all);  // E0 80 can never be valid: replaced at once, not held
  EXPECT_EQ(all, "\xEF\xBF\xBD\xEF\xBF\xBD cat");
}

TEST(TextStream, SkipsSpecialTokens) {
  REQUIRE_TINY();
  std::vector<int32_t> ids = tok().encode("Hi<|User|> there", false);
  ids.push_back(tok().eos_id());
  std::string all;
  run(ids, {}, &all);
  EXPECT_EQ(all, "Hi there");
  EXPECT_EQ(all, tok().decode(ids, true));
}

TEST(TextStream, StopStringsAreCutAndNeverStreamed) {
  REQUIRE_TINY();
  const std::vector<int32_t> ids = tok().encode("The cat sat. User: more text", false);
  std::string all;
  bool stopped = false;
  auto pieces = run(ids, {"User:"}, &all, &stopped);
  EXPECT_TRUE(stopped);
  EXPECT_EQ(all, "The cat sat. ");
  // A prefix of a stop string is held back until it is decided, then released.
  pieces = run(tok().encode("a Use b", false), {"User:"}, &all, &stopped);
  EXPECT_FALSE(stopped);
  ASSERT_EQ(pieces.size(), 4u);  // "a", " Use", " b", finish
  EXPECT_EQ(pieces[1], " ");     // "Use" could start "User:": held
  EXPECT_EQ(pieces[2], "Use b");
  EXPECT_EQ(all, "a Use b");
  // The earliest stop string to complete wins; text after it is dropped.
  run(tok().encode("xx END yy STOP", false), {"STOP", "END"}, &all, &stopped);
  EXPECT_EQ(all, "xx ");
  // A stop string inside one token.
  run(tok().encode("hello world", false), {"llo"}, &all, &stopped);
  EXPECT_EQ(all, "he");
  // At the end of generation a held-back stop prefix is released.
  run(tok().encode("see Us", false), {"User:"}, &all, &stopped);
  EXPECT_FALSE(stopped);
  EXPECT_EQ(all, "see Us");
}

TEST(TextStream, RejectsBadStopStrings) {
  REQUIRE_TINY();
  janus::test::expect_error([] { TextStream s(tok(), {"ok", ""}); }, ErrorKind::InvalidArgument, {"stop[1]"});
  janus::test::expect_error([] { TextStream s(tok(), {"\xC3"}); }, ErrorKind::InvalidArgument, {"stop[0]"});
}

}  // namespace

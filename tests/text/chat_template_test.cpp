// Chat template rendering vs the official processor. Every expected string below is the output of
// janus/utils/conversation.py (deepseek-ai/Janus) driven the way
// VLChatProcessor.apply_sft_template_for_multi_turn_prompts drives it:
//   conv = get_conv_template(fmt); conv.set_system_message(system)
//   for role, content in messages: conv.append_message(role, content.strip())
//   print(repr(conv.get_prompt().strip()))
#include "text/chat_template.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"

using namespace janus;

namespace {

const std::string kSys =
    "You are a helpful language and vision assistant. You are able to understand the visual content that "
    "the user provides, and assist the user with a variety of tasks using natural language.";
const std::string kEos =
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";

std::string render(const std::string& fmt, const std::string& system, std::vector<ChatMessage> m) {
  return render_chat(chat_template(fmt), system, m);
}

TEST(ChatTemplate, SystemPromptIsTheProcessorsOwn) {
  EXPECT_EQ(std::string(kUnderstandingSystemPrompt), kSys);
}

TEST(ChatTemplate, RegisteredTemplates) {
  const ChatTemplate pro = chat_template("deepseek");
  EXPECT_EQ(pro.user_role, "<|User|>");
  EXPECT_EQ(pro.assistant_role, "<|Assistant|>");
  EXPECT_EQ(pro.sep, "\n\n");
  EXPECT_EQ(pro.sep2, kEos);
  const ChatTemplate old = chat_template("deepseek_old");
  EXPECT_EQ(old.user_role, "User");
  EXPECT_EQ(old.assistant_role, "Assistant");
  EXPECT_EQ(old.sep2, kEos);
  // The official registry raises KeyError for other names; here a clear error names the field.
  try {
    chat_template("llava_llama2", "m/processor_config.json:sft_format");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("m/processor_config.json:sft_format"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("llava_llama2"), std::string::npos);
  }
  // EOS string: fullwidth bars U+FF5C and U+2581 blocks (spec §4.1); role bars are ASCII.
  EXPECT_EQ(kEos, "<｜end▁of▁sentence｜>");
  EXPECT_EQ(chat_roles(RoleStyle::Pro).user, "<|User|>");
  EXPECT_EQ(chat_roles(RoleStyle::Plain).assistant, "Assistant");
}

TEST(ChatTemplate, ProSingleImage) {
  EXPECT_EQ(render("deepseek", kSys,
                   {{"<|User|>", "<image_placeholder>\nDescribe this image."}, {"<|Assistant|>", ""}}),
            kSys + "\n\n<|User|>: <image_placeholder>\nDescribe this image.\n\n<|Assistant|>:");
}

TEST(ChatTemplate, Janus13BSingleImage) {
  EXPECT_EQ(
      render("deepseek_old", kSys,
             {{"User", "<image_placeholder>\nConvert the formula into latex code."}, {"Assistant", ""}}),
      kSys + "\n\nUser: <image_placeholder>\nConvert the formula into latex code.\n\nAssistant:");
}

TEST(ChatTemplate, RolesComeFromMessagesNotTemplate) {
  // JanusFlow's hub config once said "deepseek" while its examples pass "User": same text either way.
  const std::vector<ChatMessage> m = {{"User", "<image_placeholder>\nHow many cats?"}, {"Assistant", ""}};
  EXPECT_EQ(render("deepseek", kSys, m), render("deepseek_old", kSys, m));
  EXPECT_EQ(render("deepseek", kSys, m),
            kSys + "\n\nUser: <image_placeholder>\nHow many cats?\n\nAssistant:");
}

TEST(ChatTemplate, MultiTurnSeparatorsByParityAndStrip) {
  EXPECT_EQ(render("deepseek", kSys,
                   {{"<|User|>", "<image_placeholder>\nWhat is this?"},
                    {"<|Assistant|>", " A dog.\n"},
                    {"<|User|>", "  And its colour?  "},
                    {"<|Assistant|>", ""}}),
            kSys + "\n\n<|User|>: <image_placeholder>\nWhat is this?\n\n<|Assistant|>: A dog." + kEos +
                "<|User|>: And its colour?\n\n<|Assistant|>:");
}

TEST(ChatTemplate, MultiImageTags) {
  EXPECT_EQ(
      render("deepseek_old", kSys,
             {{"User",
               "<image_placeholder> is Figure 1.\n<image_placeholder> is Figure 2.\nWhich image is "
               "brighter?"},
              {"Assistant", ""}}),
      kSys +
          "\n\nUser: <image_placeholder> is Figure 1.\n<image_placeholder> is Figure 2.\nWhich image is "
          "brighter?\n\nAssistant:");
}

TEST(ChatTemplate, NoSystemPrompt) {
  EXPECT_EQ(render("deepseek", "", {{"<|User|>", " A red fox. "}, {"<|Assistant|>", ""}}),
            "<|User|>: A red fox.\n\n<|Assistant|>:");
}

TEST(ChatTemplate, EmptyOrBlankMessageRendersRoleColon) {
  // A whitespace-only answer strips to "" and renders "Assistant:" with no separator.
  EXPECT_EQ(render("deepseek_old", kSys,
                   {{"User", "hi"}, {"Assistant", "   "}, {"User", "again"}, {"Assistant", ""}}),
            kSys + "\n\nUser: hi\n\nAssistant:User: again\n\nAssistant:");
}

TEST(ChatTemplate, WholeResultIsStripped) {
  EXPECT_EQ(render("deepseek", "", {{"<|User|>", "hello\n"}}), "<|User|>: hello");
  EXPECT_EQ(render("deepseek", "", {}), "");
}

TEST(ChatTemplate, PythonUnicodeWhitespace) {
  // str.strip() removes U+3000, U+00A0, U+2028, U+001C but not U+FEFF (not isspace in Python).
  EXPECT_EQ(render("deepseek", "",
                   {{"<|User|>", "\u3000\u00a0caf\u00e9\u2028\x1c"}, {"<|Assistant|>", "\ufeffx\ufeff"}}),
            "<|User|>: caf\u00e9\n\n<|Assistant|>: \ufeffx\ufeff" + kEos);
}

TEST(PythonStrip, Cases) {
  EXPECT_EQ(python_strip(""), "");
  EXPECT_EQ(python_strip(" \t\r\n\v\f"), "");
  EXPECT_EQ(python_strip("\x1f\x1d a b \xC2\x85"), "a b");  // U+0085 (NEL)
  EXPECT_EQ(python_strip("a\x85"), "a\x85");                // a lone 0x85 byte is invalid, kept
  EXPECT_EQ(python_strip("\u2000\u200a\u202f\u205fx\u1680\u2029"), "x");
  EXPECT_EQ(python_strip("\u200bx\u200b"), "\u200bx\u200b");  // zero-width space is not whitespace
  // Invalid bytes are kept (never stripped, never read past the end).
  EXPECT_EQ(python_strip(" \xE3\x80 "), "\xE3\x80");
  EXPECT_EQ(python_strip("\xFF"), "\xFF");
  EXPECT_EQ(python_strip(" \xC2"), "\xC2");
  EXPECT_EQ(python_strip("\xC2\xA0"), "");  // U+00A0 as UTF-8
}

}  // namespace

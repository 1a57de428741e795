// The DeepSeek chat templates of the official Janus processor (janus/utils/conversation.py,
// SeparatorStyle.DeepSeek; VLChatProcessor.apply_sft_template_for_multi_turn_prompts).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace janus {

// VLChatProcessor.system_prompt: the fixed system prompt of every understanding prompt.
inline constexpr std::string_view kUnderstandingSystemPrompt =
    "You are a helpful language and vision assistant. You are able to understand the visual content that "
    "the user provides, and assist the user with a variety of tasks using natural language.";

// One registered template. Rendering uses the role strings passed with each message (as the official
// processor does); `user_role`/`assistant_role` are the template's own `roles`, for reference.
struct ChatTemplate {
  std::string name;            // "deepseek" | "deepseek_old"
  std::string user_role;       // "<|User|>" | "User"
  std::string assistant_role;  // "<|Assistant|>" | "Assistant"
  std::string sep;             // after even-index (user) messages: "\n\n"
  std::string sep2;            // after odd-index (assistant) messages: "<｜end▁of▁sentence｜>"
};

// The template registered under an sft_format name ("deepseek", "deepseek_old"). Other names are an
// Error(Unsupported) naming `where` (e.g. "processor_config.json:sft_format").
ChatTemplate chat_template(std::string_view sft_format, const std::string& where = "sft_format");

// Role strings of a model family, as the official examples pass them with each message:
// Janus-Pro uses the special tokens "<|User|>"/"<|Assistant|>", Janus-1.3B and JanusFlow "User"/"Assistant".
struct ChatRoles {
  std::string user, assistant;
};
enum class RoleStyle { Plain, Pro };
ChatRoles chat_roles(RoleStyle style);

struct ChatMessage {
  std::string role;     // the role string rendered before ": " (e.g. "<|User|>")
  std::string content;  // raw text; rendering strips it
};

// apply_sft_template_for_multi_turn_prompts + Conversation.get_prompt (DeepSeek style):
//   out = system.empty() ? "" : system + sep
//   message i (content python-stripped): non-empty -> role + ": " + content + (i even ? sep : sep2)
//                                        empty     -> role + ":"
//   return python_strip(out)
// Separators follow the message index parity, not the role.
std::string render_chat(const ChatTemplate& t, std::string_view system,
                        std::span<const ChatMessage> messages);

// Python str.strip() with no arguments: removes leading/trailing code points for which
// str.isspace() is true (ASCII whitespace, U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000). Invalid UTF-8 bytes are never stripped.
std::string python_strip(std::string_view s);

}  // namespace janus

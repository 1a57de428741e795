#include "text/chat_template.h"

#include "core/error.h"
#include "text/utf8.h"

namespace janus {

namespace {

// <｜end▁of▁sentence｜> with U+FF5C bars and U+2581 blocks, as in conversation.py.
constexpr const char* kEos =
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";

bool python_isspace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

}  // namespace

ChatTemplate chat_template(std::string_view sft_format, const std::string& where) {
  // Both registered DeepSeek templates share separators; only their nominal roles differ.
  if (sft_format == "deepseek") return {"deepseek", "<|User|>", "<|Assistant|>", "\n\n", kEos};
  if (sft_format == "deepseek_old") return {"deepseek_old", "User", "Assistant", "\n\n", kEos};
  fail(ErrorKind::Unsupported, where,
       "chat template '" + std::string(sft_format) + "' (known: deepseek, deepseek_old)");
}

ChatRoles chat_roles(RoleStyle style) {
  if (style == RoleStyle::Pro) return {"<|User|>", "<|Assistant|>"};
  return {"User", "Assistant"};
}

std::string python_strip(std::string_view s) {
  size_t begin = s.size(), end = 0;  // first non-space byte, end of the last non-space code point
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = text::utf8_len(static_cast<unsigned char>(s[i]));
    bool space = false;
    size_t len = 1;  // an invalid byte counts as one non-space unit
    if (i + n <= s.size() && text::utf8_first_invalid(s.substr(i, n)) == text::kUtf8Valid) {
      size_t j = i;
      space = python_isspace(text::utf8_next(s, j));
      len = n;
    }
    if (!space) {
      if (begin == s.size()) begin = i;
      end = i + len;
    }
    i += len;
  }
  return begin < end ? std::string(s.substr(begin, end - begin)) : std::string();
}

std::string render_chat(const ChatTemplate& t, std::string_view system,
                        std::span<const ChatMessage> messages) {
  std::string out;
  if (!system.empty()) out.append(system).append(t.sep);
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string content = python_strip(messages[i].content);
    out += messages[i].role;
    if (content.empty()) {
      out += ":";
    } else {
      out.append(": ").append(content).append(i % 2 == 0 ? t.sep : t.sep2);
    }
  }
  return python_strip(out);
}

}  // namespace janus

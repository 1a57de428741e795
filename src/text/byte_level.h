// GPT-2 byte <-> printable-character mapping used by HF's ByteLevel pre-tokenizer and decoder.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace janus::text {

struct ByteLevelMap {
  std::array<std::string, 256> byte_to_utf8;  // byte -> UTF-8 of its stand-in character
  std::array<int, 324> char_to_byte;          // stand-in code point (< 324) -> byte, or -1
};

const ByteLevelMap& byte_level_map();

// Appends the stand-in characters of `bytes` to out.
void byte_level_encode(std::string_view bytes, std::string& out);

// Appends the bytes a token string stands for. Like HF's decoder, a token containing any character
// outside the map is passed through unchanged. Returns false in that case.
bool byte_level_decode(std::string_view token, std::string& out);

}  // namespace janus::text

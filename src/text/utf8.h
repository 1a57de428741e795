// UTF-8 helpers for the tokenizer: validation, decoding, Rust-compatible lossy conversion.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace janus::text {

inline constexpr size_t kUtf8Valid = static_cast<size_t>(-1);

// Offset of the first byte that does not start a well-formed UTF-8 sequence, or kUtf8Valid.
size_t utf8_first_invalid(std::string_view s);

// Decodes the code point at s[i] (s must be valid UTF-8) and advances i past it.
char32_t utf8_next(std::string_view s, size_t& i);

// Length in bytes of the sequence starting with lead byte b (valid UTF-8 assumed).
inline size_t utf8_len(unsigned char b) {
  return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

void utf8_append(std::string& out, char32_t cp);

// Bytes -> UTF-8, each maximal invalid subpart replaced by U+FFFD, exactly like Rust's
// String::from_utf8_lossy (which HF's ByteLevel decoder uses).
std::string utf8_lossy(std::string_view bytes);

}  // namespace janus::text

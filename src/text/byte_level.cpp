#include "text/byte_level.h"

#include "text/utf8.h"

namespace janus::text {

const ByteLevelMap& byte_level_map() {
  static const ByteLevelMap map = [] {
    ByteLevelMap m;
    m.char_to_byte.fill(-1);
    // Printable Latin-1 bytes stand for themselves; the other 68 bytes get 256, 257, ... in order.
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const int cp = printable ? b : next++;
      std::string s;
      utf8_append(s, static_cast<char32_t>(cp));
      m.byte_to_utf8[static_cast<size_t>(b)] = s;
      m.char_to_byte[static_cast<size_t>(cp)] = b;
    }
    return m;
  }();
  return map;
}

void byte_level_encode(std::string_view bytes, std::string& out) {
  const auto& m = byte_level_map();
  for (unsigned char b : bytes) out += m.byte_to_utf8[b];
}

bool byte_level_decode(std::string_view token, std::string& out) {
  const auto& m = byte_level_map();
  const size_t start = out.size();
  size_t i = 0;
  while (i < token.size()) {
    const char32_t cp = utf8_next(token, i);
    if (cp >= m.char_to_byte.size() || m.char_to_byte[cp] < 0) {
      out.resize(start);
      out.append(token);
      return false;
    }
    out += static_cast<char>(m.char_to_byte[cp]);
  }
  return true;
}

}  // namespace janus::text

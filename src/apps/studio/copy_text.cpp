#include "copy_text.h"

#include "text_layout.h"

namespace janus::studio {

size_t count_chars(const std::string& s) {
  return utf8_to_u32(s).size();
}

std::string clean_copy(const std::string& answer, int max_chars) {
  std::u32string t = utf8_to_u32(answer);
  // The first line only: models like to add a second suggestion or an explanation.
  std::u32string out;
  bool seen_text = false;
  for (char32_t c : t) {
    if (c == U'\n' && seen_text) break;
    const bool bad =
        c < 0x20 || c == 0x7F || c == 0xFFFD || (c >= 0x80 && c < 0xA0) || (c >= 0xE000 && c <= 0xF8FF);
    if (bad || c == U'\t') c = U' ';
    if (c == U' ' && (out.empty() || out.back() == U' ')) continue;
    out += c;
    if (c != U' ') seen_text = true;
  }
  // Wrapping quotes and echoed labels ("Headline: ..."), in either order.
  auto strip = [&] {
    while (!out.empty() && (out.front() == U' ' || out.front() == U'"' || out.front() == U'\'' ||
                            out.front() == U'“' || out.front() == U'«'))
      out.erase(out.begin());
    while (!out.empty() && (out.back() == U' ' || out.back() == U'"' || out.back() == U'\'' ||
                            out.back() == U'”' || out.back() == U'»'))
      out.pop_back();
  };
  strip();
  for (const std::u32string label :
       {U"Headline:", U"headline:", U"Call to action:", U"CTA:", U"Body:", U"Assistant:"})
    if (out.rfind(label, 0) == 0) out = out.substr(label.size());
  strip();
  if (max_chars > 0 && out.size() > size_t(max_chars)) {
    std::u32string cut = out.substr(0, size_t(max_chars));
    // Back up to the last space when the cut falls inside a word (and a space exists in the second half).
    const bool inside_word = out[size_t(max_chars)] != U' ' && cut.back() != U' ';
    const size_t sp = cut.find_last_of(U' ');
    if (inside_word && sp != std::u32string::npos && sp >= size_t(max_chars) / 2) cut = cut.substr(0, sp);
    out = cut;
    while (!out.empty() && (out.back() == U' ' || out.back() == U',' || out.back() == U';' ||
                            out.back() == U':' || out.back() == U'-'))
      out.pop_back();
  }
  strip();
  return u32_to_utf8(out);
}

}  // namespace janus::studio

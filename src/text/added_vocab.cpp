#include "text/added_vocab.h"

#include "text/regex.h"
#include "text/utf8.h"

namespace janus::text {

void TokenTrie::clear() {
  nodes_.assign(1, Node{});
  std::fill(std::begin(first_), std::end(first_), false);
}

void TokenTrie::insert(std::string_view s, int32_t value) {
  if (s.empty()) return;
  first_[static_cast<unsigned char>(s[0])] = true;
  size_t n = 0;
  for (unsigned char c : s) {
    int32_t child = -1;
    for (auto& [k, v] : nodes_[n].next) {
      if (k == c) child = v;
    }
    if (child < 0) {
      child = static_cast<int32_t>(nodes_.size());
      nodes_[n].next.emplace_back(c, child);
      nodes_.emplace_back();
    }
    n = static_cast<size_t>(child);
  }
  nodes_[n].value = value;
}

std::pair<int32_t, size_t> TokenTrie::longest_at(std::string_view text, size_t pos) const {
  std::pair<int32_t, size_t> best{-1, 0};
  size_t n = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    int32_t child = -1;
    for (const auto& [k, v] : nodes_[n].next) {
      if (k == c) {
        child = v;
        break;
      }
    }
    if (child < 0) break;
    n = static_cast<size_t>(child);
    if (nodes_[n].value >= 0) best = {nodes_[n].value, i + 1 - pos};
  }
  return best;
}

namespace {

bool is_ws(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Rust char::is_alphanumeric (Alphabetic or N*) or '_': what single_word treats as a word char.
bool is_word_char(std::string_view s, size_t pos) {
  static const Regex word("[\\p{Alphabetic}\\p{N}_]", "single_word");
  return word.match_at(s, pos);
}

size_t prev_char_start(std::string_view s, size_t end) {
  size_t k = end - 1;
  while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
  return k;
}

}  // namespace

void find_added(std::string_view text, const TokenTrie& trie, const std::vector<AddedToken>& tokens,
                std::vector<AddedSplit>& out) {
  out.clear();
  size_t start_offset = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (!trie.may_start(static_cast<unsigned char>(text[pos]))) {
      ++pos;
      continue;
    }
    const auto [idx, len] = trie.longest_at(text, pos);
    if (idx < 0) {
      ++pos;
      continue;
    }
    size_t b = pos, e = pos + len;
    pos = e;  // non-overlapping, like aho-corasick's find_iter
    const AddedToken& t = tokens[static_cast<size_t>(idx)];
    if (t.single_word) {
      const bool start_ok = b == 0 || !is_word_char(text, prev_char_start(text, b));
      const bool stop_ok = e == text.size() || !is_word_char(text, e);
      if (!start_ok || !stop_ok) continue;
    }
    if (t.lstrip) {
      size_t nb = b;
      while (nb > 0) {
        const size_t k = prev_char_start(text, nb);
        size_t i = k;
        if (!is_ws(utf8_next(text, i))) break;
        nb = k;
      }
      b = std::max(nb, start_offset);  // spaces already taken by the previous match stay there
    }
    if (t.rstrip) {
      while (e < text.size()) {
        size_t i = e;
        if (!is_ws(utf8_next(text, i))) break;
        e = i;
      }
    }
    if (start_offset < b) out.push_back({start_offset, b, -1});
    out.push_back({b, e, idx});
    start_offset = e;
  }
  if (start_offset < text.size()) out.push_back({start_offset, text.size(), -1});
}

}  // namespace janus::text

#include "text/pre_tokenizer.h"

#include <algorithm>

#include "text/byte_level.h"
#include "text/utf8.h"

namespace janus::text {

namespace {

// ---------------------------------------------------------------- normalizers

class SequenceNormalizer : public Normalizer {
 public:
  std::vector<std::unique_ptr<Normalizer>> steps;
  void normalize(std::string& s) const override {
    for (const auto& n : steps) n->normalize(s);
  }
};

class PrependNormalizer : public Normalizer {
 public:
  std::string prefix;
  void normalize(std::string& s) const override {
    if (!s.empty()) s.insert(0, prefix);
  }
};

class ReplaceNormalizer : public Normalizer {
 public:
  std::unique_ptr<Regex> regex;  // null: literal `literal`
  std::string literal, content;
  void normalize(std::string& s) const override {
    std::vector<Span> m;
    if (regex) {
      regex->find_all(s, m);
    } else if (!literal.empty()) {
      for (size_t pos = s.find(literal); pos != std::string::npos;
           pos = s.find(literal, pos + literal.size())) {
        m.emplace_back(pos, pos + literal.size());
      }
    }
    if (m.empty()) return;
    std::string out;
    size_t prev = 0;
    for (auto [b, e] : m) {
      out.append(s, prev, b - prev);
      out += content;
      prev = e;
    }
    out.append(s, prev, std::string::npos);
    s.swap(out);
  }
};

bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

class StripNormalizer : public Normalizer {
 public:
  bool left = true, right = true;
  void normalize(std::string& s) const override {
    size_t b = 0, e = s.size();
    if (left) {
      while (b < e) {
        size_t i = b;
        if (!is_white_space(utf8_next(s, i))) break;
        b = i;
      }
    }
    if (right) {
      while (e > b) {
        size_t k = e - 1;
        while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        size_t i = k;
        if (!is_white_space(utf8_next(s, i))) break;
        e = k;
      }
    }
    s = s.substr(b, e - b);
  }
};

// The pattern object {"String": s} or {"Regex": r}: a literal or a regex.
struct Pattern {
  std::string literal;
  std::unique_ptr<Regex> regex;

  void find(std::string_view s, std::vector<Span>& out) const {
    if (regex) {
      regex->find_all(s, out);
      return;
    }
    if (literal.empty()) return;
    for (size_t pos = s.find(literal); pos != std::string_view::npos;
         pos = s.find(literal, pos + literal.size())) {
      out.emplace_back(pos, pos + literal.size());
    }
  }
};

Pattern make_pattern(const Json& j, const std::string& where) {
  Pattern p;
  if (j.is_object() && j.contains("Regex")) {
    p.regex = std::make_unique<Regex>(json_string(j["Regex"], where + ".Regex"), where + ".Regex");
  } else if (j.is_object() && j.contains("String")) {
    p.literal = json_string(j["String"], where + ".String");
  } else {
    fail(ErrorKind::Format, where, "expected {\"Regex\": ...} or {\"String\": ...}");
  }
  return p;
}

// ---------------------------------------------------------------- pre-tokenizers

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior parse_behavior(const Json& j, const std::string& where) {
  const std::string b = json_string(j, where);
  if (b == "Removed") return Behavior::Removed;
  if (b == "Isolated") return Behavior::Isolated;
  if (b == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (b == "MergedWithNext") return Behavior::MergedWithNext;
  if (b == "Contiguous") return Behavior::Contiguous;
  fail(ErrorKind::Format, where, "unknown split behavior '" + b + "'");
}

struct Chunk {
  size_t b, e;
  bool match;
};

// NormalizedString::split of HF: `chunks` cover the piece (matches and gaps, in order); the
// behavior decides which become pieces. Appends non-empty results to out.
void split_chunks(std::string_view piece, const std::vector<Chunk>& chunks, Behavior behavior,
                  std::vector<std::string_view>& out) {
  std::vector<Chunk> res;
  res.reserve(chunks.size());
  switch (behavior) {
    case Behavior::Isolated:
    case Behavior::Removed:
      res = chunks;
      break;
    case Behavior::Contiguous: {
      bool prev = false;
      for (const Chunk& c : chunks) {
        if (c.match == prev && !res.empty()) {
          res.back().e = c.e;
        } else {
          res.push_back({c.b, c.e, false});
        }
        prev = c.match;
      }
      break;
    }
    case Behavior::MergedWithPrevious: {
      bool prev = false;
      for (const Chunk& c : chunks) {
        if (c.match && !prev && !res.empty()) {
          res.back().e = c.e;
        } else {
          res.push_back({c.b, c.e, false});
        }
        prev = c.match;
      }
      break;
    }
    case Behavior::MergedWithNext: {
      bool prev = false;
      for (auto it = chunks.rbegin(); it != chunks.rend(); ++it) {
        if (it->match && !prev && !res.empty()) {
          res.back().b = it->b;
        } else {
          res.push_back({it->b, it->e, false});
        }
        prev = it->match;
      }
      std::reverse(res.begin(), res.end());
      break;
    }
  }
  for (const Chunk& c : res) {
    if (behavior == Behavior::Removed && c.match) continue;
    if (c.e > c.b) out.push_back(piece.substr(c.b, c.e - c.b));
  }
}

// Matches -> chunks covering the piece (HF Pattern::find_matches), with `invert` applied.
void to_chunks(std::string_view piece, const std::vector<Span>& matches, bool invert,
               std::vector<Chunk>& chunks) {
  chunks.clear();
  size_t prev = 0;
  for (auto [b, e] : matches) {
    if (prev != b) chunks.push_back({prev, b, invert});
    chunks.push_back({b, e, !invert});
    prev = e;
  }
  if (prev != piece.size()) chunks.push_back({prev, piece.size(), invert});
}

class SplitPre : public PreTokenizer {
 public:
  Pattern pattern;
  Behavior behavior = Behavior::Isolated;
  bool invert = false;
  void apply(PreTokens& p) const override {
    std::vector<std::string_view> out;
    out.reserve(p.pieces.size() * 2);
    std::vector<Span> m;
    std::vector<Chunk> chunks;
    for (std::string_view piece : p.pieces) {
      m.clear();
      pattern.find(piece, m);
      to_chunks(piece, m, invert, chunks);
      split_chunks(piece, chunks, behavior, out);
    }
    p.pieces.swap(out);
  }
};

// Rust char::is_numeric: general categories Nd, Nl, No.
class DigitsPre : public PreTokenizer {
 public:
  bool individual = false;
  Regex numeric{"\\p{N}", "Digits"};
  void apply(PreTokens& p) const override {
    std::vector<std::string_view> out;
    out.reserve(p.pieces.size() * 2);
    std::vector<Chunk> chunks;
    for (std::string_view piece : p.pieces) {
      chunks.clear();
      size_t last = 0, i = 0;
      while (i < piece.size()) {
        const size_t b = i;
        const unsigned char c = static_cast<unsigned char>(piece[i]);
        i += utf8_len(c);
        const bool num = c < 0x80 ? (c >= '0' && c <= '9') : numeric.match_at(piece, b);
        if (!num) continue;
        if (last < b) chunks.push_back({last, b, false});
        chunks.push_back({b, i, true});
        last = i;
      }
      if (last < piece.size()) chunks.push_back({last, piece.size(), false});
      split_chunks(piece, chunks, individual ? Behavior::Isolated : Behavior::Contiguous, out);
    }
    p.pieces.swap(out);
  }
};

// GPT-2's pre-tokenization regex, used by ByteLevel when use_regex is true.
constexpr std::string_view kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPre : public PreTokenizer {
 public:
  bool add_prefix_space = false;
  std::unique_ptr<Regex> regex;  // set when use_regex
  void apply(PreTokens& p) const override {
    std::vector<std::string_view> split;
    std::vector<Span> m;
    std::vector<Chunk> chunks;
    for (std::string_view piece : p.pieces) {
      if (add_prefix_space && (piece.empty() || piece[0] != ' ')) {
        p.arena.push_back(" " + std::string(piece));
        piece = p.arena.back();
      }
      if (regex) {
        m.clear();
        regex->find_all(piece, m);
        to_chunks(piece, m, false, chunks);
        split_chunks(piece, chunks, Behavior::Isolated, split);
      } else if (!piece.empty()) {
        split.push_back(piece);
      }
    }
    p.pieces.clear();
    for (std::string_view piece : split) {
      std::string mapped;
      mapped.reserve(piece.size() * 2);
      byte_level_encode(piece, mapped);
      p.arena.push_back(std::move(mapped));
      p.pieces.push_back(p.arena.back());
    }
  }
};

class SequencePre : public PreTokenizer {
 public:
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  void apply(PreTokens& p) const override {
    for (const auto& s : steps) s->apply(p);
  }
};

std::string type_of(const Json& j, const std::string& where) {
  return json_string(json_field(j, "type", where), where + ".type");
}

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const Json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = type_of(j, where);
  if (type == "Sequence") {
    auto seq = std::make_unique<SequenceNormalizer>();
    const Json& list = json_field(j, "normalizers", where);
    if (!list.is_array()) fail(ErrorKind::Format, where + ".normalizers", "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      auto n = make_normalizer(list[i], where + ".normalizers[" + std::to_string(i) + "]");
      if (n) seq->steps.push_back(std::move(n));
    }
    return seq;
  }
  if (type == "Prepend") {
    auto n = std::make_unique<PrependNormalizer>();
    n->prefix = json_string(json_field(j, "prepend", where), where + ".prepend");
    return n;
  }
  if (type == "Replace") {
    auto n = std::make_unique<ReplaceNormalizer>();
    Pattern p = make_pattern(json_field(j, "pattern", where), where + ".pattern");
    n->regex = std::move(p.regex);
    n->literal = std::move(p.literal);
    n->content = json_string(json_field(j, "content", where), where + ".content");
    return n;
  }
  if (type == "Strip") {
    auto n = std::make_unique<StripNormalizer>();
    n->left = json_bool_or(j, "strip_left", true, where);
    n->right = json_bool_or(j, "strip_right", true, where);
    return n;
  }
  fail(ErrorKind::Unsupported, where + ".type",
       "normalizer '" + type + "' is not supported (supported: null, Sequence, Prepend, Replace, Strip)");
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = type_of(j, where);
  if (type == "Sequence") {
    auto seq = std::make_unique<SequencePre>();
    const Json& list = json_field(j, "pretokenizers", where);
    if (!list.is_array()) fail(ErrorKind::Format, where + ".pretokenizers", "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      auto p = make_pre_tokenizer(list[i], where + ".pretokenizers[" + std::to_string(i) + "]");
      if (p) seq->steps.push_back(std::move(p));
    }
    return seq;
  }
  if (type == "Split") {
    auto s = std::make_unique<SplitPre>();
    s->pattern = make_pattern(json_field(j, "pattern", where), where + ".pattern");
    s->behavior = parse_behavior(json_field(j, "behavior", where), where + ".behavior");
    s->invert = json_bool_or(j, "invert", false, where);
    return s;
  }
  if (type == "Digits") {
    auto d = std::make_unique<DigitsPre>();
    d->individual = json_bool_or(j, "individual_digits", false, where);
    return d;
  }
  if (type == "ByteLevel") {
    auto b = std::make_unique<ByteLevelPre>();
    b->add_prefix_space = json_bool_or(j, "add_prefix_space", true, where);
    if (json_bool_or(j, "use_regex", true, where))
      b->regex = std::make_unique<Regex>(kGpt2Regex, where + "(GPT-2 regex)");
    return b;
  }
  fail(ErrorKind::Unsupported, where + ".type",
       "pre_tokenizer '" + type + "' is not supported (supported: Sequence, Split, Digits, ByteLevel)");
}

}  // namespace janus::text

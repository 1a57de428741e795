// PCRE2 regex with the matching rules HF `tokenizers` gets from Oniguruma (its regex engine).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace janus::text {

using Span = std::pair<size_t, size_t>;  // [begin, end) byte offsets

class Regex {
 public:
  // `where` names the pattern's origin for errors (e.g. "tokenizer.json:pre_tokenizer[1].pattern").
  Regex(std::string_view onig_pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // All matches in `subject` (valid UTF-8), iterated like Oniguruma's find_iter in Rust: an empty
  // match right where the previous match ended is skipped by advancing one character.
  void find_all(std::string_view subject, std::vector<Span>& out) const;

  // True when a match starts exactly at subject[pos] (anchored there).
  bool match_at(std::string_view subject, size_t pos) const;

 private:
  void* code_ = nullptr;  // pcre2_code_8*
  std::string where_;
};

// Oniguruma (Ruby syntax, UTF-8) -> PCRE2: `\s` is Unicode White_Space in Oniguruma but PCRE2's UCP
// `\s` also takes U+180E, and Oniguruma's `\h` is a hex digit. Exposed for tests.
std::string onig_to_pcre2(std::string_view pattern);

}  // namespace janus::text

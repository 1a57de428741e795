// Added tokens of HF `tokenizers` (AddedVocabulary): matched before the model, leftmost-longest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace janus::text {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// Byte trie over token contents for leftmost-longest matching.
class TokenTrie {
 public:
  void clear();
  void insert(std::string_view s, int32_t value);
  // Longest entry that starts at text[pos]: its value and length, or value -1.
  std::pair<int32_t, size_t> longest_at(std::string_view text, size_t pos) const;
  bool may_start(unsigned char c) const { return first_[c]; }
  bool empty() const { return nodes_.size() <= 1; }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> next;
    int32_t value = -1;
  };
  std::vector<Node> nodes_{1};
  bool first_[256] = {};
};

// One piece of the text after splitting on added tokens: a token (index into the token list) or
// plain text to hand to the normalizer / pre-tokenizer / model.
struct AddedSplit {
  size_t b, e;
  int32_t token;  // index in the added-token list, or -1 for plain text
};

// HF AddedVocabulary::find_matches: leftmost-longest matches of `trie`, honoring single_word,
// lstrip and rstrip. The result covers `text` in order.
void find_added(std::string_view text, const TokenTrie& trie, const std::vector<AddedToken>& tokens,
                std::vector<AddedSplit>& out);

}  // namespace janus::text

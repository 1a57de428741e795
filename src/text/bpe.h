// BPE model of HF `tokenizers` (models/bpe): merges applied by rank, leftmost first, with a word cache.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "text/json_util.h"

namespace janus::text {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Vocab = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class Bpe {
 public:
  // `model` is tokenizer.json's "model" object; `where` names it for errors.
  Bpe(const Json& model, const std::string& where);

  // Appends the ids of one pre-token (already byte-level mapped when the pipeline says so).
  void tokenize(std::string_view word, std::vector<int32_t>& out) const;

  const Vocab& vocab() const { return vocab_; }
  // Number of entries (HF's Model::get_vocab_size), not the highest id.
  size_t vocab_entries() const { return vocab_.size(); }

 private:
  struct MergeInfo {
    uint32_t rank;
    int32_t new_id;
  };
  static uint64_t pair_key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
  void merge_word(std::string_view word, std::vector<int32_t>& out) const;

  Vocab vocab_;
  std::unordered_map<uint64_t, MergeInfo> merges_;
  std::string unk_token_;
  bool has_unk_ = false;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::string prefix_;     // continuing_subword_prefix
  std::string suffix_;     // end_of_word_suffix
  int32_t byte_ids_[256];  // ids of "<0xXX>" tokens for byte_fallback, -1 if absent

  // Word -> ids cache, like HF's (bounded; long words are not cached).
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> cache_;
};

}  // namespace janus::text

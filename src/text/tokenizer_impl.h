// Internal state of janus::Tokenizer, shared by the loaders and the encoder.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "text/added_vocab.h"
#include "text/bpe.h"
#include "text/pre_tokenizer.h"
#include "text/tokenizer.h"

namespace janus {

struct Tokenizer::Impl {
  std::string name;  // file path (or caller's name) for messages
  std::unique_ptr<text::Normalizer> normalizer;
  std::unique_ptr<text::PreTokenizer> pre_tokenizer;
  std::unique_ptr<text::Bpe> model;
  bool byte_level_decoder = false;  // decoder ByteLevel; null decoder joins tokens with " "

  std::vector<text::AddedToken> added;  // in insertion order
  text::Vocab added_index;              // content -> index in `added`
  text::TokenTrie raw_trie;             // normalized == false
  text::TokenTrie norm_trie;            // normalized == true (matched on normalized text)

  std::vector<std::string> id_to_token;  // model vocab, then added tokens override
  std::vector<int8_t> id_special;        // 1 if the id is a special added token

  int32_t bos = -1, eos = -1, pad = -1;
  bool add_bos_token = true;

  // HF AddedVocabulary::add_tokens for one token: keeps the id of an existing added or vocab
  // entry, otherwise the next id. Returns the id.
  int32_t add_token(text::AddedToken t, bool rebuild = true);
  void rebuild_tries();
  void set_id(int32_t id, const std::string& content, bool special);
  int32_t lookup(std::string_view s) const;
  void encode_plain(std::string_view text, std::vector<int32_t>& out) const;
};

}  // namespace janus

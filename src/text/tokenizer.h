// Hugging Face `tokenizer.json` tokenizer (byte-level BPE family) that reproduces the ids of the
// Rust `tokenizers` library: added-token split -> normalizer -> pre-tokenizer -> BPE.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace janus {

class Tokenizer {
 public:
  // Reads a tokenizer.json file. BOS comes from the file's TemplateProcessing post_processor (the
  // special token before $A), EOS is unknown (-1).
  static std::unique_ptr<Tokenizer> from_file(const std::string& path);
  // Same, from JSON text; `name` is used in error messages in place of a path.
  static std::unique_ptr<Tokenizer> from_json(std::string_view json, const std::string& name);
  // A model folder: tokenizer.json + optional tokenizer_config.json and special_tokens_map.json,
  // loaded the way transformers' LlamaTokenizerFast does. Then each string of `extra_special` that
  // is not in the vocabulary is appended as a new special token (id = highest id + 1), in order:
  // the rule of Janus' VLChatProcessor for its image tags.
  static std::unique_ptr<Tokenizer> from_folder(const std::string& dir,
                                                const std::vector<std::string>& extra_special = {});
  // from_folder on the files' texts (e.g. embedded in a GGUF file); nullopt = file absent. Error
  // messages name `dir`/<file name>, so `dir` may be any label (a GGUF path).
  static std::unique_ptr<Tokenizer> from_strings(std::string_view tokenizer_json,
                                                 const std::optional<std::string_view>& tokenizer_config,
                                                 const std::optional<std::string_view>& special_tokens_map,
                                                 const std::string& dir,
                                                 const std::vector<std::string>& extra_special = {});

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // `text` must be valid UTF-8 (else Error naming the byte offset). With add_bos, exactly one BOS is
  // prepended (LlamaTokenizerFast with add_bos_token=true, add_eos_token=false); never EOS.
  std::vector<int32_t> encode(std::string_view text, bool add_bos = true) const;
  // Byte-level decode; invalid UTF-8 becomes U+FFFD; ids outside [0, size()) decode as empty.
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // Raw bytes one id stands for (may be part of a UTF-8 character); empty for unknown ids.
  std::string piece(int32_t id) const;
  // The token's string as stored in tokenizer.json (e.g. "Ġhello"); empty for unknown ids.
  std::string token(int32_t id) const;
  // Id of a vocabulary or added-token string, or -1.
  int32_t token_id(std::string_view token) const;

  int32_t bos_id() const;      // -1 if unknown
  int32_t eos_id() const;      // -1 if unknown
  int32_t pad_id() const;      // pad token from the config files, -1 if none (Janus looks pad up by string)
  bool add_bos_token() const;  // tokenizer_config.json add_bos_token (default true)
  bool is_special(int32_t id) const;
  // Number of id slots: highest id + 1.
  int32_t size() const;

  // HF add_special_tokens for one string: existing vocabulary/added entries keep their id and
  // become special; a new string gets the next id. Returns the id.
  int32_t add_special_token(const std::string& content);

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace janus

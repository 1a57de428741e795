// Generated ids -> streamed answer text: whole UTF-8 characters only (a character split across tokens
// is held back until complete), special tokens skipped, and stop strings cut off before they reach
// the caller. The concatenated pieces equal Tokenizer::decode(ids, skip_special=true), cut before the
// first stop string to complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace janus {

class Tokenizer;

class TextStream {
 public:
  // Stop strings must be non-empty valid UTF-8 (Error(InvalidArgument) naming "stop[i]").
  TextStream(const Tokenizer& tok, std::vector<std::string> stop);

  // Adds one generated id; returns the text that became final (possibly empty). After a stop string
  // has appeared, stopped() is true and later pushes return nothing.
  std::string push(int32_t id);
  // End of generation: returns the held-back rest (an incomplete character becomes U+FFFD, as decode does).
  std::string finish();

  bool stopped() const { return stopped_; }
  const std::string& text() const { return emitted_; }  // everything returned so far

 private:
  std::string release();  // emits what can no longer become part of a stop string
  const Tokenizer& tok_;
  std::vector<std::string> stop_;
  size_t max_stop_ = 0;
  std::string bytes_;  // raw bytes of the non-special pieces
  size_t converted_bytes_ = 0;
  std::string text_;     // lossy UTF-8 of bytes_[0, converted_bytes_)
  size_t searched_ = 0;  // stop strings were looked for in text_[0, searched_)
  std::string emitted_;  // = text_[0, emitted_.size())
  bool stopped_ = false;
};

}  // namespace janus

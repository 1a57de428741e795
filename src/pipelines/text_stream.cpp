#include "pipelines/text_stream.h"

#include <algorithm>

#include "core/error.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace janus {

namespace {

// Whether a lead byte and the continuation bytes after it can still become a well-formed sequence:
// only the second byte has a lead-dependent range (Unicode Table 3-7).
bool can_complete(const unsigned char* t, size_t len) {
  if (len < 2) return true;
  const unsigned char c = t[0];
  const unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  const unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  return t[1] >= lo && t[1] <= hi;
}

// Start of a trailing incomplete-but-valid UTF-8 sequence (held back until its last byte arrives),
// or s.size() when the bytes end on a character boundary or in an invalid sequence (which lossy
// conversion replaces the same way whenever it is converted).
size_t complete_prefix(const std::string& s) {
  const size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const unsigned char c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;    // continuation byte: look further back for the lead
    if (c < 0xC2 || c > 0xF4) return n;  // ASCII or a byte that never leads
    if (back >= text::utf8_len(c)) return n;
    return can_complete(reinterpret_cast<const unsigned char*>(s.data() + n - back), back) ? n - back : n;
  }
  return n;
}

}  // namespace

TextStream::TextStream(const Tokenizer& tok, std::vector<std::string> stop)
    : tok_(tok), stop_(std::move(stop)) {
  for (size_t i = 0; i < stop_.size(); ++i) {
    if (stop_[i].empty() || text::utf8_first_invalid(stop_[i]) != text::kUtf8Valid)
      fail(ErrorKind::InvalidArgument, "stop[" + std::to_string(i) + "]", "must be non-empty valid UTF-8");
    max_stop_ = std::max(max_stop_, stop_[i].size());
  }
}

std::string TextStream::push(int32_t id) {
  if (stopped_) return "";
  if (!tok_.is_special(id)) bytes_ += tok_.piece(id);  // skip_special_tokens=True, as the official decode
  const size_t ready = complete_prefix(bytes_);
  if (ready > converted_bytes_) {
    text_ += text::utf8_lossy(std::string_view(bytes_).substr(converted_bytes_, ready - converted_bytes_));
    converted_bytes_ = ready;
  }
  return release();
}

std::string TextStream::finish() {
  if (stopped_) return "";
  if (converted_bytes_ < bytes_.size()) {
    text_ += text::utf8_lossy(std::string_view(bytes_).substr(converted_bytes_));
    converted_bytes_ = bytes_.size();
  }
  std::string out = release();
  if (stopped_) return out;
  out += text_.substr(emitted_.size());  // no more text can follow: held-back stop prefixes go out too
  emitted_ = text_;
  return out;
}

std::string TextStream::release() {
  // The earliest-ending stop string: only occurrences that end in the new text need looking for.
  const size_t from = searched_ >= max_stop_ ? searched_ - (max_stop_ - 1) : 0;
  size_t cut = std::string::npos, cut_end = std::string::npos;
  for (const std::string& s : stop_) {
    const size_t p = text_.find(s, from);
    if (p != std::string::npos &&
        (cut_end == std::string::npos || p + s.size() < cut_end || (p + s.size() == cut_end && p < cut))) {
      cut = p;
      cut_end = p + s.size();
    }
  }
  searched_ = text_.size();
  size_t keep;  // text_[0, keep) is final
  if (cut != std::string::npos) {
    stopped_ = true;
    keep = std::max(cut, emitted_.size());
  } else {
    // Hold back the longest suffix that could still grow into a stop string.
    size_t hold = 0;
    for (const std::string& s : stop_) {
      for (size_t k = std::min(s.size() - 1, text_.size()); k > hold; --k) {
        if (text_.compare(text_.size() - k, k, s, 0, k) == 0) {
          hold = k;
          break;
        }
      }
    }
    keep = std::max(text_.size() - hold, emitted_.size());
  }
  std::string out = text_.substr(emitted_.size(), keep - emitted_.size());
  emitted_.append(out);
  return out;
}

}  // namespace janus

// libFuzzer target: arbitrary bytes through Tokenizer::encode / decode of the Janus-1.3B tokenizer.
// Tokenizer path: $JANUS_TOKENIZER, else ../shared/models/Janus-1.3B/tokenizer.json (from cwd).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "text/tokenizer.h"

namespace {

janus::Tokenizer& tokenizer() {
  static std::unique_ptr<janus::Tokenizer> tok = [] {
    const char* env = std::getenv("JANUS_TOKENIZER");
    auto t = janus::Tokenizer::from_file(env ? env : "../shared/models/Janus-1.3B/tokenizer.json");
    t->add_special_token("<image_placeholder>");
    return t;
  }();
  return *tok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& tok = tokenizer();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto ids = tok.encode(text, true);
    // Valid input: every id is known and decoding gives the text back, unless it contains one of
    // the added single characters (ø, ü, ...) that HF's ByteLevel decoder cannot map back.
    for (int32_t id : ids) {
      if (id < 0 || id >= tok.size()) std::abort();
    }
    const std::string back = tok.decode(std::vector<int32_t>(ids.begin() + 1, ids.end()));
    bool has_added_char = false;
    for (int32_t id : ids) has_added_char |= id >= 100002 && id <= 100014;
    if (!has_added_char && back != text) std::abort();
  } catch (const janus::Error&) {
    // Invalid UTF-8 is reported as an Error; that is the expected outcome.
  }
  // Decode arbitrary id sequences (including out-of-range ids).
  std::vector<int32_t> ids(size / 4);
  if (!ids.empty()) std::memcpy(ids.data(), data, ids.size() * 4);
  (void)tok.decode(ids, size % 2 == 0);
  return 0;
}

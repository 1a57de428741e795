#include "text/bpe.h"

#include <cstdio>
#include <queue>

#include "text/utf8.h"

namespace janus::text {

namespace {

constexpr size_t kCacheMaxWordBytes = 256;
constexpr size_t kCacheCapacity = 200'000;

// Optional string field: null/absent -> "".
std::string opt_string(const Json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  return json_string(*it, where + "." + key);
}

}  // namespace

Bpe::Bpe(const Json& model, const std::string& where) {
  const std::string type = model.contains("type") ? json_string(model["type"], where + ".type") : "BPE";
  if (type != "BPE")
    fail(ErrorKind::Unsupported, where + ".type", "model type '" + type + "' (only BPE is supported)");

  const Json& vocab = json_field(model, "vocab", where);
  if (!vocab.is_object()) fail(ErrorKind::Format, where + ".vocab", "expected an object of token -> id");
  vocab_.reserve(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    vocab_[it.key()] = json_id(it.value(), where + ".vocab[" + it.key() + "]");
  }

  if (model.contains("dropout") && !model["dropout"].is_null()) {
    const Json& d = model["dropout"];
    if (!d.is_number()) fail(ErrorKind::Format, where + ".dropout", "expected a number or null");
    if (d.get<double>() > 0.0)
      fail(ErrorKind::Unsupported, where + ".dropout", "BPE dropout is random; not supported");
  }
  unk_token_ = opt_string(model, "unk_token", where);
  has_unk_ = model.contains("unk_token") && !model["unk_token"].is_null();
  fuse_unk_ = json_bool_or(model, "fuse_unk", false, where);
  byte_fallback_ = json_bool_or(model, "byte_fallback", false, where);
  ignore_merges_ = json_bool_or(model, "ignore_merges", false, where);
  prefix_ = opt_string(model, "continuing_subword_prefix", where);
  suffix_ = opt_string(model, "end_of_word_suffix", where);
  if (has_unk_ && !vocab_.count(unk_token_)) {
    fail(ErrorKind::Format, where + ".unk_token", "unk token '" + unk_token_ + "' is not in the vocabulary");
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    auto it = vocab_.find(std::string_view(name));
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }

  const Json& merges = json_field(model, "merges", where);
  if (!merges.is_array()) fail(ErrorKind::Format, where + ".merges", "expected an array");
  merges_.reserve(merges.size());
  const auto lookup = [&](const std::string& tok, const std::string& w) {
    auto it = vocab_.find(tok);
    if (it == vocab_.end()) fail(ErrorKind::Format, w, "merge token '" + tok + "' is not in the vocabulary");
    return it->second;
  };
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string w = where + ".merges[" + std::to_string(i) + "]";
    const Json& m = merges[i];
    std::string a, b;
    if (m.is_string()) {
      // "a b": exactly two parts separated by one space, as HF requires.
      const std::string s = m.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
        fail(ErrorKind::Format, w, "merge '" + s + "' is not two tokens separated by one space");
      }
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2) {
      a = json_string(m[0], w + "[0]");
      b = json_string(m[1], w + "[1]");
    } else {
      fail(ErrorKind::Format, w, "expected \"a b\" or [a, b]");
    }
    const int32_t ia = lookup(a, w), ib = lookup(b, w);
    // With a continuing-subword prefix the merged token drops b's prefix (HF models/bpe).
    std::string merged = a;
    merged += prefix_.empty() || b.compare(0, prefix_.size(), prefix_) != 0 ? b : b.substr(prefix_.size());
    const int32_t inew = lookup(merged, w);
    merges_[pair_key(ia, ib)] = MergeInfo{static_cast<uint32_t>(i), inew};  // duplicates: last wins, as in HF
  }
}

void Bpe::tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    auto it = vocab_.find(word);
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  const bool cacheable = word.size() <= kCacheMaxWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(word);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t start = out.size();
  merge_word(word, out);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(std::string(word),
                   std::vector<int32_t>(out.begin() + static_cast<ptrdiff_t>(start), out.end()));
  }
}

void Bpe::merge_word(std::string_view w, std::vector<int32_t>& out) const {
  struct Symbol {
    int32_t id;
    int32_t prev, next;
    bool alive;
  };
  std::vector<Symbol> sym;
  sym.reserve(w.size());
  const auto push = [&](int32_t id) {
    const int32_t n = static_cast<int32_t>(sym.size());
    sym.push_back(Symbol{id, n - 1, -1, true});
    if (n > 0) sym[static_cast<size_t>(n - 1)].next = n;
  };

  // Initial symbols: one per character (HF merge_word), with unk / byte-fallback handling.
  int32_t unk_pending = -1;  // id of a pending (possibly fused) unk
  std::string key;
  size_t i = 0;
  while (i < w.size()) {
    const size_t b = i;
    i += utf8_len(static_cast<unsigned char>(w[i]));
    if (i > w.size()) i = w.size();
    key.assign(b != 0 ? prefix_ : std::string());
    key.append(w.substr(b, i - b));
    if (i == w.size()) key += suffix_;
    auto it = vocab_.find(key);
    if (it != vocab_.end()) {
      if (unk_pending >= 0) push(unk_pending), unk_pending = -1;
      push(it->second);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char c : key) all = all && byte_ids_[c] >= 0;
      if (all) {
        for (unsigned char c : key) push(byte_ids_[c]);
        continue;
      }
    }
    if (has_unk_) {
      const int32_t unk = vocab_.find(unk_token_)->second;
      if (unk_pending >= 0 && !fuse_unk_) push(unk_pending);
      unk_pending = unk;
    }
    // No unk token: HF silently drops the character.
  }
  if (unk_pending >= 0) push(unk_pending);

  struct Cand {
    uint32_t rank;
    int32_t pos;
    int32_t new_id;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> queue;
  const auto consider = [&](int32_t pos) {
    const Symbol& s = sym[static_cast<size_t>(pos)];
    if (s.next < 0) return;
    auto it = merges_.find(pair_key(s.id, sym[static_cast<size_t>(s.next)].id));
    if (it != merges_.end()) queue.push(Cand{it->second.rank, pos, it->second.new_id});
  };
  for (int32_t p = 0; p + 1 < static_cast<int32_t>(sym.size()); ++p) consider(p);

  while (!queue.empty()) {
    const Cand top = queue.top();
    queue.pop();
    Symbol& s = sym[static_cast<size_t>(top.pos)];
    if (!s.alive || s.next < 0) continue;
    Symbol& right = sym[static_cast<size_t>(s.next)];
    // Skip stale entries: the pair at this position must still produce the same token.
    auto it = merges_.find(pair_key(s.id, right.id));
    if (it == merges_.end() || it->second.new_id != top.new_id) continue;
    s.id = top.new_id;
    right.alive = false;
    s.next = right.next;
    if (s.next >= 0) sym[static_cast<size_t>(s.next)].prev = top.pos;
    if (s.prev >= 0) consider(s.prev);
    consider(top.pos);
  }
  for (const Symbol& s : sym) {
    if (s.alive) out.push_back(s.id);
  }
}

}  // namespace janus::text

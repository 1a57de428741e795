#include "text/tokenizer.h"

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "text/byte_level.h"
#include "text/json_util.h"
#include "text/tokenizer_impl.h"
#include "text/utf8.h"

namespace janus {

using text::Json;

namespace {

// Largest tokenizer.json we accept (real ones are ~5 MB); guards against reading huge files.
constexpr std::streamoff kMaxJsonBytes = 256ll << 20;

// BOS/EOS the post_processor wraps a single sequence with (TemplateProcessing, possibly inside a
// Sequence). Other processor types add nothing we need for ids.
void template_specials(const Json& pp, const std::string& where, std::string& bos, std::string& eos) {
  if (!pp.is_object()) return;
  const std::string type = pp.contains("type") ? text::json_string(pp["type"], where + ".type") : "";
  if (type == "Sequence" && pp.contains("processors") && pp["processors"].is_array()) {
    for (size_t i = 0; i < pp["processors"].size(); ++i) {
      template_specials(pp["processors"][i], where + ".processors[" + std::to_string(i) + "]", bos, eos);
    }
    return;
  }
  if (type != "TemplateProcessing" || !pp.contains("single") || !pp["single"].is_array()) return;
  const Json& single = pp["single"];
  bool seen_sequence = false;
  for (const Json& item : single) {
    if (item.contains("Sequence")) {
      seen_sequence = true;
    } else if (item.contains("SpecialToken") && item["SpecialToken"].contains("id")) {
      const std::string key =
          text::json_string(item["SpecialToken"]["id"], where + ".single.SpecialToken.id");
      // The template names an entry of special_tokens; its single token string is what we need.
      std::string tok = key;
      if (pp.contains("special_tokens") && pp["special_tokens"].contains(key)) {
        const Json& st = pp["special_tokens"][key];
        if (st.contains("tokens") && st["tokens"].is_array() && st["tokens"].size() == 1 &&
            st["tokens"][0].is_string()) {
          tok = st["tokens"][0].get<std::string>();
        }
      }
      (seen_sequence ? eos : bos) = tok;
    }
  }
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

// ------------------------------------------------------------------ Impl

void Tokenizer::Impl::set_id(int32_t id, const std::string& content, bool special) {
  const size_t need = static_cast<size_t>(id) + 1;
  if (id_to_token.size() < need) {
    id_to_token.resize(need);
    id_special.resize(need, -1);
  }
  id_to_token[static_cast<size_t>(id)] = content;
  id_special[static_cast<size_t>(id)] = special ? 1 : 0;
}

int32_t Tokenizer::Impl::lookup(std::string_view s) const {
  auto a = added_index.find(s);
  if (a != added_index.end()) return added[static_cast<size_t>(a->second)].id;
  auto m = model->vocab().find(s);
  return m == model->vocab().end() ? -1 : m->second;
}

int32_t Tokenizer::Impl::add_token(text::AddedToken t, bool rebuild) {
  if (t.content.empty()) return -1;
  auto existing = added_index.find(t.content);
  if (existing != added_index.end()) {
    // Same content again: keep its id, take the new flags (HF replaces the stored AddedToken).
    text::AddedToken& old = added[static_cast<size_t>(existing->second)];
    t.id = old.id;
    old = t;
  } else {
    // HF AddedVocabulary::add_tokens: the ids written in tokenizer.json are NOT used. A string in
    // the model vocabulary keeps that id; otherwise the id is max(added ids) + 1, or the model's
    // entry count when no added id reaches it yet.
    auto m = model->vocab().find(t.content);
    if (m != model->vocab().end()) {
      t.id = m->second;
    } else {
      const int64_t entries = static_cast<int64_t>(model->vocab_entries());
      int64_t max_added = -1;
      for (const auto& a : added) max_added = std::max<int64_t>(max_added, a.id);
      const int64_t next = max_added < 0                            ? entries
                           : (max_added >= entries || entries == 0) ? max_added + 1
                                                                    : entries;
      if (next > text::kMaxTokenId) fail(ErrorKind::Format, name, "too many added tokens");
      t.id = static_cast<int32_t>(next);
    }
    added_index[t.content] = static_cast<int32_t>(added.size());
    added.push_back(t);
  }
  set_id(t.id, t.content, t.special);
  if (rebuild) rebuild_tries();
  return t.id;
}

void Tokenizer::Impl::rebuild_tries() {
  raw_trie.clear();
  norm_trie.clear();
  for (size_t i = 0; i < added.size(); ++i) {
    const auto& t = added[i];
    if (!t.normalized) {
      raw_trie.insert(t.content, static_cast<int32_t>(i));
    } else {
      // Normalized tokens are matched on normalized text, so their content is normalized too.
      std::string c = t.content;
      if (normalizer) normalizer->normalize(c);
      norm_trie.insert(c, static_cast<int32_t>(i));
    }
  }
}

void Tokenizer::Impl::encode_plain(std::string_view seg, std::vector<int32_t>& out) const {
  std::string normalized;
  std::string_view text = seg;
  if (normalizer) {
    normalized.assign(seg);
    normalizer->normalize(normalized);
    text = normalized;
  }
  std::vector<text::AddedSplit> splits;
  if (norm_trie.empty()) {
    splits.push_back({0, text.size(), -1});
  } else {
    text::find_added(text, norm_trie, added, splits);
  }
  text::PreTokens pre;
  for (const auto& s : splits) {
    if (s.token >= 0) {
      out.push_back(added[static_cast<size_t>(s.token)].id);
      continue;
    }
    const std::string_view piece = text.substr(s.b, s.e - s.b);
    if (piece.empty()) continue;
    if (!pre_tokenizer) {
      model->tokenize(piece, out);
      continue;
    }
    pre.pieces.assign(1, piece);
    pre.arena.clear();
    pre_tokenizer->apply(pre);
    for (std::string_view p : pre.pieces) model->tokenize(p, out);
  }
}

// ------------------------------------------------------------------ loading

std::unique_ptr<Tokenizer> Tokenizer::from_json(std::string_view json_text, const std::string& name) {
  Json root;
  try {
    root = Json::parse(json_text.begin(), json_text.end());
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::Format, name, std::string("invalid JSON: ") + e.what());
  }
  if (!root.is_object()) fail(ErrorKind::Format, name, "expected a JSON object at the top level");

  auto impl = std::make_unique<Impl>();
  impl->name = name;
  try {
    impl->model = std::make_unique<text::Bpe>(text::json_field(root, "model", name), name + ":model");
    if (root.contains("normalizer"))
      impl->normalizer = text::make_normalizer(root["normalizer"], name + ":normalizer");
    if (root.contains("pre_tokenizer")) {
      impl->pre_tokenizer = text::make_pre_tokenizer(root["pre_tokenizer"], name + ":pre_tokenizer");
    }
    if (root.contains("decoder") && !root["decoder"].is_null()) {
      const Json& d = root["decoder"];
      const std::string w = name + ":decoder";
      const std::string type = text::json_string(text::json_field(d, "type", w), w + ".type");
      if (type != "ByteLevel")
        fail(ErrorKind::Unsupported, w + ".type", "decoder '" + type + "' (only ByteLevel or null)");
      impl->byte_level_decoder = true;
    }

    for (const auto& [tok, id] : impl->model->vocab()) impl->set_id(id, tok, false);
    if (root.contains("added_tokens") && !root["added_tokens"].is_null()) {
      const Json& list = root["added_tokens"];
      if (!list.is_array()) fail(ErrorKind::Format, name + ":added_tokens", "expected an array");
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string w = name + ":added_tokens[" + std::to_string(i) + "]";
        text::AddedToken t = text::parse_added_token(list[i], w);
        if (list[i].contains("id")) text::json_id(list[i]["id"], w + ".id");  // validated; HF reassigns ids
        impl->add_token(std::move(t), /*rebuild=*/false);
      }
    }
    impl->rebuild_tries();

    std::string bos, eos;
    if (root.contains("post_processor"))
      template_specials(root["post_processor"], name + ":post_processor", bos, eos);
    if (!bos.empty()) impl->bos = impl->lookup(bos);
    if (!eos.empty()) impl->eos = impl->lookup(eos);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::Format, name, std::string("unexpected JSON structure: ") + e.what());
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

std::unique_ptr<Tokenizer> Tokenizer::from_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) fail(ErrorKind::Io, path, "cannot open tokenizer file");
  const std::streamoff size = f.tellg();
  if (size < 0 || size > kMaxJsonBytes) fail(ErrorKind::Format, path, "file size out of range (max 256 MiB)");
  std::string data(static_cast<size_t>(size), '\0');
  f.seekg(0);
  if (!f.read(data.data(), size)) fail(ErrorKind::Io, path, "read failed");
  return from_json(data, path);
}

// ------------------------------------------------------------------ queries

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_bos) const {
  const size_t bad = text::utf8_first_invalid(text);
  if (bad != text::kUtf8Valid) {
    fail(ErrorKind::InvalidArgument, "text",
         "input is not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
  }
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos) {
    if (impl_->bos < 0)
      fail(ErrorKind::InvalidArgument, impl_->name, "BOS requested but the tokenizer has no BOS token");
    out.push_back(impl_->bos);
  }
  if (impl_->raw_trie.empty()) {
    if (!text.empty()) impl_->encode_plain(text, out);
    return out;
  }
  std::vector<text::AddedSplit> splits;
  text::find_added(text, impl_->raw_trie, impl_->added, splits);
  for (const auto& s : splits) {
    if (s.token >= 0) {
      out.push_back(impl_->added[static_cast<size_t>(s.token)].id);
    } else if (s.e > s.b) {
      impl_->encode_plain(text.substr(s.b, s.e - s.b), out);
    }
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string bytes;
  bool first = true;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= impl_->id_special.size()) continue;
    const int8_t kind = impl_->id_special[static_cast<size_t>(id)];
    if (kind < 0 || (skip_special && kind == 1)) continue;
    const std::string& tok = impl_->id_to_token[static_cast<size_t>(id)];
    if (impl_->byte_level_decoder) {
      text::byte_level_decode(tok, bytes);
    } else {
      if (!first) bytes += ' ';  // HF without a decoder joins tokens with spaces
      bytes += tok;
    }
    first = false;
  }
  return text::utf8_lossy(bytes);
}

std::string Tokenizer::piece(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->id_special.size() ||
      impl_->id_special[static_cast<size_t>(id)] < 0) {
    return "";
  }
  const std::string& tok = impl_->id_to_token[static_cast<size_t>(id)];
  if (!impl_->byte_level_decoder) return tok;
  std::string out;
  text::byte_level_decode(tok, out);
  return out;
}

std::string Tokenizer::token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->id_to_token.size()) return "";
  return impl_->id_to_token[static_cast<size_t>(id)];
}

int32_t Tokenizer::token_id(std::string_view token) const {
  return impl_->lookup(token);
}
int32_t Tokenizer::bos_id() const {
  return impl_->bos;
}
int32_t Tokenizer::eos_id() const {
  return impl_->eos;
}
int32_t Tokenizer::pad_id() const {
  return impl_->pad;
}
bool Tokenizer::add_bos_token() const {
  return impl_->add_bos_token;
}

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->id_special.size() &&
         impl_->id_special[static_cast<size_t>(id)] == 1;
}

int32_t Tokenizer::size() const {
  return static_cast<int32_t>(impl_->id_to_token.size());
}

int32_t Tokenizer::add_special_token(const std::string& content) {
  if (content.empty()) fail(ErrorKind::InvalidArgument, impl_->name, "cannot add an empty special token");
  text::AddedToken t;
  t.content = content;
  t.special = true;
  t.normalized = false;
  auto existing = impl_->added_index.find(content);
  if (existing != impl_->added_index.end()) {
    // Already an added token: it only becomes special (HF keeps its other flags).
    t = impl_->added[static_cast<size_t>(existing->second)];
    t.special = true;
  }
  return impl_->add_token(std::move(t));
}

namespace text {

AddedToken parse_added_token(const Json& j, const std::string& where) {
  AddedToken t;
  t.content = json_string(json_field(j, "content", where), where + ".content");
  t.special = json_bool_or(j, "special", false, where);
  t.lstrip = json_bool_or(j, "lstrip", false, where);
  t.rstrip = json_bool_or(j, "rstrip", false, where);
  t.single_word = json_bool_or(j, "single_word", false, where);
  // HF's default: special tokens are not normalized, others are.
  t.normalized = json_bool_or(j, "normalized", !t.special, where);
  return t;
}

}  // namespace text
}  // namespace janus

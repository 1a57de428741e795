// Tokenizer::from_folder: the model folder as transformers' LlamaTokenizerFast loads it, plus the
// run-time tags of Janus' VLChatProcessor.
//
// What the reference code does (read from deepseek-ai/Janus at 1daa72f and transformers):
// * transformers reads tokenizer_config.json, then special_tokens_map.json, whose entries override
//   the config's bos/eos/unk/sep/pad/cls/mask/additional_special_tokens. A value is a string or an
//   AddedToken dict ({"content": ..., "lstrip": ..., ...}).
// * PreTrainedTokenizerFast.__init__ then adds (add_tokens) the added_tokens_decoder entries of the
//   config that tokenizer.json lacks, sorted by id, followed by every special token whose string is
//   not an added token yet, in attribute order (bos, eos, unk, sep, pad, cls, mask, additional...).
//   All of those are flagged special when their string is one of the special tokens.
// * Rust AddedVocabulary::add_tokens assigns ids: a string already in the vocabulary keeps its id,
//   a new one gets max(added ids) + 1 (the ids written in the config are not used).
// * janus/models/processing_vlm.py checks `tokenizer.vocab.get(image_tag)` and, when missing, calls
//   add_special_tokens({"additional_special_tokens": [image_tag]}): a new special token at the next
//   id (Janus-1.3B: <image_placeholder> -> 100594). janus/janusflow/models/processing_vlm.py does the
//   same for image_tag, image_gen_tag, image_start_tag, image_end_tag, in that order. The caller
//   passes those tags as `extra_special`, in the processor's order.
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "text/json_util.h"
#include "text/tokenizer.h"
#include "text/tokenizer_impl.h"

namespace janus {

using text::Json;

namespace {

// Optional JSON file's text: nullopt when absent.
std::optional<std::string> read_optional_file(const std::filesystem::path& p, size_t max_mib = 64) {
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return std::nullopt;
  const auto size = std::filesystem::file_size(p, ec);
  if (ec || size > (max_mib << 20))
    fail(ErrorKind::Format, p.string(), "unreadable or larger than " + std::to_string(max_mib) + " MiB");
  std::ifstream f(p, std::ios::binary);
  if (!f) fail(ErrorKind::Io, p.string(), "cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Optional JSON object text: null Json when absent.
Json parse_optional_json(const std::optional<std::string_view>& text, const std::string& name) {
  if (!text) return Json();
  try {
    Json j = Json::parse(text->begin(), text->end());
    if (!j.is_object()) fail(ErrorKind::Format, name, "expected a JSON object");
    return j;
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::Format, name, std::string("invalid JSON: ") + e.what());
  }
}

// A special-token value: a string, an AddedToken dict, or null (-> no token).
bool parse_special(const Json& v, const std::string& where, text::AddedToken& out) {
  if (v.is_null()) return false;
  out = text::AddedToken{};
  if (v.is_string()) {
    out.content = v.get<std::string>();
    out.special = true;
    out.normalized = false;
    return !out.content.empty();
  }
  if (v.is_object()) {
    out.content = text::json_string(text::json_field(v, "content", where), where + ".content");
    out.lstrip = text::json_bool_or(v, "lstrip", false, where);
    out.rstrip = text::json_bool_or(v, "rstrip", false, where);
    out.single_word = text::json_bool_or(v, "single_word", false, where);
    out.normalized = text::json_bool_or(v, "normalized", false, where);
    out.special = true;
    return !out.content.empty();
  }
  fail(ErrorKind::Format, where, "expected a string, an AddedToken object or null");
}

bool same_token(const text::AddedToken& a, const text::AddedToken& b) {
  return a.content == b.content && a.special == b.special && a.lstrip == b.lstrip && a.rstrip == b.rstrip &&
         a.single_word == b.single_word && a.normalized == b.normalized;
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_folder(const std::string& dir,
                                                  const std::vector<std::string>& extra_special) {
  const std::filesystem::path root(dir);
  const std::filesystem::path tok_path = root / "tokenizer.json";
  const std::filesystem::path cfg_path = root / "tokenizer_config.json";
  const std::filesystem::path map_path = root / "special_tokens_map.json";
  const std::optional<std::string> tok_text = read_optional_file(tok_path, 256);
  if (!tok_text) return from_file(tok_path.string());  // from_file names the missing file
  const std::optional<std::string> cfg = read_optional_file(cfg_path), map = read_optional_file(map_path);
  return from_strings(*tok_text, cfg, map, dir, extra_special);
}

std::unique_ptr<Tokenizer> Tokenizer::from_strings(std::string_view tokenizer_json,
                                                   const std::optional<std::string_view>& tokenizer_config,
                                                   const std::optional<std::string_view>& special_tokens_map,
                                                   const std::string& dir,
                                                   const std::vector<std::string>& extra_special) {
  const std::filesystem::path root(dir);
  auto tok = from_json(tokenizer_json, (root / "tokenizer.json").string());
  Impl& impl = *tok->impl_;

  const std::string cfg_name = (root / "tokenizer_config.json").string();
  const std::string map_name = (root / "special_tokens_map.json").string();
  const Json cfg = parse_optional_json(tokenizer_config, cfg_name);
  const Json map = parse_optional_json(special_tokens_map, map_name);

  try {
    // Special-token attributes: the map overrides the config.
    static const char* kAttrs[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                   "pad_token", "cls_token", "mask_token"};
    std::map<std::string, text::AddedToken> attrs;
    std::vector<text::AddedToken> additional;
    const auto read_attrs = [&](const Json& j, const std::string& where) {
      if (!j.is_object()) return;
      for (const char* key : kAttrs) {
        if (!j.contains(key)) continue;
        text::AddedToken t;
        if (parse_special(j[key], where + ":" + key, t)) {
          attrs[key] = t;
        } else {
          attrs.erase(key);
        }
      }
      if (j.contains("additional_special_tokens") && !j["additional_special_tokens"].is_null()) {
        const Json& list = j["additional_special_tokens"];
        const std::string w = where + ":additional_special_tokens";
        if (!list.is_array()) fail(ErrorKind::Format, w, "expected an array");
        additional.clear();
        for (size_t i = 0; i < list.size(); ++i) {
          text::AddedToken t;
          if (parse_special(list[i], w + "[" + std::to_string(i) + "]", t)) additional.push_back(t);
        }
      }
    };
    read_attrs(cfg, cfg_name);
    read_attrs(map, map_name);

    std::vector<std::string> special_strings;
    std::vector<text::AddedToken> specials_extended;
    for (const char* key : kAttrs) {
      auto it = attrs.find(key);
      if (it != attrs.end()) specials_extended.push_back(it->second);
    }
    for (const auto& t : additional) specials_extended.push_back(t);
    for (const auto& t : specials_extended) special_strings.push_back(t.content);
    const auto is_special_string = [&](const std::string& s) {
      return std::find(special_strings.begin(), special_strings.end(), s) != special_strings.end();
    };

    // added_tokens_decoder entries tokenizer.json lacks (same content and flags = present), by id.
    std::vector<text::AddedToken> to_add;
    if (cfg.is_object() && cfg.contains("added_tokens_decoder") && !cfg["added_tokens_decoder"].is_null()) {
      const Json& dec = cfg["added_tokens_decoder"];
      const std::string w = cfg_name + ":added_tokens_decoder";
      if (!dec.is_object()) fail(ErrorKind::Format, w, "expected an object of id -> AddedToken");
      std::map<int64_t, text::AddedToken> by_id;
      for (auto it = dec.begin(); it != dec.end(); ++it) {
        const std::string wk = w + "[" + it.key() + "]";
        int64_t id = -1;
        try {
          size_t used = 0;
          id = std::stoll(it.key(), &used);
          if (used != it.key().size()) id = -1;
        } catch (const std::exception&) {
          id = -1;
        }
        if (id < 0 || id > text::kMaxTokenId) fail(ErrorKind::Format, wk, "key is not a token id");
        const Json& v = it.value();
        by_id[id] = text::parse_added_token(it.value(), wk);
      }
      for (const auto& [id, t] : by_id) {
        auto have = impl.added_index.find(t.content);
        if (have == impl.added_index.end() || !same_token(impl.added[static_cast<size_t>(have->second)], t)) {
          to_add.push_back(t);
        }
      }
    }
    // Special tokens whose string is not an added token yet.
    const size_t from_decoder = to_add.size();
    for (const auto& t : specials_extended) {
      const bool known = impl.added_index.count(t.content) > 0;
      bool queued = false;
      for (const auto& q : to_add) queued = queued || q.content == t.content;
      if (!known && !queued) to_add.push_back(t);
    }
    for (size_t i = 0; i < to_add.size(); ++i) {
      text::AddedToken t = to_add[i];
      t.special = (i < from_decoder ? t.special : false) || is_special_string(t.content);
      impl.add_token(std::move(t));
    }

    const auto resolve = [&](const char* key) {
      auto it = attrs.find(key);
      return it == attrs.end() ? -2 : impl.lookup(it->second.content);
    };
    if (int32_t id = resolve("bos_token"); id != -2) impl.bos = id;
    if (int32_t id = resolve("eos_token"); id != -2) impl.eos = id;
    if (int32_t id = resolve("pad_token"); id != -2) impl.pad = id;
    impl.add_bos_token = text::json_bool_or(cfg, "add_bos_token", true, cfg_name);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::Format, dir, std::string("unexpected JSON structure in tokenizer config: ") + e.what());
  }

  for (const std::string& tag : extra_special) {
    if (tag.empty()) fail(ErrorKind::InvalidArgument, dir, "empty extra special token");
    if (impl.lookup(tag) < 0) tok->add_special_token(tag);
  }
  return tok;
}

}  // namespace janus

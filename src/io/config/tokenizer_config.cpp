// tokenizer_config.json and special_tokens_map.json (HF PreTrainedTokenizer files).
#include <algorithm>

#include "core/error.h"
#include "io/config/config.h"
#include "io/config/json_fields.h"

namespace janus {

namespace {

using cfg::JsonObj;

// A token is a plain string or an AddedToken dict {"content", "lstrip", ...}.
TokenSpec token_spec(const nlohmann::json& v, const JsonObj& parent, const std::string& key) {
  TokenSpec t;
  if (v.is_string()) {
    t.content = v.get<std::string>();
  } else if (v.is_object()) {
    JsonObj o(v, parent.file(), parent.field(key));
    t.content = o.req_str("content");
    t.lstrip = o.get_bool("lstrip", false);
    t.rstrip = o.get_bool("rstrip", false);
    t.single_word = o.get_bool("single_word", false);
    t.normalized = o.get_bool("normalized", true);
    t.special = o.get_bool("special", true);
  } else {
    parent.fail_field(key, std::string("expected string or token object, got ") + cfg::json_type_name(v));
  }
  if (t.content.empty()) parent.fail_field(key, "token must not be empty");
  return t;
}

std::optional<TokenSpec> opt_token(const JsonObj& o, const std::string& key) {
  const auto* v = o.raw(key);
  if (!v) return std::nullopt;
  return token_spec(*v, o, key);
}

TokenizerConfig parse_tok(const nlohmann::json& j, const std::string& name) {
  JsonObj o(j, name, "");
  TokenizerConfig c;
  c.bos_token = opt_token(o, "bos_token");
  c.eos_token = opt_token(o, "eos_token");
  c.pad_token = opt_token(o, "pad_token");
  c.unk_token = opt_token(o, "unk_token");
  c.add_bos_token = o.get_bool("add_bos_token", c.add_bos_token);
  c.add_eos_token = o.get_bool("add_eos_token", c.add_eos_token);
  // HF writes huge sentinel values (1e30) for "no limit"; keep only representable positive ones.
  if (const auto* v = o.raw("model_max_length")) {
    if (v->is_number_integer()) {
      int64_t n = o.get_int("model_max_length", 0);
      if (n <= 0) o.fail_field("model_max_length", "must be positive");
      c.model_max_length = n;
    } else if (!v->is_number()) {
      o.fail_field("model_max_length", std::string("expected integer, got ") + cfg::json_type_name(*v));
    }
  }
  c.clean_up_tokenization_spaces = o.get_bool("clean_up_tokenization_spaces", c.clean_up_tokenization_spaces);
  c.use_default_system_prompt = o.get_bool("use_default_system_prompt", c.use_default_system_prompt);
  c.tokenizer_class = o.get_str("tokenizer_class", "");
  if (auto d = o.opt_obj("added_tokens_decoder")) {
    for (const auto& [k, v] : d->value().items()) {
      int64_t id = -1;
      try {
        size_t pos = 0;
        id = std::stoll(k, &pos);
        if (pos != k.size()) id = -1;
      } catch (const std::exception&) {
        id = -1;
      }
      if (id < 0) d->fail_field(k, "key is not a token id");
      c.added_tokens_decoder.push_back({id, token_spec(v, *d, k)});
    }
    std::sort(c.added_tokens_decoder.begin(), c.added_tokens_decoder.end(),
              [](const AddedTokenEntry& a, const AddedTokenEntry& b) { return a.id < b.id; });
  }
  return c;
}

SpecialTokensMap parse_stm(const nlohmann::json& j, const std::string& name) {
  JsonObj o(j, name, "");
  SpecialTokensMap m;
  m.bos_token = opt_token(o, "bos_token");
  m.eos_token = opt_token(o, "eos_token");
  m.pad_token = opt_token(o, "pad_token");
  m.unk_token = opt_token(o, "unk_token");
  if (const auto* a = o.raw("additional_special_tokens")) {
    if (!a->is_array())
      o.fail_field("additional_special_tokens",
                   std::string("expected array, got ") + cfg::json_type_name(*a));
    for (size_t i = 0; i < a->size(); ++i)
      m.additional_special_tokens.push_back(
          token_spec((*a)[i], o, "additional_special_tokens[" + std::to_string(i) + "]"));
  }
  return m;
}

}  // namespace

TokenizerConfig parse_tokenizer_config(const std::filesystem::path& file) {
  return parse_tok(cfg::read_json_file(file), file.string());
}
TokenizerConfig parse_tokenizer_config_string(const std::string& json, const std::string& name) {
  return parse_tok(cfg::parse_json_text(json, name), name);
}
SpecialTokensMap parse_special_tokens_map(const std::filesystem::path& file) {
  return parse_stm(cfg::read_json_file(file), file.string());
}
SpecialTokensMap parse_special_tokens_map_string(const std::string& json, const std::string& name) {
  return parse_stm(cfg::parse_json_text(json, name), name);
}

}  // namespace janus

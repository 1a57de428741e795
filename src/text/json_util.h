// Checked access to tokenizer JSON fields: every failure names file:field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "text/added_vocab.h"

namespace janus::text {

using Json = nlohmann::json;

inline const Json& json_field(const Json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) fail(ErrorKind::Format, where, "expected a JSON object");
  auto it = obj.find(key);
  if (it == obj.end()) fail(ErrorKind::Format, where + "." + key, "missing field");
  return *it;
}

inline std::string json_string(const Json& v, const std::string& where) {
  if (!v.is_string()) fail(ErrorKind::Format, where, "expected a string, got " + std::string(v.type_name()));
  return v.get<std::string>();
}

inline bool json_bool_or(const Json& obj, const char* key, bool dflt, const std::string& where) {
  if (!obj.is_object()) return dflt;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (!it->is_boolean()) fail(ErrorKind::Format, where + "." + key, "expected a boolean");
  return it->get<bool>();
}

// Ids are bounded so a hostile file cannot make us allocate huge id tables.
inline constexpr int64_t kMaxTokenId = (int64_t{1} << 24) - 1;

inline int32_t json_id(const Json& v, const std::string& where) {
  if (!v.is_number_integer()) fail(ErrorKind::Format, where, "expected an integer id");
  const int64_t id = v.is_number_unsigned()
                         ? static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), 1ull << 40))
                         : v.get<int64_t>();
  if (id < 0 || id > kMaxTokenId) {
    fail(ErrorKind::Format, where,
         "token id " + std::to_string(id) + " out of range [0, " + std::to_string(kMaxTokenId) + "]");
  }
  return static_cast<int32_t>(id);
}

// One added-token object of tokenizer.json or tokenizer_config.json (HF AddedToken fields).
AddedToken parse_added_token(const Json& j, const std::string& where);

}  // namespace janus::text

// Typed reads of optional request fields, each failing with a 400 that names the field.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api_error.h"

namespace janus::serve {

inline const nlohmann::json* field(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

inline std::optional<double> number_field(const nlohmann::json& obj, const char* name, double lo, double hi) {
  const nlohmann::json* v = field(obj, name);
  if (!v) return std::nullopt;
  if (!v->is_number()) throw bad_request(std::string(name) + ": expected a number", name, "invalid_type");
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    throw bad_request(std::string(name) + ": must be between " + nlohmann::json(lo).dump() + " and " +
                          nlohmann::json(hi).dump(),
                      name);
  return d;
}

inline std::optional<int64_t> int_field(const nlohmann::json& obj, const char* name, int64_t lo, int64_t hi) {
  const nlohmann::json* v = field(obj, name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer())
    throw bad_request(std::string(name) + ": expected an integer", name, "invalid_type");
  // Unsigned values above INT64_MAX are out of range for every integer field here.
  if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX))
    throw bad_request(std::string(name) + ": out of range", name);
  const int64_t i = v->get<int64_t>();
  if (i < lo || i > hi)
    throw bad_request(
        std::string(name) + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi), name);
  return i;
}

inline std::optional<bool> bool_field(const nlohmann::json& obj, const char* name) {
  const nlohmann::json* v = field(obj, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) throw bad_request(std::string(name) + ": expected a boolean", name, "invalid_type");
  return v->get<bool>();
}

inline std::optional<std::string> string_field(const nlohmann::json& obj, const char* name) {
  const nlohmann::json* v = field(obj, name);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw bad_request(std::string(name) + ": expected a string", name, "invalid_type");
  return v->get<std::string>();
}

// A seed: any integer (negative values wrap to their 64-bit pattern, as OpenAI accepts int64).
inline std::optional<uint64_t> seed_field(const nlohmann::json& obj) {
  const nlohmann::json* v = field(obj, "seed");
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) throw bad_request("seed: expected an integer", "seed", "invalid_type");
  return v->is_number_unsigned() ? v->get<uint64_t>() : uint64_t(v->get<int64_t>());
}

}  // namespace janus::serve

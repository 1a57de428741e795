// Typed, path-aware access to one JSON object, for the config parsers (internal to janus_config).
// Each accessor names "<file>: <field.path>" in its error, so a bad value is easy to find.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace janus::cfg {

// Reads and parses a JSON file; Error(Io) if unreadable or oversized, Error(Format) if not JSON.
nlohmann::json read_json_file(const std::filesystem::path& file);
nlohmann::json parse_json_text(const std::string& text, const std::string& name);

class JsonObj {
 public:
  // Error(Format) unless `j` is an object.
  JsonObj(const nlohmann::json& j, std::string file, std::string path);

  // Present and not null (null counts as absent, like Python's `kwargs.get` defaults for our keys).
  bool has(const std::string& key) const;
  const std::string& file() const { return file_; }
  const nlohmann::json& value() const { return *j_; }
  std::string field(const std::string& key) const;  // "path.key"
  [[noreturn]] void fail_field(const std::string& key, const std::string& what) const;

  int64_t get_int(const std::string& key, int64_t def) const;
  int64_t req_int(const std::string& key) const;
  double get_num(const std::string& key, double def) const;
  bool get_bool(const std::string& key, bool def) const;
  std::string get_str(const std::string& key, const std::string& def) const;
  std::string req_str(const std::string& key) const;
  std::optional<std::vector<int64_t>> opt_int_list(const std::string& key) const;
  std::optional<std::vector<double>> opt_num_list(const std::string& key) const;
  std::optional<std::vector<std::string>> opt_str_list(const std::string& key) const;
  JsonObj req_obj(const std::string& key) const;
  std::optional<JsonObj> opt_obj(const std::string& key) const;
  const nlohmann::json* raw(const std::string& key) const;  // nullptr when absent or null

  // Range checks that name the field.
  int64_t checked_int(const std::string& key, int64_t v, int64_t lo, int64_t hi) const;

 private:
  const nlohmann::json* j_;
  std::string file_, path_;
};

const char* json_type_name(const nlohmann::json& j);

}  // namespace janus::cfg

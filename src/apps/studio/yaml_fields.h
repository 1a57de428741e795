// Typed, located access to one YAML mapping of the campaign: every read names file:line:col and the
// field path on error, and finish() rejects keys nobody asked for (typos such as "colour").
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace janus::studio {

class Fields {
 public:
  // `node` must be a mapping (else an error naming `path`).
  Fields(const std::string& file, const YAML::Node& node, std::string path);

  bool has(const std::string& key);
  YAML::Node node(const std::string& key);  // marks the key as known; Null node when absent
  std::string path_of(const std::string& key) const;

  std::string str(const std::string& key, const std::string& def, bool required = false);
  int64_t integer(const std::string& key, int64_t def, int64_t lo, int64_t hi);
  double number(const std::string& key, double def, double lo, double hi);
  bool boolean(const std::string& key, bool def);
  // A string or a list of strings ("a" -> {"a"}).
  std::vector<std::string> strings(const std::string& key);
  // Errors about key `key` (or the mapping when absent) at its line.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  int line_of(const std::string& key) const;
  // Rejects keys that were never read.
  void finish() const;

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

 private:
  std::string file_;
  YAML::Node map_;
  std::string path_;
  std::set<std::string> known_;
};

// Located errors for any node.
[[noreturn]] void fail_node(const std::string& file, const YAML::Node& n, const std::string& field,
                            const std::string& message);
std::string scalar_string(const std::string& file, const YAML::Node& n, const std::string& field);

}  // namespace janus::studio

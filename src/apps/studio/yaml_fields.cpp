#include "yaml_fields.h"

#include <cmath>

#include "studio_error.h"

namespace janus::studio {

void fail_node(const std::string& file, const YAML::Node& n, const std::string& field,
               const std::string& message) {
  const YAML::Mark m = n.Mark();
  fail_at(file, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1, field, message);
}

std::string scalar_string(const std::string& file, const YAML::Node& n, const std::string& field) {
  if (!n.IsScalar()) fail_node(file, n, field, "expected a string");
  return n.Scalar();
}

Fields::Fields(const std::string& file, const YAML::Node& node, std::string path)
    : file_(file), map_(node), path_(std::move(path)) {
  if (!node.IsMap())
    fail_node(file, node, path_.empty() ? "(top level)" : path_, "expected a mapping of fields");
  // yaml-cpp keeps the last of two equal keys silently; a repeated field is almost always a mistake.
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it)
    if (it->first.IsScalar() && !seen.insert(it->first.Scalar()).second)
      fail_node(file, it->first, path_of(it->first.Scalar()), "duplicate field");
}

std::string Fields::path_of(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool Fields::has(const std::string& key) {
  known_.insert(key);
  const YAML::Node n = map_[key];
  return n.IsDefined() && !n.IsNull();
}

YAML::Node Fields::node(const std::string& key) {
  known_.insert(key);
  return map_[key];
}

int Fields::line_of(const std::string& key) const {
  const YAML::Node n = map_[key];
  const YAML::Mark m = n.IsDefined() ? n.Mark() : map_.Mark();
  return m.is_null() ? 0 : m.line + 1;
}

void Fields::fail(const std::string& key, const std::string& message) const {
  const YAML::Node n = map_[key];
  fail_node(file_, n.IsDefined() ? n : map_, path_of(key), message);
}

std::string Fields::str(const std::string& key, const std::string& def, bool required) {
  if (!has(key)) {
    if (required) fail(key, "missing (required)");
    return def;
  }
  const YAML::Node n = map_[key];
  if (!n.IsScalar()) fail(key, "expected a string");
  if (required && n.Scalar().empty()) fail(key, "must not be empty");
  return n.Scalar();
}

int64_t Fields::integer(const std::string& key, int64_t def, int64_t lo, int64_t hi) {
  if (!has(key)) return def;
  const YAML::Node n = map_[key];
  int64_t v = 0;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, v)) fail(key, "expected an integer");
  if (v < lo || v > hi)
    fail(key, std::to_string(v) + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

double Fields::number(const std::string& key, double def, double lo, double hi) {
  if (!has(key)) return def;
  const YAML::Node n = map_[key];
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
    fail(key, "expected a number");
  if (v < lo || v > hi)
    fail(key, n.Scalar() + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

bool Fields::boolean(const std::string& key, bool def) {
  if (!has(key)) return def;
  const YAML::Node n = map_[key];
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(key, "expected true or false");
  return v;
}

std::vector<std::string> Fields::strings(const std::string& key) {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const YAML::Node n = map_[key];
  if (n.IsScalar()) return {n.Scalar()};
  if (!n.IsSequence()) fail(key, "expected a string or a list of strings");
  for (size_t i = 0; i < n.size(); ++i)
    out.push_back(scalar_string(file_, n[i], path_of(key) + "[" + std::to_string(i) + "]"));
  return out;
}

void Fields::finish() const {
  for (auto it = map_.begin(); it != map_.end(); ++it) {
    const std::string k = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (!known_.count(k)) {
      std::string list;
      for (const std::string& s : known_) list += (list.empty() ? "" : ", ") + s;
      fail_node(file_, it->first, path_of(k), "unknown field (known here: " + list + ")");
    }
  }
}

}  // namespace janus::studio

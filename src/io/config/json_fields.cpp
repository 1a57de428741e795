#include "io/config/json_fields.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace janus::cfg {

namespace {
// Config files are a few kB (tokenizer_config.json ~100 kB); refuse anything absurd.
constexpr std::uintmax_t kMaxConfigBytes = 64ull << 20;
}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::Format, name, std::string("invalid JSON: ") + e.what());
  }
}

nlohmann::json read_json_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) fail(ErrorKind::Io, file.string(), "cannot read: " + ec.message());
  if (size > kMaxConfigBytes)
    fail(ErrorKind::Io, file.string(), "file too large for a config (" + std::to_string(size) + " bytes)");
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(ErrorKind::Io, file.string(), "cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail(ErrorKind::Io, file.string(), "read error");
  return parse_json_text(ss.str(), file.string());
}

const char* json_type_name(const nlohmann::json& j) {
  if (j.is_boolean()) return "boolean";
  if (j.is_number_integer()) return "integer";
  if (j.is_number_float()) return "number";
  return j.type_name();
}

JsonObj::JsonObj(const nlohmann::json& j, std::string file, std::string path)
    : j_(&j), file_(std::move(file)), path_(std::move(path)) {
  if (!j.is_object()) {
    fail(ErrorKind::Format, path_.empty() ? file_ : file_ + ": " + path_,
         std::string("expected object, got ") + json_type_name(j));
  }
}

std::string JsonObj::field(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void JsonObj::fail_field(const std::string& key, const std::string& what) const {
  fail(ErrorKind::Format, file_ + ": " + field(key), what);
}

const nlohmann::json* JsonObj::raw(const std::string& key) const {
  auto it = j_->find(key);
  if (it == j_->end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonObj::has(const std::string& key) const {
  return raw(key) != nullptr;
}

int64_t JsonObj::get_int(const std::string& key, int64_t def) const {
  const auto* v = raw(key);
  if (!v) return def;
  if (v->is_number_unsigned()) {
    if (v->get<uint64_t>() > uint64_t(INT64_MAX)) fail_field(key, "integer out of range");
    return int64_t(v->get<uint64_t>());
  }
  if (!v->is_number_integer()) fail_field(key, std::string("expected integer, got ") + json_type_name(*v));
  return v->get<int64_t>();
}

int64_t JsonObj::req_int(const std::string& key) const {
  if (!has(key)) fail_field(key, "missing (expected integer)");
  return get_int(key, 0);
}

double JsonObj::get_num(const std::string& key, double def) const {
  const auto* v = raw(key);
  if (!v) return def;
  if (!v->is_number()) fail_field(key, std::string("expected number, got ") + json_type_name(*v));
  return v->get<double>();
}

bool JsonObj::get_bool(const std::string& key, bool def) const {
  const auto* v = raw(key);
  if (!v) return def;
  if (!v->is_boolean()) fail_field(key, std::string("expected boolean, got ") + json_type_name(*v));
  return v->get<bool>();
}

std::string JsonObj::get_str(const std::string& key, const std::string& def) const {
  const auto* v = raw(key);
  if (!v) return def;
  if (!v->is_string()) fail_field(key, std::string("expected string, got ") + json_type_name(*v));
  return v->get<std::string>();
}

std::string JsonObj::req_str(const std::string& key) const {
  if (!has(key)) fail_field(key, "missing (expected string)");
  return get_str(key, "");
}

std::optional<std::vector<int64_t>> JsonObj::opt_int_list(const std::string& key) const {
  const auto* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_array()) fail_field(key, std::string("expected array of integers, got ") + json_type_name(*v));
  std::vector<int64_t> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_number_integer() || (e.is_number_unsigned() && e.get<uint64_t>() > uint64_t(INT64_MAX)))
      fail_field(key + "[" + std::to_string(i) + "]",
                 std::string("expected integer, got ") + json_type_name(e));
    out.push_back(e.get<int64_t>());
  }
  return out;
}

std::optional<std::vector<double>> JsonObj::opt_num_list(const std::string& key) const {
  const auto* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_array()) fail_field(key, std::string("expected array of numbers, got ") + json_type_name(*v));
  std::vector<double> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_number())
      fail_field(key + "[" + std::to_string(i) + "]",
                 std::string("expected number, got ") + json_type_name(e));
    out.push_back(e.get<double>());
  }
  return out;
}

std::optional<std::vector<std::string>> JsonObj::opt_str_list(const std::string& key) const {
  const auto* v = raw(key);
  if (!v) return std::nullopt;
  if (!v->is_array()) fail_field(key, std::string("expected array of strings, got ") + json_type_name(*v));
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_string())
      fail_field(key + "[" + std::to_string(i) + "]",
                 std::string("expected string, got ") + json_type_name(e));
    out.push_back(e.get<std::string>());
  }
  return out;
}

JsonObj JsonObj::req_obj(const std::string& key) const {
  const auto* v = raw(key);
  if (!v) fail_field(key, "missing (expected object)");
  return JsonObj(*v, file_, field(key));
}

std::optional<JsonObj> JsonObj::opt_obj(const std::string& key) const {
  const auto* v = raw(key);
  if (!v) return std::nullopt;
  return JsonObj(*v, file_, field(key));
}

int64_t JsonObj::checked_int(const std::string& key, int64_t v, int64_t lo, int64_t hi) const {
  if (v < lo || v > hi)
    fail_field(key, "value " + std::to_string(v) + " out of range [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "]");
  return v;
}

}  // namespace janus::cfg

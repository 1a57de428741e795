// Settings resolution mirroring huggingface_hub's constants.py, so both tools pick the same cache.
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "io/hub/hub.h"

namespace janus {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// os.path.expanduser for the "~" / "~/..." forms.
std::filesystem::path expand_user(const std::string& p) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    std::string home = env("HOME");
    if (!home.empty()) return std::filesystem::path(home + p.substr(1));
  }
  return std::filesystem::path(p);
}

std::filesystem::path hf_home() {
  std::string home = env("HF_HOME");
  if (!home.empty()) return expand_user(home);
  std::string xdg = env("XDG_CACHE_HOME");
  std::filesystem::path base = xdg.empty() ? expand_user("~/.cache") : expand_user(xdg);
  return base / "huggingface";
}

bool truthy(std::string v) {
  for (char& c : v) c = char(std::toupper(static_cast<unsigned char>(c)));
  return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool valid_part(const std::string& s) {
  if (s.empty() || s.size() > 96) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  // huggingface_hub's regex anchors on word boundaries, so parts start and end with [A-Za-z0-9_].
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  return word(s.front()) && word(s.back());
}

}  // namespace

bool is_valid_repo_id(const std::string& id) {
  if (id.size() > 96) return false;
  size_t slash = id.find('/');
  if (slash == std::string::npos || id.find('/', slash + 1) != std::string::npos) return false;
  if (id.find("--") != std::string::npos || id.find("..") != std::string::npos) return false;
  if (id.size() >= 4 && id.compare(id.size() - 4, 4, ".git") == 0) return false;
  return valid_part(id.substr(0, slash)) && valid_part(id.substr(slash + 1));
}

std::filesystem::path hub_cache_dir(const HubOptions& o) {
  if (!o.cache_dir.empty()) return expand_user(o.cache_dir.string());
  std::string c = env("HF_HUB_CACHE");
  if (c.empty()) c = env("HUGGINGFACE_HUB_CACHE");  // legacy name, still read by huggingface_hub
  if (!c.empty()) return expand_user(c);
  return hf_home() / "hub";
}

std::string hub_endpoint(const HubOptions& o) {
  std::string e = !o.endpoint.empty() ? o.endpoint : env("HF_ENDPOINT");
  if (e.empty()) e = "https://huggingface.co";
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

// A token is one header value: refuse anything that could inject another header line.
static std::optional<std::string> usable_token(const std::string& t) {
  if (t.empty() || t.size() > 4096 || t.find_first_of("\r\n") != std::string::npos) return std::nullopt;
  return t;
}

std::optional<std::string> hub_token(const HubOptions& o) {
  if (!o.token.empty()) return usable_token(trim(o.token));
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    std::string t = trim(env(name));
    if (!t.empty()) return usable_token(t);
  }
  std::string path = env("HF_TOKEN_PATH");
  std::filesystem::path file = path.empty() ? hf_home() / "token" : expand_user(path);
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return usable_token(trim(ss.str()));
}

bool hub_offline(const HubOptions& o) {
  if (o.offline) return true;
  std::string v = env("HF_HUB_OFFLINE");
  if (v.empty()) v = env("TRANSFORMERS_OFFLINE");
  return truthy(v);
}

std::filesystem::path hub_repo_folder(const std::filesystem::path& cache_dir, const std::string& repo_id) {
  std::string name = "models--" + repo_id;
  for (size_t p; (p = name.find('/')) != std::string::npos;) name.replace(p, 1, "--");
  return cache_dir / name;
}

}  // namespace janus

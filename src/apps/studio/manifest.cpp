#include "manifest.h"

#include <filesystem>
#include <fstream>

#include "image_file.h"
#include "studio_error.h"

namespace janus::studio {

Manifest Manifest::open(const std::string& out_dir) {
  Manifest m;
  m.path = (std::filesystem::path(out_dir) / "manifest.json").string();
  std::ifstream in(m.path);
  if (!in) {
    m.doc = {{"studio", 1}, {"creatives", nlohmann::json::array()}};
    return m;
  }
  try {
    m.doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw StudioError(m.path + ": not valid JSON (" + std::string(e.what()) +
                      "); move it away or pass --force");
  }
  if (!m.doc.is_object() || m.doc.value("studio", 0) != 1 || !m.doc.contains("creatives") ||
      !m.doc["creatives"].is_array())
    throw StudioError(m.path + ": not a janus studio manifest; move it away or pass --force");
  return m;
}

nlohmann::json* Manifest::find(const std::string& id) {
  for (nlohmann::json& c : doc["creatives"])
    if (c.is_object() && c.value("id", "") == id) return &c;
  return nullptr;
}

void Manifest::put(const nlohmann::json& creative) {
  if (nlohmann::json* c = find(creative.at("id").get<std::string>()))
    *c = creative;
  else
    doc["creatives"].push_back(creative);
}

void Manifest::save() const {
  write_file_atomic(path, doc.dump(2) + "\n");
}

}  // namespace janus::studio

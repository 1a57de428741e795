// manifest.json: every parameter, seed, score, the copy, timings and the model of every creative,
// rewritten atomically (temporary file + rename) after every step so an interrupted run leaves a
// consistent record, and read back to skip finished creatives and to decide which files the studio
// itself wrote (and may therefore rewrite).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace janus::studio {

struct Manifest {
  std::string path;
  nlohmann::json doc;  // {"studio": 1, "campaign": {...}, "model": ..., "creatives": [...]}

  // Loads OUTDIR/manifest.json when present (StudioError naming it when it is not a studio manifest).
  static Manifest open(const std::string& out_dir);
  nlohmann::json* find(const std::string& creative_id);
  // Inserts or replaces the entry with the same "id".
  void put(const nlohmann::json& creative);
  void save() const;
};

}  // namespace janus::studio

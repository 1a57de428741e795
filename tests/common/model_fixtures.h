// Shared fixtures of the model-level golden tests: the goldens folder, the tiny checkpoints loaded
// once per process, and an ops context on a 2-thread pool.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "core/ops/ops.h"
#include "core/thread_pool.h"
#include "models/model_bundle.h"
#include "tiny_models.h"

namespace janus::test {

inline const std::filesystem::path& goldens() {
  static const std::filesystem::path dir = std::filesystem::path(JANUS_SOURCE_DIR) / "tests/data/goldens";
  return dir;
}

// The shared tiny checkpoints: seed 0, as tools/reference/regen.sh made the goldens from.
inline const std::filesystem::path& tiny_dir() {
  static const std::filesystem::path dir = tiny_models_dir();
  return dir;
}

// One loaded bundle per tiny model folder name ("janus-pro-1b", ...), kept for the process.
inline const ModelBundle& bundle(const std::string& model) {
  static std::map<std::string, std::unique_ptr<ModelBundle>> cache;
  auto& b = cache[model];
  if (!b) b = load_model_bundle(tiny_dir() / model, true);
  return *b;
}

inline ThreadPool& pool() {
  static ThreadPool p(2);
  return p;
}

// JANUS_OPS_REFERENCE=1 forces the reference kernels, to localise a fast-kernel discrepancy.
inline ops::Context context(ops::Precision p) {
  ops::Context c;
  c.pool = &pool();
  c.precision = p;
  if (std::getenv("JANUS_OPS_REFERENCE")) c.reference = true;
  return c;
}

}  // namespace janus::test

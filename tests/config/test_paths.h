// Locations of committed fixtures for the config tests.
#pragma once

#include <filesystem>
#include <string>

namespace janus::test {

// Real config files copied from shared/models (see tests/data/config/README.md).
inline std::filesystem::path config_fixture(const std::string& model, const std::string& file) {
  return std::filesystem::path(JANUS_SOURCE_DIR) / "tests/data/config" / model / file;
}

}  // namespace janus::test

// Locations of committed fixtures for the config tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <string>

#include "core/error.h"

namespace janus::test {

// Real config files copied from shared/models (see tests/data/config/README.md).
inline std::filesystem::path config_fixture(const std::string& model, const std::string& file) {
  return std::filesystem::path(JANUS_SOURCE_DIR) / "tests/data/config" / model / file;
}

// Runs `f`, expects a janus::Error of `kind` whose message contains every string in `parts`.
template <class F>
void expect_error(F f, ErrorKind kind, std::initializer_list<std::string> parts) {
  try {
    f();
    FAIL() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(int(e.kind()), int(kind)) << e.what();
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << " lacks " << p;
  }
}

}  // namespace janus::test

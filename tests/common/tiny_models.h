// Tiny random checkpoints for the pipeline tests: tools/gen_tiny/gen_tiny.py (numpy only, seed 0 as in
// tools/reference/regen.sh, so the goldens under tests/data/goldens apply), generated once per build
// tree under a name carrying a hash of the generator sources.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "core/error.h"

namespace janus::test {

inline std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

// Folder with one sub-folder per model (janus-1.3b, janus-pro-1b, janus-pro-7b, janusflow-1.3b), or
// empty when /usr/bin/python3 with numpy is unavailable (tests then skip).
inline std::filesystem::path tiny_models_dir() {
  namespace fs = std::filesystem;
  static const fs::path dir = [] {
    const char* py = std::getenv("JANUS_PYTHON");
    const std::string python = py ? py : "/usr/bin/python3";
    if (std::system((python + " -c 'import numpy' >/dev/null 2>&1").c_str()) != 0) return fs::path();
    const fs::path tools = fs::path(JANUS_SOURCE_DIR) / "tools/gen_tiny";
    std::string src;
    for (const char* f : {"gen_tiny.py", "tables.py", "checkpoint_io.py"}) {
      std::ifstream in(tools / f);
      src += std::string(std::istreambuf_iterator<char>(in), {});
    }
    char tag[32];
    std::snprintf(tag, sizeof tag, "%016zx", std::hash<std::string>{}(src));
    const fs::path out = fs::path(JANUS_BINARY_DIR) / ("tiny_models-" + std::string(tag));
    if (fs::exists(out)) return out;
    // ctest may run test processes in parallel: build privately, then rename into place.
    const fs::path tmp = out.string() + ".tmp" + std::to_string(::getpid());
    fs::remove_all(tmp);
    const std::string cmd = python + " " + quoted((tools / "gen_tiny.py").string()) +
                            " --model all --size tiny --seed 0 --out " + quoted(tmp.string()) + " --ref " +
                            quoted(std::string(JANUS_SOURCE_DIR) + "/tests/data/config") + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return fs::path();
    std::error_code ec;
    fs::rename(tmp, out, ec);
    if (ec) fs::remove_all(tmp, ec);
    return fs::exists(out) ? out : fs::path();
  }();
  return dir;
}

#define REQUIRE_TINY() \
  if (janus::test::tiny_models_dir().empty()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available"

inline std::filesystem::path goldens_dir() {
  return std::filesystem::path(JANUS_SOURCE_DIR) / "tests/data/goldens";
}

// Runs `f`, expects a janus::Error of `kind` whose message contains every string in `parts`.
template <class F>
void expect_error(F f, ErrorKind kind, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(int(e.kind()), int(kind)) << e.what();
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << " lacks " << p;
  }
}

}  // namespace janus::test

// Helpers of the GGUF tests: a raw byte builder for hand-made (hostile) headers, temp folders and
// error checks.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/error.h"

namespace janus::test {

namespace fs = std::filesystem;

// Appends little-endian GGUF fields; nothing is validated, so tests can write any lie.
struct RawGguf {
  std::vector<uint8_t> b;
  RawGguf& u32(uint32_t v) { return put(&v, 4); }
  RawGguf& u64(uint64_t v) { return put(&v, 8); }
  RawGguf& u8(uint8_t v) { return put(&v, 1); }
  RawGguf& str(const std::string& s) {
    u64(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  RawGguf& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return u32(0x46554747).u32(version).u64(n_tensors).u64(n_kv);
  }
  // One tensor info with ne given innermost first.
  RawGguf& tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
    str(name).u32(uint32_t(ne.size()));
    for (uint64_t d : ne) u64(d);
    return u32(type).u64(offset);
  }
  RawGguf& pad(size_t align = 32) {
    while (b.size() % align) b.push_back(0);
    return *this;
  }
  RawGguf& zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
  RawGguf& put(const void* p, size_t n) {
    const auto* c = static_cast<const uint8_t*>(p);
    b.insert(b.end(), c, c + n);
    return *this;
  }
};

// f() must throw janus::Error of `kind` whose message contains every fragment.
inline void expect_error(const std::function<void()>& f, janus::ErrorKind kind,
                         std::initializer_list<std::string> frags) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const janus::Error& e) {
    EXPECT_EQ(int(e.kind()), int(kind)) << e.what();
    for (const std::string& s : frags)
      EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what();
  }
}

// A fresh folder under the build tree, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::path(JANUS_BINARY_DIR) / ("gguf_test_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline void write_file(const fs::path& p, const std::vector<uint8_t>& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

}  // namespace janus::test

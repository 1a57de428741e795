// Shared helpers for the weights tests: fixture paths, byte files, temp folders and value checks
// against tests/data/weights/expected.json (written by tools/weights_fixtures/make_fixtures.py).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor_view.h"

namespace janus::test {

namespace fs = std::filesystem;

inline fs::path data_dir() {
  return fs::path(JANUS_SOURCE_DIR) / "tests" / "data" / "weights";
}

inline std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  EXPECT_TRUE(f.good()) << p;
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& p, const std::vector<uint8_t>& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

inline void write_text(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}

inline const nlohmann::json& expected() {
  static const nlohmann::json j = nlohmann::json::parse(std::ifstream(data_dir() / "expected.json"));
  return j;
}

// A fresh folder removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() /
           ("janus_weights_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// Element i of a view as a double (bf16/f16 widen exactly).
inline double element(const TensorView& v, size_t i) {
  const auto* p = static_cast<const uint8_t*>(v.data) + i * dtype_size(v.dtype);
  auto ld = [p](auto x) {
    std::memcpy(&x, p, sizeof x);
    return x;
  };
  switch (v.dtype) {
    case DType::F32:
      return ld(float{});
    case DType::F64:
      return ld(double{});
    case DType::F16:
      return f16_to_f32(ld(uint16_t{}));
    case DType::BF16:
      return bf16_to_f32(ld(uint16_t{}));
    case DType::I64:
      return double(ld(int64_t{}));
    case DType::I32:
      return ld(int32_t{});
    case DType::I16:
      return ld(int16_t{});
    case DType::I8:
      return ld(int8_t{});
    case DType::U8:
      return ld(uint8_t{});
    case DType::Bool:
      return ld(uint8_t{});
  }
  return 0;
}

// dtype, shape and every value against torch's view of the tensor.
inline void expect_matches(const TensorView& v, const nlohmann::json& e) {
  SCOPED_TRACE(v.name);
  EXPECT_EQ(dtype_name(v.dtype), e["dtype"].get<std::string>());
  EXPECT_EQ(v.shape, e["shape"].get<std::vector<int64_t>>());
  const auto& vals = e["values"];
  ASSERT_EQ(size_t(v.numel()), vals.size());
  ASSERT_EQ(v.nbytes, vals.size() * dtype_size(v.dtype));
  if (!vals.empty()) {
    ASSERT_EQ(reinterpret_cast<uintptr_t>(v.data) % dtype_size(v.dtype), 0u) << "view is misaligned";
  }
  for (size_t i = 0; i < vals.size(); ++i) {
    if (v.dtype == DType::I64) {
      int64_t x;
      std::memcpy(&x, static_cast<const uint8_t*>(v.data) + 8 * i, 8);
      EXPECT_EQ(x, vals[i].get<int64_t>()) << "element " << i;  // exact beyond 2^53
    } else {
      EXPECT_EQ(element(v, i), vals[i].get<double>()) << "element " << i;
    }
  }
}

// Runs f, expects a janus::Error whose message contains every fragment.
template <typename F>
void expect_error(F&& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    for (const auto& s : fragments) EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what();
  }
}

}  // namespace janus::test

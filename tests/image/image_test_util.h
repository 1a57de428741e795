// Shared helpers for the image tests: case manifest and an independent PNG reader for the references.
#pragma once

#include <png.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/image/image.h"

namespace janus::test {

inline std::string image_data_dir() {
  const char* env = std::getenv("JANUS_SOURCE_DIR");
  return std::string(env ? env : JANUS_SOURCE_DIR) + "/tests/data/images/";
}

inline nlohmann::json load_cases() {
  std::ifstream f(image_data_dir() + "cases.json");
  if (!f) throw std::runtime_error("missing tests/data/images/cases.json");
  return nlohmann::json::parse(f);
}

// Reads an 8-bit RGB reference PNG with libpng's simplified API (independent of janus' decoder).
inline Image read_reference_png(const std::string& path) {
  png_image im{};
  im.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&im, path.c_str())) throw std::runtime_error(path + ": " + im.message);
  if (im.format != PNG_FORMAT_RGB) {
    png_image_free(&im);
    throw std::runtime_error(path + ": reference is not 8-bit RGB");
  }
  Image out;
  out.width = static_cast<int>(im.width);
  out.height = static_cast<int>(im.height);
  out.rgb.resize(PNG_IMAGE_SIZE(im));
  if (!png_image_finish_read(&im, nullptr, out.rgb.data(), 0, nullptr))
    throw std::runtime_error(path + ": " + im.message);
  return out;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Largest absolute per-sample difference; -1 if the sizes differ.
inline int max_abs_diff(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height || a.rgb.size() != b.rgb.size()) return -1;
  int m = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) m = std::max(m, std::abs(int(a.rgb[i]) - int(b.rgb[i])));
  return m;
}

}  // namespace janus::test

// Internal: per-format decoders and shared helpers. Each decoder returns 8-bit RGB as Pillow's
// convert("RGB") would, and throws janus::Error naming `name` on any failure.
#pragma once

#include <cstdint>
#include <string>

#include "io/image/image.h"

namespace janus::image_detail {

Image decode_png(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits);
Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits);
Image decode_webp(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits);
Image decode_bmp(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits);
Image decode_gif(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits);

// Validates header dimensions (zero, per-side and total-pixel limits) and returns an Image with the
// RGB buffer allocated. Call only after the header is parsed and before decoding pixels.
Image allocate_checked(const std::string& name, int64_t width, int64_t height, const ImageLimits& limits);

// Pillow's palette semantics: entries missing from the file read as the grey ramp (i, i, i).
struct Palette {
  uint8_t rgb[256][3];
  Palette();  // grey ramp
};

}  // namespace janus::image_detail

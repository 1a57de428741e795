// Image files for the studio (logos, reference images, goldens, JPEG/WebP creatives) through libpng,
// libjpeg and libwebp directly: apps see only include/janus.h, whose PNG writer is used for PNGs.
#pragma once

#include <string>
#include <vector>

#include "raster.h"

namespace janus::studio {

// PNG, JPEG or WebP (by content) -> RGBA. StudioError naming the file when unreadable or corrupt.
Raster decode_image_file(const std::string& path);
// Encoders (RGB rasters); quality 1..100 for JPEG / lossy WebP.
std::vector<uint8_t> encode_jpeg(const Raster& rgb, int quality);
std::vector<uint8_t> encode_webp(const Raster& rgb, int quality);
// 8-bit grayscale PNG of channel 0 (golden images).
std::vector<uint8_t> encode_gray_png(const Raster& img);
// Writes bytes via a temporary file + rename, so a reader never sees half a file.
void write_file_atomic(const std::string& path, const std::string_view bytes);

}  // namespace janus::studio

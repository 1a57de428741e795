// Image decoding (PNG, JPEG, WebP, BMP, GIF) to 8-bit RGB, matching Pillow's Image.open(...).convert("RGB").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace janus {

// Decoded image, always 8-bit RGB, row-major HWC: rgb[(y * width + x) * 3 + c].
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // [height, width, 3]
};

// Guards against decompression bombs; checked against the header BEFORE any pixel allocation.
struct ImageLimits {
  uint64_t max_pixels = 64ull * 1024 * 1024;       // 64 Mpx
  int max_dimension = 65535;                       // per side
  uint64_t max_file_bytes = 512ull * 1024 * 1024;  // encoded size
};

enum class ImageFormat { Unknown, Png, Jpeg, Webp, Bmp, Gif };

// Sniffs the format from the leading magic bytes (file extensions are not trusted).
ImageFormat detect_image_format(const uint8_t* data, size_t size);
const char* image_format_name(ImageFormat format);

// Errors: janus::Error (Io for unreadable files, Format for corrupt data, Unsupported for valid
// but unhandled variants, InvalidArgument for limit violations) whose message starts with the path/name.
Image decode_image_file(const std::string& path, const ImageLimits& limits = {});
Image decode_image_memory(const uint8_t* data, size_t size, const std::string& name = "<memory>",
                          const ImageLimits& limits = {});

}  // namespace janus

#include "png_encode.h"

#include <png.h>

#include <stdexcept>

namespace janus::serve {

std::string encode_png(const uint8_t* rgb, int width, int height) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = png_uint_32(width);
  img.height = png_uint_32(height);
  img.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  // First call sizes the buffer, second fills it (libpng's simplified API).
  if (!png_image_write_to_memory(&img, nullptr, &size, 0, rgb, 0, nullptr))
    throw std::runtime_error(std::string("PNG encoding failed: ") + img.message);
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&img, out.data(), &size, 0, rgb, 0, nullptr))
    throw std::runtime_error(std::string("PNG encoding failed: ") + img.message);
  out.resize(size);
  return out;
}

}  // namespace janus::serve

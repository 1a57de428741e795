// Format sniffing, file loading and the shared dimension checks.
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "io/image/decoders.h"

namespace janus {

ImageFormat detect_image_format(const uint8_t* data, size_t size) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (size >= 8 && std::memcmp(data, kPng, 8) == 0) return ImageFormat::Png;
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat::Jpeg;
  if (size >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0)
    return ImageFormat::Webp;
  if (size >= 6 && (std::memcmp(data, "GIF87a", 6) == 0 || std::memcmp(data, "GIF89a", 6) == 0))
    return ImageFormat::Gif;
  if (size >= 2 && data[0] == 'B' && data[1] == 'M') return ImageFormat::Bmp;
  return ImageFormat::Unknown;
}

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::Png:
      return "PNG";
    case ImageFormat::Jpeg:
      return "JPEG";
    case ImageFormat::Webp:
      return "WebP";
    case ImageFormat::Bmp:
      return "BMP";
    case ImageFormat::Gif:
      return "GIF";
    case ImageFormat::Unknown:
      break;
  }
  return "unknown";
}

Image decode_image_memory(const uint8_t* data, size_t size, const std::string& name,
                          const ImageLimits& limits) {
  if (data == nullptr || size == 0) fail(ErrorKind::Format, name, "empty image data");
  if (size > limits.max_file_bytes)
    fail(ErrorKind::InvalidArgument, name,
         "encoded image is " + std::to_string(size) + " bytes, over the limit of " +
             std::to_string(limits.max_file_bytes));
  switch (detect_image_format(data, size)) {
    case ImageFormat::Png:
      return image_detail::decode_png(data, size, name, limits);
    case ImageFormat::Jpeg:
      return image_detail::decode_jpeg(data, size, name, limits);
    case ImageFormat::Webp:
      return image_detail::decode_webp(data, size, name, limits);
    case ImageFormat::Bmp:
      return image_detail::decode_bmp(data, size, name, limits);
    case ImageFormat::Gif:
      return image_detail::decode_gif(data, size, name, limits);
    case ImageFormat::Unknown:
      break;
  }
  fail(ErrorKind::Unsupported, name, "unrecognised image format (expected PNG, JPEG, WebP, BMP or GIF)");
}

Image decode_image_file(const std::string& path, const ImageLimits& limits) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) fail(ErrorKind::Io, path, std::string("cannot open image: ") + std::strerror(errno));
  if (std::fseek(f.get(), 0, SEEK_END) != 0) fail(ErrorKind::Io, path, "cannot seek");
  long end = std::ftell(f.get());
  if (end < 0) fail(ErrorKind::Io, path, "cannot determine file size");
  if (static_cast<uint64_t>(end) > limits.max_file_bytes)
    fail(ErrorKind::InvalidArgument, path,
         "file is " + std::to_string(end) + " bytes, over the limit of " +
             std::to_string(limits.max_file_bytes));
  std::rewind(f.get());
  std::vector<uint8_t> bytes(static_cast<size_t>(end));
  if (!bytes.empty() && std::fread(bytes.data(), 1, bytes.size(), f.get()) != bytes.size())
    fail(ErrorKind::Io, path, "short read");
  return decode_image_memory(bytes.data(), bytes.size(), path, limits);
}

namespace image_detail {

Image allocate_checked(const std::string& name, int64_t width, int64_t height, const ImageLimits& limits) {
  if (width <= 0 || height <= 0)
    fail(ErrorKind::Format, name,
         "invalid image dimensions " + std::to_string(width) + "x" + std::to_string(height));
  if (width > limits.max_dimension || height > limits.max_dimension)
    fail(ErrorKind::InvalidArgument, name,
         "image dimensions " + std::to_string(width) + "x" + std::to_string(height) +
             " exceed the per-side limit of " + std::to_string(limits.max_dimension));
  // Both sides are <= max_dimension (int), so the product fits in 64 bits.
  const uint64_t pixels = static_cast<uint64_t>(width) * static_cast<uint64_t>(height);
  if (pixels > limits.max_pixels)
    fail(ErrorKind::InvalidArgument, name,
         "image has " + std::to_string(pixels) + " pixels (" + std::to_string(width) + "x" +
             std::to_string(height) + "), over the limit of " + std::to_string(limits.max_pixels));
  Image img;
  img.width = static_cast<int>(width);
  img.height = static_cast<int>(height);
  img.rgb.resize(pixels * 3);
  return img;
}

Palette::Palette() {
  for (int i = 0; i < 256; ++i) rgb[i][0] = rgb[i][1] = rgb[i][2] = static_cast<uint8_t>(i);
}

}  // namespace image_detail
}  // namespace janus

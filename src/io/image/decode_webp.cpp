// WebP (lossy, lossless, with or without alpha) via libwebp; alpha is dropped like convert("RGB").
#include <webp/decode.h>

#include <limits>

#include "core/error.h"
#include "io/image/decoders.h"

namespace janus::image_detail {

Image decode_webp(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits) {
  WebPBitstreamFeatures features;
  const VP8StatusCode st = WebPGetFeatures(data, size, &features);
  if (st == VP8_STATUS_NOT_ENOUGH_DATA) fail(ErrorKind::Format, name, "WebP: truncated header");
  if (st != VP8_STATUS_OK)
    fail(ErrorKind::Format, name, "WebP: invalid header (status " + std::to_string(st) + ")");
  if (features.has_animation)
    fail(ErrorKind::Unsupported, name, "WebP: animated WebP is not supported (needs libwebpdemux)");
  Image img = allocate_checked(name, features.width, features.height, limits);
  const size_t stride = static_cast<size_t>(img.width) * 3;
  if (stride > static_cast<size_t>(std::numeric_limits<int>::max()))
    fail(ErrorKind::InvalidArgument, name, "WebP: row too large");
  // Decoding straight to RGB gives the same colour values as RGBA minus alpha (non-premultiplied).
  if (WebPDecodeRGBInto(data, size, img.rgb.data(), img.rgb.size(), static_cast<int>(stride)) == nullptr)
    fail(ErrorKind::Format, name, "WebP: corrupt or truncated image data");
  return img;
}

}  // namespace janus::image_detail

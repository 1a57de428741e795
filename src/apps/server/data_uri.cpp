#include "data_uri.h"

#include <algorithm>
#include <cctype>

#include "api_error.h"
#include "base64.h"

namespace janus::serve {

std::string_view sniff_image_format(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "png";
  if (b.size() >= 3 && b.substr(0, 3) == "\xff\xd8\xff") return "jpeg";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "webp";
  return "";
}

std::string decode_image_data_uri(std::string_view uri, const std::string& param) {
  auto lower = [](std::string_view s) {
    std::string o(s);
    std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return o;
  };
  if (lower(uri.substr(0, 5)) != "data:") {
    const bool remote = lower(uri.substr(0, 7)) == "http://" || lower(uri.substr(0, 8)) == "https://";
    throw bad_request(remote ? "image URLs are not fetched by this server: send the image inline as a "
                               "data: URI (data:image/png;base64,...)"
                             : "expected a data: URI (data:image/png;base64,...)",
                      param, "invalid_image_url");
  }
  const size_t comma = uri.find(',');
  if (comma == std::string_view::npos)
    throw bad_request("malformed data: URI (no comma)", param, "invalid_image_url");
  const std::string meta = lower(uri.substr(5, comma - 5));
  if (meta.size() < 7 || meta.substr(meta.size() - 7) != ";base64")
    throw bad_request("the data: URI must be base64-encoded (;base64,)", param, "invalid_image_url");
  const std::string mime = meta.substr(0, meta.find(';'));
  if (mime != "image/png" && mime != "image/jpeg" && mime != "image/jpg" && mime != "image/webp")
    throw bad_request("unsupported image type '" + mime + "': send image/png, image/jpeg or image/webp",
                      param, "invalid_image_format");
  std::optional<std::string> bytes = base64_decode(uri.substr(comma + 1));
  if (!bytes) throw bad_request("the image's base64 data is malformed", param, "invalid_base64");
  if (sniff_image_format(*bytes).empty())
    throw bad_request("the image data is not a PNG, JPEG or WebP file", param, "invalid_image_format");
  return std::move(*bytes);
}

}  // namespace janus::serve

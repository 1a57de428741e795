// Images in chat requests: `data:image/png;base64,...` URIs (PNG, JPEG or WebP).
#pragma once

#include <string>
#include <string_view>

namespace janus::serve {

// Decoded image bytes; throws ApiError (400, naming `param`) for a remote URL, a non-image or
// unsupported media type, bad base64, or bytes that are not a PNG, JPEG or WebP file.
std::string decode_image_data_uri(std::string_view uri, const std::string& param);

// "png", "jpeg", "webp" from the file's signature, or "" when it is none of them.
std::string_view sniff_image_format(std::string_view bytes);

}  // namespace janus::serve

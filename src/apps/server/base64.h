// Base64 (RFC 4648, standard alphabet) for data: URIs in requests and b64_json in responses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace janus::serve {

std::string base64_encode(std::string_view bytes);
// Strict decode: standard alphabet, '=' padding only at the end (optional); nullopt on any other
// character, a misplaced '=', or a length no encoder produces.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace janus::serve

// The web UI's files, compiled into the binary (see cmake/embed_web.cmake).
#pragma once

#include <span>
#include <string_view>

namespace janus::serve {

struct WebAsset {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};

std::span<const WebAsset> web_assets();

}  // namespace janus::serve

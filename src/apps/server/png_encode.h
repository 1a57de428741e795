// In-memory PNG encoding of generated images (the API writes PNG files only; responses need bytes).
#pragma once

#include <cstdint>
#include <string>

namespace janus::serve {

// RGB8 [height, width, 3] -> PNG file bytes; throws std::runtime_error when libpng fails.
std::string encode_png(const uint8_t* rgb, int width, int height);

}  // namespace janus::serve

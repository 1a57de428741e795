// PNG output for generated images: 8-bit RGB with tEXt metadata (prompt, model, seed, ...),
// written atomically and never over an existing file unless asked.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/image/image.h"

namespace janus {

using PngText = std::vector<std::pair<std::string, std::string>>;  // keyword -> UTF-8 value (iTXt)

// Encodes to memory (for servers and tests).
std::vector<uint8_t> encode_png(const Image& img, const PngText& text = {});
// Writes via a temporary file + rename. Error(Io) naming the path when it exists and !overwrite,
// or when the folder is missing or unwritable.
void write_png_file(const std::string& path, const Image& img, const PngText& text = {},
                    bool overwrite = false);

}  // namespace janus

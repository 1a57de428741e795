// Minimal BMP reader with Pillow's BmpImagePlugin semantics: uncompressed 1/4/8-bit palette,
// 16/24/32-bit (BI_RGB or BITFIELDS), bottom-up or top-down. RLE and embedded JPEG/PNG are rejected.
#include <bit>
#include <cstring>

#include "core/error.h"
#include "io/image/decoders.h"

namespace janus::image_detail {
namespace {

uint16_t rd16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t rd32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

// One BITFIELDS channel: mask position and width; values wider or narrower than 8 bits are rescaled
// as Pillow's "BGR;15"/"BGR;16" unpackers do (v * 255 / max).
struct Channel {
  uint32_t mask = 0;
  int shift = 0;
  uint32_t max = 0;
  explicit Channel(uint32_t m) : mask(m) {
    if (m == 0) return;
    shift = std::countr_zero(m);
    max = m >> shift;
  }
  uint8_t get(uint32_t px) const {
    if (max == 0) return 0;
    const uint64_t v = (px & mask) >> shift;
    return static_cast<uint8_t>(v * 255 / max);
  }
};

void need(bool ok, const std::string& name, const char* what) {
  if (!ok) fail(ErrorKind::Format, name, std::string("BMP: ") + what);
}

}  // namespace

Image decode_bmp(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits) {
  need(size >= 18, name, "truncated file header");
  const uint32_t pixel_offset = rd32(data + 10);
  const uint32_t header_size = rd32(data + 14);
  const uint8_t* h = data + 14;
  const bool core = header_size == 12;
  if (!(core || header_size == 40 || header_size == 52 || header_size == 56 || header_size == 64 ||
        header_size == 108 || header_size == 124))
    fail(ErrorKind::Unsupported, name, "BMP: unsupported info header size " + std::to_string(header_size));
  need(size >= 14 + uint64_t(header_size), name, "truncated info header");

  int64_t width, height;
  int bits;
  uint32_t compression = 0, colors = 0;
  bool top_down = false;
  if (core) {
    width = rd16(h + 4);
    height = rd16(h + 6);
    bits = rd16(h + 10);
  } else {
    width = static_cast<int32_t>(rd32(h + 4));
    const int32_t sh = static_cast<int32_t>(rd32(h + 8));
    top_down = sh < 0;
    height = top_down ? -int64_t(sh) : sh;
    bits = rd16(h + 14);
    compression = rd32(h + 16);
    colors = rd32(h + 32);
  }
  size_t pos = 14 + header_size;  // file position after the header (and masks)

  uint32_t masks[4] = {0, 0, 0, 0};  // r, g, b, a
  if (compression == 1 || compression == 2)
    fail(ErrorKind::Unsupported, name, "BMP: RLE compression is not supported");
  if (compression == 3 || compression == 6) {  // BITFIELDS / ALPHABITFIELDS
    if (header_size >= 52) {
      for (int i = 0; i < 3; ++i) masks[i] = rd32(h + 40 + 4 * i);
    } else {
      const int n = compression == 6 ? 4 : 3;
      need(size >= pos + 4 * n, name, "truncated colour masks");
      for (int i = 0; i < n; ++i) masks[i] = rd32(data + pos + 4 * i);
      pos += 4 * n;
    }
    if (bits != 16 && bits != 24 && bits != 32)
      fail(ErrorKind::Unsupported, name, "BMP: bitfields with " + std::to_string(bits) + " bits per pixel");
    if (bits == 32 && masks[0] == 0 && masks[1] == 0 && masks[2] == 0) {
      masks[0] = 0xFF0000, masks[1] = 0xFF00, masks[2] = 0xFF;  // Pillow reads all-zero masks as BGRA
    }
  } else if (compression != 0) {
    fail(ErrorKind::Unsupported, name, "BMP: unsupported compression " + std::to_string(compression));
  } else if (bits == 16) {
    masks[0] = 0x7C00, masks[1] = 0x03E0, masks[2] = 0x001F;  // BI_RGB 16-bit is 5-5-5
  } else if (bits == 24 || bits == 32) {
    masks[0] = 0xFF0000, masks[1] = 0xFF00, masks[2] = 0xFF;
  }
  if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32)
    fail(ErrorKind::Unsupported, name, "BMP: unsupported bit depth " + std::to_string(bits));

  Palette pal;
  uint64_t offset = pixel_offset;
  if (bits <= 8) {
    const uint64_t ncolors = colors ? colors : (1u << bits);
    if (ncolors > 65536) fail(ErrorKind::Format, name, "BMP: palette size " + std::to_string(ncolors));
    const int entry = core ? 3 : 4;
    need(size >= pos + ncolors * entry, name, "truncated palette");
    for (uint64_t i = 0; i < ncolors && i < 256; ++i) {
      const uint8_t* e = data + pos + i * entry;
      pal.rgb[i][0] = e[2], pal.rgb[i][1] = e[1], pal.rgb[i][2] = e[0];
    }
    // Pillow quirk: an offset pointing right after the header is taken to skip a 4-byte palette.
    if (offset == 14 + uint64_t(header_size)) offset += 4 * ncolors;
    if (offset == 0) offset = pos + ncolors * entry;
  } else if (offset == 0) {
    offset = pos;
  }

  // Check dimensions before trusting them for the stride and data-size arithmetic.
  Image img = allocate_checked(name, width, height, limits);
  const uint64_t w = img.width, hgt = img.height;
  const uint64_t stride = ((w * bits + 31) >> 3) & ~uint64_t(3);
  need(offset <= size && stride * hgt <= size - offset, name, "truncated pixel data");

  const Channel cr(masks[0]), cg(masks[1]), cb(masks[2]);
  for (uint64_t y = 0; y < hgt; ++y) {
    const uint8_t* row = data + offset + stride * (top_down ? y : hgt - 1 - y);
    uint8_t* out = img.rgb.data() + y * w * 3;
    for (uint64_t x = 0; x < w; ++x) {
      uint8_t* o = out + 3 * x;
      if (bits <= 8) {
        unsigned idx;
        if (bits == 8)
          idx = row[x];
        else if (bits == 4)
          idx = (row[x >> 1] >> ((x & 1) ? 0 : 4)) & 0xF;
        else
          idx = (row[x >> 3] >> (7 - (x & 7))) & 1;
        std::memcpy(o, pal.rgb[idx], 3);
        continue;
      }
      uint32_t px;
      if (bits == 16)
        px = rd16(row + 2 * x);
      else if (bits == 24)
        px = uint32_t(row[3 * x]) | (uint32_t(row[3 * x + 1]) << 8) | (uint32_t(row[3 * x + 2]) << 16);
      else
        px = rd32(row + 4 * x);
      o[0] = cr.get(px), o[1] = cg.get(px), o[2] = cb.get(px);
    }
  }
  return img;
}

}  // namespace janus::image_detail

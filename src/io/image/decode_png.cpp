// PNG via libpng, converted like Pillow: palette lookup, grey replicated, alpha dropped, 16-bit channels
// cut to their high byte, except 16-bit greyscale (Pillow mode "I") which is clamped to 0..255.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "io/image/decoders.h"

namespace janus::image_detail {
namespace {

// Everything libpng callbacks touch. Trivially destructible: libpng errors longjmp over the callback
// frames back into the setjmp functions below, which own no C++ objects.
struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t pos;
  char message[200];
};

struct PngHeader {
  png_uint_32 width, height;
  int bit_depth, color_type, channels;
  size_t rowbytes;
  int num_palette;
  png_color palette[256];
};

void on_png_error(png_structp png, png_const_charp msg) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(src->message, sizeof(src->message), "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void on_png_read(png_structp png, png_bytep out, size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->size - src->pos) png_error(png, "unexpected end of data (truncated file)");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

// Returns false on a libpng error (message in the source). No C++ objects live in this frame.
bool read_header(png_structp png, png_infop info, PngHeader* hdr) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  hdr->width = png_get_image_width(png, info);
  hdr->height = png_get_image_height(png, info);
  hdr->bit_depth = png_get_bit_depth(png, info);
  hdr->color_type = png_get_color_type(png, info);
  hdr->num_palette = 0;
  if (hdr->color_type == PNG_COLOR_TYPE_PALETTE) {
    png_colorp pal = nullptr;
    int n = 0;
    if (png_get_PLTE(png, info, &pal, &n) != 0 && pal != nullptr) {
      hdr->num_palette = n < 0 ? 0 : (n > 256 ? 256 : n);
      std::memcpy(hdr->palette, pal, sizeof(png_color) * hdr->num_palette);
    }
    png_set_packing(png);  // 1/2/4-bit indices -> one byte each
  } else if (hdr->color_type == PNG_COLOR_TYPE_GRAY && hdr->bit_depth < 8) {
    png_set_expand_gray_1_2_4_to_8(png);  // same 0/255, x85, x17 scaling as Pillow's "1", "L;2", "L;4"
  }
  // 16-bit: Pillow's "RGB;16B"/"RGBA;16B"/"LA;16B" unpackers keep the high byte (a plain chop);
  // 16-bit grey stays 16-bit here and is clamped below.
  if (hdr->bit_depth == 16 && hdr->color_type != PNG_COLOR_TYPE_GRAY) png_set_strip_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  hdr->channels = png_get_channels(png, info);
  hdr->rowbytes = png_get_rowbytes(png, info);
  return true;
}

bool read_pixels(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  return true;
}

struct PngGuard {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngGuard() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

}  // namespace

Image decode_png(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits) {
  PngSource src{data, size, 0, {0}};
  PngGuard g;
  g.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_png_error, on_png_warning);
  if (!g.png) fail(ErrorKind::Internal, name, "png_create_read_struct failed");
  g.info = png_create_info_struct(g.png);
  if (!g.info) fail(ErrorKind::Internal, name, "png_create_info_struct failed");
  png_set_read_fn(g.png, &src, on_png_read);
  // Let libpng itself reject absurd IHDR sizes before it allocates anything.
  const png_uint_32 lim = static_cast<png_uint_32>(limits.max_dimension > 0 ? limits.max_dimension : 1);
  png_set_user_limits(g.png, lim, lim);

  PngHeader hdr{};
  if (!read_header(g.png, g.info, &hdr)) fail(ErrorKind::Format, name, std::string("PNG: ") + src.message);
  Image img = allocate_checked(name, hdr.width, hdr.height, limits);
  const size_t w = hdr.width, h = hdr.height;
  const int bytes_per_sample = (hdr.bit_depth == 16 && hdr.color_type == PNG_COLOR_TYPE_GRAY) ? 2 : 1;
  if (hdr.channels < 1 || hdr.channels > 4 || hdr.rowbytes != w * hdr.channels * bytes_per_sample)
    fail(ErrorKind::Format, name, "PNG: unexpected row layout after transforms");

  std::vector<uint8_t> raw(hdr.rowbytes * h);  // [h, w, channels] (x2 bytes for 16-bit grey)
  std::vector<png_bytep> rows(h);
  for (size_t y = 0; y < h; ++y) rows[y] = raw.data() + y * hdr.rowbytes;
  if (!read_pixels(g.png, rows.data())) fail(ErrorKind::Format, name, std::string("PNG: ") + src.message);

  uint8_t* out = img.rgb.data();
  const size_t n = w * h;
  if (hdr.color_type == PNG_COLOR_TYPE_PALETTE) {
    Palette pal;  // indices past PLTE read as the grey ramp, as in Pillow
    for (int i = 0; i < hdr.num_palette; ++i) {
      pal.rgb[i][0] = hdr.palette[i].red;
      pal.rgb[i][1] = hdr.palette[i].green;
      pal.rgb[i][2] = hdr.palette[i].blue;
    }
    for (size_t i = 0; i < n; ++i) std::memcpy(out + 3 * i, pal.rgb[raw[i]], 3);
  } else if (bytes_per_sample == 2) {
    for (size_t i = 0; i < n; ++i) {
      const unsigned v = (unsigned(raw[2 * i]) << 8) | raw[2 * i + 1];  // big-endian sample
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = static_cast<uint8_t>(v > 255 ? 255 : v);
    }
  } else if (hdr.channels <= 2) {  // L or LA
    for (size_t i = 0; i < n; ++i) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = raw[i * hdr.channels];
  } else {  // RGB or RGBA
    for (size_t i = 0; i < n; ++i) std::memcpy(out + 3 * i, raw.data() + i * hdr.channels, 3);
  }
  return img;
}

}  // namespace janus::image_detail

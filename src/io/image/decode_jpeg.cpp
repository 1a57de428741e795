// JPEG via libjpeg(-turbo) with the library defaults Pillow uses (islow IDCT, fancy upsampling).
// CMYK/YCCK are decoded to CMYK and converted like Pillow: it always assumes Adobe (inverted) polarity.
// jpeglib.h needs size_t and FILE declared first, so keep this order.
// clang-format off
#include <csetjmp>
#include <cstddef>
#include <cstdio>

#include <jerror.h>
#include <jpeglib.h>
// clang-format on

#include <cstring>
#include <memory>

#include "core/error.h"
#include "io/image/decoders.h"

namespace janus::image_detail {
namespace {

constexpr int kMaxScans = 1000;  // progressive files with endless scans are a CPU bomb

// Error manager: libjpeg's error_exit must not return; we longjmp back into the setjmp functions
// below, which hold no C++ objects, so no destructor is skipped.
struct JpegErr {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 32];
};

struct JpegCtx {
  jpeg_decompress_struct cinfo;
  JpegErr err;
  jpeg_progress_mgr progress;
};

[[noreturn]] void on_jpeg_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErr*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_jpeg_message(j_common_ptr cinfo, int level) {
  // Pillow refuses truncated files ("image file is truncated"); libjpeg only warns and pads with grey.
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_jpeg_error(cinfo);
  if (level < 0) cinfo->err->num_warnings++;
}

void on_jpeg_progress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->is_decompressor && d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<JpegErr*>(cinfo->err);
    std::snprintf(err->message, sizeof(err->message), "more than %d scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

bool create(JpegCtx* c, const uint8_t* data, size_t size) {
  if (setjmp(c->err.jump)) return false;
  jpeg_create_decompress(&c->cinfo);
  c->cinfo.progress = &c->progress;
  jpeg_mem_src(&c->cinfo, data, static_cast<unsigned long>(size));
  return true;
}

bool read_header(JpegCtx* c) {
  if (setjmp(c->err.jump)) return false;
  jpeg_read_header(&c->cinfo, TRUE);
  switch (c->cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      c->cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      c->cinfo.out_color_space = JCS_CMYK;
      break;
    default:
      c->cinfo.out_color_space = JCS_RGB;
      break;  // YCbCr, RGB; others make libjpeg fail
  }
  return true;
}

bool start(JpegCtx* c) {
  if (setjmp(c->err.jump)) return false;
  jpeg_start_decompress(&c->cinfo);
  return true;
}

// Reads one scanline into row; returns false on error.
bool read_row(JpegCtx* c, uint8_t* row) {
  if (setjmp(c->err.jump)) return false;
  JSAMPROW rows[1] = {row};
  while (jpeg_read_scanlines(&c->cinfo, rows, 1) != 1) {
    // Only suspending sources return 0; the memory source never suspends.
    std::snprintf(c->err.message, sizeof(c->err.message), "decoder returned no scanline");
    return false;
  }
  return true;
}

struct JpegGuard {
  JpegCtx* c;
  ~JpegGuard() { jpeg_destroy_decompress(&c->cinfo); }
};

inline uint8_t muldiv255(int a, int b) {
  const int t = a * b + 128;
  return static_cast<uint8_t>(((t >> 8) + t) >> 8);
}

}  // namespace

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits) {
  auto ctx = std::make_unique<JpegCtx>();
  JpegCtx* c = ctx.get();
  std::memset(c, 0, sizeof(*c));
  c->cinfo.err = jpeg_std_error(&c->err.pub);
  c->err.pub.error_exit = on_jpeg_error;
  c->err.pub.emit_message = on_jpeg_message;
  c->progress.progress_monitor = on_jpeg_progress;
  JpegGuard guard{c};  // jpeg_destroy is a no-op on a zeroed, never-created struct
  if (!create(c, data, size)) fail(ErrorKind::Internal, name, std::string("JPEG: ") + c->err.message);

  if (!read_header(c)) fail(ErrorKind::Format, name, std::string("JPEG: ") + c->err.message);
  Image img = allocate_checked(name, c->cinfo.image_width, c->cinfo.image_height, limits);
  if (!start(c)) fail(ErrorKind::Format, name, std::string("JPEG: ") + c->err.message);
  const int comps = c->cinfo.output_components;
  const J_COLOR_SPACE cs = c->cinfo.out_color_space;
  if (static_cast<int>(c->cinfo.output_width) != img.width ||
      static_cast<int>(c->cinfo.output_height) != img.height ||
      !((cs == JCS_GRAYSCALE && comps == 1) || (cs == JCS_RGB && comps == 3) ||
        (cs == JCS_CMYK && comps == 4)))
    fail(ErrorKind::Format, name, "JPEG: unexpected output layout");

  const size_t w = img.width;
  std::vector<uint8_t> row(w * comps);
  for (int y = 0; y < img.height; ++y) {
    uint8_t* out = img.rgb.data() + static_cast<size_t>(y) * w * 3;
    uint8_t* dst = (cs == JCS_RGB) ? out : row.data();
    if (!read_row(c, dst)) fail(ErrorKind::Format, name, std::string("JPEG: ") + c->err.message);
    if (cs == JCS_GRAYSCALE) {
      for (size_t x = 0; x < w; ++x) out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = row[x];
    } else if (cs == JCS_CMYK) {
      // Pillow: raw "CMYK;I" inverts the stored (Adobe) values, then cmyk2rgb computes
      // channel = (255 - k) - (c * (255 - k)) / 255 with its rounded MULDIV255.
      for (size_t x = 0; x < w; ++x) {
        const uint8_t* p = row.data() + 4 * x;
        const int nk = p[3];  // 255 - k, with k = 255 - stored
        for (int ch = 0; ch < 3; ++ch) {
          const int cc = 255 - p[ch];
          const int v = nk - muldiv255(cc, nk);
          out[3 * x + ch] = static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
        }
      }
    }
  }
  // Trailing data after the last scanline is not validated (Pillow stops here too).
  return img;
}

}  // namespace janus::image_detail

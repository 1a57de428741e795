// GIF via giflib: only the first frame, placed on the logical screen the way Pillow loads frame 0
// (screen grown to fit the frame, uncovered pixels = transparent index if any, else index 0).
#include <gif_lib.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "io/image/decoders.h"

namespace janus::image_detail {
namespace {

struct GifSource {
  const uint8_t* data;
  size_t size;
  size_t pos;
};

int on_gif_read(GifFileType* gif, GifByteType* out, int n) {
  auto* src = static_cast<GifSource*>(gif->UserData);
  if (n <= 0) return 0;
  const size_t k = std::min(static_cast<size_t>(n), src->size - src->pos);
  std::memcpy(out, src->data + src->pos, k);
  src->pos += k;
  return static_cast<int>(k);
}

struct GifGuard {
  GifFileType* gif = nullptr;
  ~GifGuard() {
    int err = 0;
    if (gif) DGifCloseFile(gif, &err);
  }
};

[[noreturn]] void gif_fail(const std::string& name, const char* step, int code) {
  const char* s = GifErrorString(code);
  fail(ErrorKind::Format, name, std::string("GIF: ") + step + ": " + (s ? s : "unknown error"));
}

}  // namespace

Image decode_gif(const uint8_t* data, size_t size, const std::string& name, const ImageLimits& limits) {
  GifSource src{data, size, 0};
  int err = 0;
  GifGuard g;
  g.gif = DGifOpen(&src, on_gif_read, &err);
  if (!g.gif) gif_fail(name, "header", err);
  GifFileType* gif = g.gif;

  int transparency = -1;  // from a Graphic Control Extension preceding the first image
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) gif_fail(name, "record", gif->Error);
    if (type == TERMINATE_RECORD_TYPE) fail(ErrorKind::Format, name, "GIF: no image in file");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) gif_fail(name, "extension", gif->Error);
      if (code == GRAPHICS_EXT_FUNC_CODE && ext != nullptr && ext[0] >= 4)
        transparency = (ext[1] & 1) ? ext[4] : -1;  // ext[0] is the sub-block length
      while (ext != nullptr)
        if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) gif_fail(name, "extension", gif->Error);
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif) == GIF_ERROR) gif_fail(name, "image descriptor", gif->Error);
    break;
  }

  const GifImageDesc& d = gif->Image;
  const int64_t fx = d.Left, fy = d.Top, fw = d.Width, fh = d.Height;
  if (fx < 0 || fy < 0 || fw < 0 || fh < 0) fail(ErrorKind::Format, name, "GIF: invalid frame geometry");
  Image img = allocate_checked(name, std::max<int64_t>(gif->SWidth, fx + fw),
                               std::max<int64_t>(gif->SHeight, fy + fh), limits);

  Palette pal;  // no colour table -> Pillow mode "L" (value = index), same as the grey ramp
  const ColorMapObject* cmap = d.ColorMap ? d.ColorMap : gif->SColorMap;
  if (cmap && cmap->Colors) {
    for (int i = 0; i < cmap->ColorCount && i < 256; ++i) {
      pal.rgb[i][0] = cmap->Colors[i].Red;
      pal.rgb[i][1] = cmap->Colors[i].Green;
      pal.rgb[i][2] = cmap->Colors[i].Blue;
    }
  }

  const size_t W = img.width;
  std::vector<uint8_t> index(W * img.height, static_cast<uint8_t>(transparency >= 0 ? transparency : 0));
  if (fw > 0 && fh > 0) {
    std::vector<GifPixelType> line(fw);
    // Interlaced rows arrive in four passes: every 8th from 0, every 8th from 4, every 4th from 2, odd rows.
    static const int kStart[4] = {0, 4, 2, 1}, kStep[4] = {8, 8, 4, 2};
    const int passes = d.Interlace ? 4 : 1;
    for (int p = 0; p < passes; ++p) {
      const int start = d.Interlace ? kStart[p] : 0, step = d.Interlace ? kStep[p] : 1;
      for (int64_t y = start; y < fh; y += step) {
        if (DGifGetLine(gif, line.data(), static_cast<int>(fw)) == GIF_ERROR)
          gif_fail(name, "image data", gif->Error);
        std::memcpy(index.data() + (fy + y) * W + fx, line.data(), fw);
      }
    }
  }
  for (size_t i = 0; i < index.size(); ++i) std::memcpy(img.rgb.data() + 3 * i, pal.rgb[index[i]], 3);
  return img;
}

}  // namespace janus::image_detail

// 8-bit RGB / RGBA pixel buffers for composing creatives: fills, anti-aliased rounded rectangles,
// alpha blending and Lanczos-3 resampling (crop-to-fill for the image panel).
#pragma once

#include <cstdint>
#include <vector>

#include "campaign.h"

namespace janus::studio {

struct Raster {
  int w = 0, h = 0, channels = 3;  // 3 = RGB, 4 = RGBA (straight alpha)
  std::vector<uint8_t> px;         // [h][w][channels]
  uint8_t* at(int x, int y) { return px.data() + (size_t(y) * size_t(w) + size_t(x)) * size_t(channels); }
  const uint8_t* at(int x, int y) const {
    return px.data() + (size_t(y) * size_t(w) + size_t(x)) * size_t(channels);
  }
};

Raster make_raster(int w, int h, Rgb fill);
// Mixes colour c into pixel (x, y) with coverage a (0..255); outside the raster: nothing.
void blend(Raster& r, int x, int y, Rgb c, int a);
void fill_rect(Raster& r, int x, int y, int w, int h, Rgb c);
// Rounded rectangle with anti-aliased corners (radius in pixels).
void fill_round_rect(Raster& r, int x, int y, int w, int h, int radius, Rgb c);
// Vertical fade from transparent (top) to colour c with max coverage a_max at the bottom.
void fill_fade(Raster& r, int x, int y, int w, int h, Rgb c, int a_max);
// Separable Lanczos-3 resampling (any channel count); downscaling widens the kernel (no aliasing).
Raster resize_lanczos(const Raster& src, int w, int h);
// Scales src to cover w x h and crops the centre (CSS object-fit: cover).
Raster cover(const Raster& src, int w, int h);
// Draws src with its top-left corner at (x, y); RGBA sources are alpha-blended.
void draw(Raster& dst, const Raster& src, int x, int y);

}  // namespace janus::studio

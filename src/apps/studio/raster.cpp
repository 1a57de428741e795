#include "raster.h"

#include <algorithm>
#include <cmath>

namespace janus::studio {

Raster make_raster(int w, int h, Rgb fill) {
  Raster r;
  r.w = w;
  r.h = h;
  r.channels = 3;
  r.px.resize(size_t(w) * size_t(h) * 3);
  for (size_t i = 0; i < r.px.size(); i += 3) {
    r.px[i] = fill.r;
    r.px[i + 1] = fill.g;
    r.px[i + 2] = fill.b;
  }
  return r;
}

void blend(Raster& r, int x, int y, Rgb c, int a) {
  if (x < 0 || y < 0 || x >= r.w || y >= r.h || a <= 0) return;
  a = std::min(a, 255);
  uint8_t* p = r.at(x, y);
  const uint8_t src[3] = {c.r, c.g, c.b};
  for (int k = 0; k < 3; ++k) p[k] = uint8_t((src[k] * a + p[k] * (255 - a) + 127) / 255);
  if (r.channels == 4) p[3] = uint8_t(a + p[3] * (255 - a) / 255);
}

void fill_rect(Raster& r, int x, int y, int w, int h, Rgb c) {
  for (int yy = std::max(0, y); yy < std::min(r.h, y + h); ++yy)
    for (int xx = std::max(0, x); xx < std::min(r.w, x + w); ++xx) blend(r, xx, yy, c, 255);
}

void fill_round_rect(Raster& r, int x, int y, int w, int h, int radius, Rgb c) {
  radius = std::max(0, std::min({radius, w / 2, h / 2}));
  for (int yy = 0; yy < h; ++yy) {
    for (int xx = 0; xx < w; ++xx) {
      // Distance from the nearest corner centre decides the coverage inside the corner squares.
      const float cx =
          xx < radius ? float(radius) : (xx >= w - radius ? float(w - radius) : float(xx) + 0.5f);
      const float cy =
          yy < radius ? float(radius) : (yy >= h - radius ? float(h - radius) : float(yy) + 0.5f);
      const float dx = float(xx) + 0.5f - cx, dy = float(yy) + 0.5f - cy;
      const float d = std::sqrt(dx * dx + dy * dy);
      const float cov = std::clamp(float(radius) - d + 0.5f, 0.0f, 1.0f);
      const bool corner = (xx < radius || xx >= w - radius) && (yy < radius || yy >= h - radius);
      blend(r, x + xx, y + yy, c, corner ? int(cov * 255.0f + 0.5f) : 255);
    }
  }
}

void fill_fade(Raster& r, int x, int y, int w, int h, Rgb c, int a_max) {
  for (int yy = 0; yy < h; ++yy) {
    const int a = h > 1 ? a_max * yy / (h - 1) : a_max;
    for (int xx = 0; xx < w; ++xx) blend(r, x + xx, y + yy, c, a);
  }
}

namespace {

double lanczos3(double x) {
  x = std::fabs(x);
  if (x < 1e-9) return 1.0;
  if (x >= 3.0) return 0.0;
  const double px = M_PI * x;
  return 3.0 * std::sin(px) * std::sin(px / 3.0) / (px * px);
}

// One axis: `n_out` outputs from `n_in` inputs; per output the first input index and its weights.
struct Taps {
  std::vector<int> first;
  std::vector<std::vector<float>> w;
};

Taps taps(int n_in, int n_out) {
  Taps t;
  const double scale = double(n_in) / n_out;
  const double support = 3.0 * std::max(1.0, scale);
  const double stretch = std::max(1.0, scale);
  for (int o = 0; o < n_out; ++o) {
    const double centre = (o + 0.5) * scale;
    const int lo = std::max(0, int(std::floor(centre - support)));
    const int hi = std::min(n_in, int(std::ceil(centre + support)));
    std::vector<float> w;
    double sum = 0;
    for (int i = lo; i < hi; ++i) {
      const double v = lanczos3((i + 0.5 - centre) / stretch);
      w.push_back(float(v));
      sum += v;
    }
    for (float& v : w) v = float(v / (sum == 0 ? 1 : sum));
    t.first.push_back(lo);
    t.w.push_back(std::move(w));
  }
  return t;
}

}  // namespace

Raster resize_lanczos(const Raster& src, int w, int h) {
  const int C = src.channels;
  const Taps tx = taps(src.w, w), ty = taps(src.h, h);
  std::vector<float> mid(size_t(src.h) * size_t(w) * size_t(C));  // horizontal pass
  for (int y = 0; y < src.h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < C; ++c) {
        float acc = 0;
        for (size_t k = 0; k < tx.w[size_t(x)].size(); ++k)
          acc += tx.w[size_t(x)][k] * src.at(tx.first[size_t(x)] + int(k), y)[c];
        mid[(size_t(y) * size_t(w) + size_t(x)) * size_t(C) + size_t(c)] = acc;
      }
  Raster out;
  out.w = w;
  out.h = h;
  out.channels = C;
  out.px.resize(size_t(w) * size_t(h) * size_t(C));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < C; ++c) {
        float acc = 0;
        for (size_t k = 0; k < ty.w[size_t(y)].size(); ++k)
          acc += ty.w[size_t(y)][k] *
                 mid[(size_t(ty.first[size_t(y)] + int(k)) * size_t(w) + size_t(x)) * size_t(C) + size_t(c)];
        out.at(x, y)[c] = uint8_t(std::clamp(std::lround(acc), 0L, 255L));
      }
  return out;
}

Raster cover(const Raster& src, int w, int h) {
  // Crop the source to the target aspect ratio, centred, then resample.
  const double target = double(w) / h, have = double(src.w) / src.h;
  int cw = src.w, ch = src.h;
  if (have > target)
    cw = std::max(1, int(std::lround(src.h * target)));
  else
    ch = std::max(1, int(std::lround(src.w / target)));
  Raster crop;
  crop.w = cw;
  crop.h = ch;
  crop.channels = src.channels;
  crop.px.resize(size_t(cw) * size_t(ch) * size_t(src.channels));
  const int x0 = (src.w - cw) / 2, y0 = (src.h - ch) / 2;
  for (int y = 0; y < ch; ++y)
    std::copy_n(src.at(x0, y0 + y), size_t(cw) * size_t(src.channels), crop.at(0, y));
  return resize_lanczos(crop, w, h);
}

void draw(Raster& dst, const Raster& src, int x, int y) {
  for (int yy = 0; yy < src.h; ++yy)
    for (int xx = 0; xx < src.w; ++xx) {
      const uint8_t* p = src.at(xx, yy);
      const int a = src.channels == 4 ? p[3] : 255;
      blend(dst, x + xx, y + yy, Rgb{p[0], p[1], p[2]}, a);
    }
}

}  // namespace janus::studio

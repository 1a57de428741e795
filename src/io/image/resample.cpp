// Pillow's 8-bit convolution resampler (libImaging/Resample.c semantics), reimplemented so outputs are
// bit-identical: same kernel, window rounding, double normalisation and 22-bit fixed-point rounding.
#include <cmath>
#include <cstring>
#include <numbers>

#include "core/error.h"
#include "io/image/preprocess.h"

namespace janus {
namespace {

constexpr int kPrecisionBits = 22;

struct Filter {
  double support;
  double (*fn)(double);
};

double bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x = x * std::numbers::pi;
  return std::sin(x) / x;
}

double lanczos3(double x) {
  if (-3.0 <= x && x < 3.0) return sinc(x) * sinc(x / 3);
  return 0.0;
}

// Per output index: first input index, tap count and fixed-point weights (ksize per row).
struct Coeffs {
  int ksize = 0;
  std::vector<int> xmin, count;
  std::vector<int32_t> k;  // [out, ksize]
};

Coeffs precompute(int in_size, int out_size, const Filter& f) {
  const double scale = static_cast<double>(static_cast<float>(in_size)) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = f.support * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.xmin.resize(out_size);
  c.count.resize(out_size);
  c.k.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = 0.0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // truncation, as in C
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double v = f.fn((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) w[x] /= ww;
      // Round half away from zero into 22 fractional bits.
      const double s = w[x] * (1 << kPrecisionBits);
      c.k[static_cast<size_t>(xx) * c.ksize + x] = static_cast<int32_t>(w[x] < 0 ? -0.5 + s : 0.5 + s);
    }
    c.xmin[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

inline uint8_t clip8(int64_t v) {
  if (v >= (int64_t(1) << kPrecisionBits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<uint8_t>(v >> kPrecisionBits);
}

// in: rows [row_offset, row_offset + out_rows) of an [in_h, in_w, 3] image; out: [out_rows, out_w, 3].
void pass_horizontal(const uint8_t* in, int in_w, int row_offset, int out_rows, int out_w, const Coeffs& c,
                     uint8_t* out) {
  for (int y = 0; y < out_rows; ++y) {
    const uint8_t* src = in + static_cast<size_t>(y + row_offset) * in_w * 3;
    uint8_t* dst = out + static_cast<size_t>(y) * out_w * 3;
    for (int xx = 0; xx < out_w; ++xx) {
      const int32_t* k = &c.k[static_cast<size_t>(xx) * c.ksize];
      const uint8_t* p = src + static_cast<size_t>(c.xmin[xx]) * 3;
      int64_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int x = 0; x < c.count[xx]; ++x) {
        s0 += int64_t(p[3 * x]) * k[x];
        s1 += int64_t(p[3 * x + 1]) * k[x];
        s2 += int64_t(p[3 * x + 2]) * k[x];
      }
      dst[3 * xx] = clip8(s0), dst[3 * xx + 1] = clip8(s1), dst[3 * xx + 2] = clip8(s2);
    }
  }
}

// in: [*, w, 3] with c.xmin already relative to in's first row; out: [out_h, w, 3].
void pass_vertical(const uint8_t* in, int w, int out_h, const Coeffs& c, int row_shift, uint8_t* out) {
  const size_t row = static_cast<size_t>(w) * 3;
  for (int yy = 0; yy < out_h; ++yy) {
    const int32_t* k = &c.k[static_cast<size_t>(yy) * c.ksize];
    const uint8_t* base = in + static_cast<size_t>(c.xmin[yy] - row_shift) * row;
    uint8_t* dst = out + static_cast<size_t>(yy) * row;
    for (size_t i = 0; i < row; ++i) {
      int64_t s = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < c.count[yy]; ++y) s += int64_t(base[y * row + i]) * k[y];
      dst[i] = clip8(s);
    }
  }
}

Image resample(const Image& src, int out_w, int out_h, const Filter& f) {
  if (src.width <= 0 || src.height <= 0 || src.rgb.size() != static_cast<size_t>(src.width) * src.height * 3)
    fail(ErrorKind::InvalidArgument, "resize", "source image is empty or inconsistent");
  if (out_w <= 0 || out_h <= 0)
    fail(ErrorKind::InvalidArgument, "resize",
         "invalid target size " + std::to_string(out_w) + "x" + std::to_string(out_h));
  if (out_w == src.width && out_h == src.height) return src;  // Pillow returns a copy

  Image out;
  out.width = out_w;
  out.height = out_h;
  out.rgb.resize(static_cast<size_t>(out_w) * out_h * 3);
  const bool need_h = out_w != src.width, need_v = out_h != src.height;
  if (need_h && !need_v) {
    pass_horizontal(src.rgb.data(), src.width, 0, out_h, out_w, precompute(src.width, out_w, f),
                    out.rgb.data());
  } else if (!need_h) {
    pass_vertical(src.rgb.data(), out_w, out_h, precompute(src.height, out_h, f), 0, out.rgb.data());
  } else {
    // Horizontal first, only over the source rows the vertical pass reads; the intermediate is uint8.
    const Coeffs cv = precompute(src.height, out_h, f);
    const int first = cv.xmin[0];
    const int last = cv.xmin[out_h - 1] + cv.count[out_h - 1];
    std::vector<uint8_t> tmp(static_cast<size_t>(last - first) * out_w * 3);  // [last-first, out_w, 3]
    pass_horizontal(src.rgb.data(), src.width, first, last - first, out_w, precompute(src.width, out_w, f),
                    tmp.data());
    pass_vertical(tmp.data(), out_w, out_h, cv, first, out.rgb.data());
  }
  return out;
}

}  // namespace

Image resize_bicubic(const Image& src, int out_w, int out_h) {
  return resample(src, out_w, out_h, {2.0, bicubic});
}

Image resize_lanczos(const Image& src, int out_w, int out_h) {
  return resample(src, out_w, out_h, {3.0, lanczos3});
}

}  // namespace janus

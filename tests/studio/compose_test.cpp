// Layout templates: where the image, logo, text and call-to-action button land for left-to-right and
// right-to-left audiences, square and wide formats (checked on the pixels of the composed creative).
#include "compose.h"

#include <gtest/gtest.h>

#include "fonts.h"

using namespace janus::studio;

namespace {

const Rgb kBg{0x10, 0x20, 0x30}, kAccent{0xff, 0x66, 0x00}, kWhite{0xff, 0xff, 0xff};

Raster gradient(int w, int h) {
  Raster r = make_raster(w, h, Rgb{0, 0, 0});
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = r.at(x, y);
      p[0] = uint8_t(40 + x * 150 / w);
      p[1] = uint8_t(200 - y * 120 / h);
      p[2] = 90;
    }
  return r;
}

Raster logo() {  // a green square with a transparent margin
  Raster r;
  r.w = r.h = 40;
  r.channels = 4;
  r.px.assign(40 * 40 * 4, 0);
  for (int y = 8; y < 32; ++y)
    for (int x = 8; x < 32; ++x) {
      uint8_t* p = r.at(x, y);
      p[1] = 220;
      p[3] = 255;
    }
  return r;
}

bool near(const uint8_t* p, Rgb c, int tol = 24) {
  return std::abs(p[0] - c.r) <= tol && std::abs(p[1] - c.g) <= tol && std::abs(p[2] - c.b) <= tol;
}

struct Ink {
  int lo = 1 << 30, hi = -1, n = 0;
};
// White text pixels inside [y0, y1).
Ink ink(const Raster& r, int y0, int y1) {
  Ink k;
  for (int y = y0; y < y1; ++y)
    for (int x = 0; x < r.w; ++x)
      if (near(r.at(x, y), kWhite, 60)) {
        k.lo = std::min(k.lo, x);
        k.hi = std::max(k.hi, x);
        ++k.n;
      }
  return k;
}

// Mean x of the accent-coloured (button) pixels.
double button_x(const Raster& r) {
  double sx = 0;
  int n = 0;
  for (int y = 0; y < r.h; ++y)
    for (int x = 0; x < r.w; ++x)
      if (near(r.at(x, y), kAccent, 10)) {
        sx += x;
        ++n;
      }
  return n ? sx / n : -1;
}

Raster make(int w, int h, bool rtl, const Copy& copy, ComposeReport* rep = nullptr) {
  static FontSet head(fallback_fonts(true)), body(fallback_fonts(false));
  static const Raster img = gradient(96, 96), lg = logo();
  Brand b;
  b.background = b.primary = kBg;
  b.accent = kAccent;
  b.text = kWhite;
  ComposeInput in;
  in.image = &img;
  in.logo = &lg;
  in.brand = &b;
  in.copy = copy;
  in.rtl = rtl;
  in.width = w;
  in.height = h;
  return compose(in, head, body, rep);
}

TEST(Compose, SquareLeftToRight) {
  const Raster r = make(400, 400, false, {"Big sale", "Everything half price this week.", "Shop now"});
  ASSERT_EQ(r.w, 400);
  ASSERT_EQ(r.h, 400);
  EXPECT_FALSE(near(r.at(200, 100), kBg)) << "the image fills the top";
  EXPECT_TRUE(near(r.at(200, 396), kBg)) << "brand background below";
  // The logo (green) sits top-left.
  EXPECT_GT(r.at(28, 28)[1], 180);
  EXPECT_LT(r.at(28, 28)[0], 60);
  const Ink text = ink(r, 240, 400);
  EXPECT_GT(text.n, 100);
  EXPECT_LE(text.lo, 26) << "left aligned at the padding";
  const double bx = button_x(r);
  EXPECT_GT(bx, 0);
  EXPECT_LT(bx, 200) << "button on the left";
}

TEST(Compose, SquareRightToLeft) {
  const Raster r = make(400, 400, true, {"تخفيضات كبيرة", "كل شيء بنصف السعر هذا الأسبوع.", "تسوق الآن"});
  const Ink text = ink(r, 240, 400);
  EXPECT_GT(text.n, 100);
  EXPECT_GE(text.hi, 400 - 26) << "right aligned at the padding";
  EXPECT_GT(text.lo, 60) << "short Arabic lines do not reach the left edge";
  EXPECT_GT(button_x(r), 200) << "button on the right";
  EXPECT_GT(r.at(400 - 28, 28)[1], 180) << "logo top-right";
}

TEST(Compose, WideImageBesideText) {
  const Raster ltr = make(400, 210, false, {"Big sale", "Half price.", "Shop"});
  EXPECT_FALSE(near(ltr.at(60, 150), kBg)) << "image on the left";
  EXPECT_TRUE(near(ltr.at(390, 5), kBg)) << "text panel on the right";
  EXPECT_GT(ink(ltr, 0, 210).lo, 210) << "text right of the image";
  const Raster rtl = make(400, 210, true, {"تخفيضات", "بنصف السعر", "تسوق"});
  EXPECT_FALSE(near(rtl.at(340, 150), kBg)) << "image on the right";
  EXPECT_LT(ink(rtl, 0, 210).hi, 400 - 210) << "text left of the image";
}

TEST(Compose, LongCopyShrinksThenTruncates) {
  ComposeReport rep;
  const std::string lorem =
      "A remarkably long headline that keeps going well past any sensible length for a square social post";
  (void)make(300, 300, false, {lorem, lorem + " " + lorem + " " + lorem, "Go"}, &rep);
  EXPECT_TRUE(rep.body_truncated);
  EXPECT_LT(rep.headline_px, 300 * 75 / 1000) << "the headline was shrunk to fit";
}

}  // namespace

#include "compose.h"

#include <algorithm>
#include <cmath>

#include "text_layout.h"

namespace janus::studio {

namespace {

struct Box {
  int x = 0, y = 0, w = 0, h = 0;
};

// Text colour that stays readable on `bg` when the brand's text colour is too close to it.
Rgb readable(Rgb want, Rgb bg) {
  auto lum = [](Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; };
  if (std::fabs(lum(want) - lum(bg)) >= 90) return want;
  return lum(bg) > 128 ? Rgb{20, 20, 20} : Rgb{250, 250, 250};
}

}  // namespace

Raster compose(const ComposeInput& in, FontSet& hf, FontSet& bf, ComposeReport* report) {
  const Brand& brand = *in.brand;
  const int W = in.width, H = in.height;
  const int unit = std::min(W, H);
  Raster canvas = make_raster(W, H, brand.background);
  const bool wide = W >= H * 13 / 10;
  Box img, text;
  if (wide) {  // image left (or right for RTL), text beside it
    const int iw = std::min(H, W * 55 / 100);
    img = {in.rtl ? W - iw : 0, 0, iw, H};
    text = {in.rtl ? 0 : iw, 0, W - iw, H};
  } else {  // image on top, text below
    const int ih = std::min(W, H * 60 / 100);
    img = {0, 0, W, ih};
    text = {0, ih, W, H - ih};
  }
  draw(canvas, cover(*in.image, img.w, img.h), img.x, img.y);
  if (!wide) fill_fade(canvas, 0, img.h - img.h / 6, W, img.h / 6, brand.background, 200);

  const int pad = std::max(8, unit * 5 / 100);
  const Box inner{text.x + pad, text.y + pad, std::max(16, text.w - 2 * pad), std::max(16, text.h - 2 * pad)};
  const Rgb ink = readable(brand.text, brand.background);
  const Direction dir = in.rtl ? Direction::Rtl : Direction::Auto;

  // The call-to-action button sits at the bottom of the text box; headline and body share the rest.
  const int cta_px = std::max(10, unit * 38 / 1000);
  TextBlock cta = layout_text(bf, cta_px, in.copy.cta, inner.w - 2 * cta_px, 1, dir);
  const int btn_h = cta.line_height + cta_px;
  const int btn_w = std::min(inner.w, int(std::ceil(cta.max_width())) + 2 * cta_px);
  const int btn_y = inner.y + inner.h - btn_h;
  const int btn_x = in.rtl ? inner.x + inner.w - btn_w : inner.x;
  const int avail = std::max(8, btn_y - inner.y - pad / 2);
  const int head_max = std::max(12, unit * 75 / 1000), body_max = std::max(10, unit * 42 / 1000);
  TextBlock head =
      fit_text(hf, std::max(10, head_max / 2), head_max, in.copy.headline, inner.w, avail * 55 / 100, 3, dir);
  const int head_px = hf.size_px();
  const int gap = pad / 3;
  TextBlock body = fit_text(bf, std::max(9, body_max * 6 / 10), body_max, in.copy.body, inner.w,
                            std::max(8, avail - head.height() - gap), 5, dir);
  const int body_px = bf.size_px();
  draw_text(canvas, hf, head_px, head, inner.x, inner.y, inner.w, Align::Start, ink);
  draw_text(canvas, bf, body_px, body, inner.x, inner.y + head.height() + gap, inner.w, Align::Start, ink);
  fill_round_rect(canvas, btn_x, btn_y, btn_w, btn_h, btn_h / 2, brand.accent);
  draw_text(canvas, bf, cta_px, cta, btn_x, btn_y + cta_px / 2, btn_w, Align::Center,
            readable(brand.text, brand.accent));

  if (in.logo) {  // top corner over the image, on a small plate so any logo reads on any image
    const int lw = std::max(16, unit * 16 / 100);
    const int lh = std::max(1, int(std::lround(double(lw) * in.logo->h / in.logo->w)));
    const Raster logo = resize_lanczos(*in.logo, lw, std::min(lh, unit / 5));
    const int m = std::max(4, unit * 3 / 100);
    const int lx = in.rtl ? W - m - logo.w : m;
    fill_round_rect(canvas, lx - m / 3, m - m / 3, logo.w + 2 * (m / 3), logo.h + 2 * (m / 3), m / 2,
                    brand.background);
    draw(canvas, logo, lx, m);
  }
  if (report) {
    report->headline_truncated = head.truncated;
    report->body_truncated = body.truncated;
    report->cta_truncated = cta.truncated;
    report->headline_px = head_px;
    report->body_px = body_px;
  }
  return canvas;
}

}  // namespace janus::studio

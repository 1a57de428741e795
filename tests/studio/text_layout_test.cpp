// Text shaping and layout: golden renderings of Latin, CJK and Arabic lines and of a paragraph
// wrapped in a box (within a pixel tolerance), plus independent checks: Arabic runs right to left
// (HarfBuzz cluster order and ink position), numbers stay left-to-right inside Arabic, CJK breaks
// between characters but never before closing punctuation, wrapped lines fit the box, truncation.
//
// Regenerate the goldens (after a deliberate rendering change) with:
//   JANUS_UPDATE_GOLDENS=1 build/test_studio --gtest_filter='TextGolden*'
#include "text_layout.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fonts.h"
#include "image_file.h"
#include "studio_error.h"

using namespace janus::studio;
namespace fs = std::filesystem;

namespace {

FontSet& fonts() {
  static FontSet f(fallback_fonts(false));
  return f;
}

Raster render(const std::string& text, int px, int w, int h, int box_w, int max_lines,
              Align align = Align::Start) {
  Raster r = make_raster(w, h, Rgb{255, 255, 255});
  const TextBlock b = layout_text(fonts(), px, text, box_w, max_lines);
  draw_text(r, fonts(), px, b, 4, 2, box_w, align, Rgb{0, 0, 0});
  return r;
}

// Mean absolute difference and share of pixels off by more than 64 levels.
void compare_to_golden(const Raster& got, const std::string& name) {
  const fs::path p = fs::path(JANUS_SOURCE_DIR) / "tests/studio/goldens" / (name + ".png");
  if (std::getenv("JANUS_UPDATE_GOLDENS")) {
    const std::vector<uint8_t> png = encode_gray_png(got);
    write_file_atomic(p.string(), std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
    GTEST_SKIP() << "wrote " << p;
  }
  const Raster want = decode_image_file(p.string());
  ASSERT_EQ(want.w, got.w);
  ASSERT_EQ(want.h, got.h);
  double sum = 0;
  size_t far = 0, ink = 0;
  for (int y = 0; y < got.h; ++y)
    for (int x = 0; x < got.w; ++x) {
      const int d = std::abs(int(got.at(x, y)[0]) - int(want.at(x, y)[0]));
      sum += d;
      far += d > 64;
      ink += want.at(x, y)[0] < 128;
    }
  const double n = double(got.w) * got.h;
  EXPECT_GT(ink, 50u) << name << ": the golden has hardly any ink";
  EXPECT_LT(sum / n, 2.0) << name;
  EXPECT_LT(double(far) / n, 0.01) << name;
}

// Leftmost and rightmost inked columns of a rendering.
std::pair<int, int> ink_columns(const Raster& r) {
  int lo = r.w, hi = -1;
  for (int y = 0; y < r.h; ++y)
    for (int x = 0; x < r.w; ++x)
      if (r.at(x, y)[0] < 128) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
  return {lo, hi};
}

TEST(TextGolden, Latin) {
  compare_to_golden(render("Launch day: 50% off, today!", 24, 400, 40, 390, 1), "latin");
}

TEST(TextGolden, Cjk) {
  compare_to_golden(render("春季新品上市，立即下单享八折", 24, 400, 40, 390, 1), "cjk");
}

TEST(TextGolden, Arabic) {
  compare_to_golden(render("عرض خاص لفترة محدودة", 24, 400, 40, 390, 1), "arabic");
}

TEST(TextGolden, WrappedParagraph) {
  compare_to_golden(render("Fresh dumplings delivered hot to your door in twenty minutes or less, every day.",
                           18, 240, 140, 228, 6),
                    "wrapped");
}

TEST(TextLayout, ArabicIsShapedRightToLeft) {
  fonts().set_size(24);
  const ShapedLine l = shape_line(fonts(), utf8_to_u32("مرحبا بالعالم"));
  EXPECT_TRUE(l.rtl);
  ASSERT_GT(l.glyphs.size(), 5u);
  // Visual order left to right = logical clusters descending: the first letter is drawn rightmost.
  for (size_t i = 1; i < l.glyphs.size(); ++i) EXPECT_LE(l.glyphs[i].cluster, l.glyphs[i - 1].cluster) << i;
  EXPECT_EQ(l.glyphs.back().cluster, 0u);
  // Arabic letters join: fewer glyphs than letters is not guaranteed, but the glyph for the first
  // letter must be the contextual (initial) form, not the isolated one used when shaped alone.
  const ShapedLine alone = shape_line(fonts(), utf8_to_u32("م"));
  EXPECT_NE(l.glyphs.back().glyph, alone.glyphs[0].glyph);
}

TEST(TextLayout, NumbersStayLeftToRightInsideArabic) {
  fonts().set_size(24);
  const ShapedLine l = shape_line(fonts(), utf8_to_u32("خصم 50"));
  ASSERT_TRUE(l.rtl);
  // "50" (clusters 4, 5) sits left of the Arabic word (clusters 0..2), and reads 5 then 0.
  float x5 = -1, x0 = -1, word_min = 1e9;
  for (const PlacedGlyph& g : l.glyphs) {
    if (g.cluster == 4) x5 = g.x;
    if (g.cluster == 5) x0 = g.x;
    if (g.cluster <= 2) word_min = std::min(word_min, g.x);
  }
  EXPECT_LT(x5, x0);
  EXPECT_LT(x0, word_min);
}

TEST(TextLayout, ArabicParagraphAlignsRightLatinLeft) {
  const auto [alo, ahi] = ink_columns(render("عرض خاص", 24, 400, 40, 390, 1));
  const auto [llo, lhi] = ink_columns(render("Offer", 24, 400, 40, 390, 1));
  EXPECT_GT(alo, 200);  // ink only in the right half
  EXPECT_GE(ahi, 380);
  EXPECT_LE(llo, 8);  // ink from the left edge
  EXPECT_LT(lhi, 200);
}

TEST(TextLayout, WrappedLinesFitTheBoxAndKeepEveryWord) {
  const std::string text = "Fresh dumplings delivered hot to your door in twenty minutes or less, every day.";
  const TextBlock b = layout_text(fonts(), 18, text, 228, 0);
  ASSERT_GE(b.lines.size(), 3u);
  std::string joined;
  for (const ShapedLine& l : b.lines) {
    EXPECT_LE(l.width, 228.0f);
    joined += (joined.empty() ? "" : " ") + u32_to_utf8(l.text);
  }
  EXPECT_EQ(joined, text);
  EXPECT_FALSE(b.truncated);
}

TEST(TextLayout, CjkBreaksBetweenCharactersNotBeforeClosingPunctuation) {
  const TextBlock b =
      layout_text(fonts(), 24, "春季新品上市，立即下单享八折。欢迎光临本店，祝您购物愉快。", 130, 0);
  ASSERT_GE(b.lines.size(), 3u);
  for (const ShapedLine& l : b.lines) {
    EXPECT_LE(l.width, 130.0f);
    ASSERT_FALSE(l.text.empty());
    EXPECT_NE(l.text.front(), U'，');
    EXPECT_NE(l.text.front(), U'。');
  }
}

TEST(TextLayout, TruncatesWithAnEllipsisAtMaxLines) {
  const TextBlock b =
      layout_text(fonts(), 18, "one two three four five six seven eight nine ten eleven twelve", 100, 2);
  ASSERT_EQ(b.lines.size(), 2u);
  EXPECT_TRUE(b.truncated);
  EXPECT_EQ(b.lines.back().text.back(), U'…');
  EXPECT_LE(b.lines.back().width, 100.0f);
}

TEST(TextLayout, FitTextShrinksUntilItFits) {
  const TextBlock b = fit_text(fonts(), 10, 60, "A headline that is rather long", 200, 90, 3);
  EXPECT_FALSE(b.truncated);
  EXPECT_LE(b.height(), 90);
  EXPECT_LT(fonts().size_px(), 60);
}

TEST(TextLayout, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(utf8_to_u32("a\xff"
                        "b"),
            std::u32string(U"a\uFFFDb"));
  EXPECT_EQ(u32_to_utf8(utf8_to_u32("héllo 春 م")), "héllo 春 م");
}

TEST(Fonts, UnknownFamilyAndUnreadableFileAreErrors) {
  EXPECT_THROW(resolve_font("No Such Font Family 123"), StudioError);
  EXPECT_NO_THROW(resolve_font("DejaVu Sans"));
  const fs::path bad = fs::path(::testing::TempDir()) / "not-a-font.ttf";
  std::ofstream(bad) << "hello";
  try {
    FontSet f({bad.string()});
    ADD_FAILURE() << "no error";
  } catch (const StudioError& e) {
    EXPECT_NE(std::string(e.what()).find("not-a-font.ttf"), std::string::npos) << e.what();
  }
}

}  // namespace

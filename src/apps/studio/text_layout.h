// Text shaping and layout: UTF-8 -> bidi runs (FriBidi, Unicode Bidirectional Algorithm) -> per-run
// font fallback and HarfBuzz shaping -> visual order; greedy line breaking at spaces and between CJK
// characters; truncation with an ellipsis; FreeType rendering with coverage blending.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fonts.h"
#include "raster.h"

namespace janus::studio {

enum class Direction { Auto, Ltr, Rtl };
enum class Align { Start, Left, Center, Right };  // Start: left for LTR paragraphs, right for RTL

struct PlacedGlyph {
  size_t face = 0;
  uint32_t glyph = 0;
  float x = 0, y = 0;  // pen position from the line's left edge / baseline offset (pixels, y up)
  float advance = 0;
  uint32_t cluster = 0;  // index of the first code point it renders, in the shaped text
};

struct ShapedLine {
  std::u32string text;
  std::vector<PlacedGlyph> glyphs;  // in visual order, left to right
  float width = 0;
  bool rtl = false;  // the paragraph direction
};

struct TextBlock {
  std::vector<ShapedLine> lines;
  int line_height = 0, ascent = 0;
  bool truncated = false;  // text was cut (ellipsis added) to respect max_lines
  int height() const { return int(lines.size()) * line_height; }
  float max_width() const;
};

std::u32string utf8_to_u32(const std::string& s);  // invalid bytes become U+FFFD
std::string u32_to_utf8(const std::u32string& s);

// Shapes one line at the font set's current size.
ShapedLine shape_line(FontSet& fonts, const std::u32string& text, Direction base = Direction::Auto);
// Lays out text at px pixels per em within max_width, at most max_lines lines (the last one ends in
// "…" when text remains). '\n' starts a new paragraph.
TextBlock layout_text(FontSet& fonts, int px, const std::string& utf8, int max_width, int max_lines,
                      Direction base = Direction::Auto);
// Largest size in [min_px, max_px] whose layout needs no truncation and fits max_height; min_px
// (truncated) when none does.
TextBlock fit_text(FontSet& fonts, int min_px, int max_px, const std::string& utf8, int max_width,
                   int max_height, int max_lines, Direction base = Direction::Auto);
// Draws the block with its top edge at y inside [x, x + box_w), aligned per line.
void draw_text(Raster& r, FontSet& fonts, int px, const TextBlock& b, int x, int y, int box_w, Align align,
               Rgb colour);

}  // namespace janus::studio

#include "text_layout.h"

#include <fribidi.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb.h>

#include <algorithm>
#include <cmath>

#include "studio_error.h"

namespace janus::studio {

std::u32string utf8_to_u32(const std::string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = n > 0 && i + size_t(n) <= s.size();
    for (int k = 1; ok && k < n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + size_t(k)]);
      ok = (d >> 6) == 2;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out += U'\uFFFD';
      ++i;
      continue;
    }
    out += cp;
    i += size_t(n);
  }
  return out;
}

std::string u32_to_utf8(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) {
    if (c < 0x80) {
      out += char(c);
    } else if (c < 0x800) {
      out += char(0xC0 | (c >> 6));
      out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += char(0xE0 | (c >> 12));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    } else {
      out += char(0xF0 | (c >> 18));
      out += char(0x80 | ((c >> 12) & 0x3F));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    }
  }
  return out;
}

float TextBlock::max_width() const {
  float w = 0;
  for (const ShapedLine& l : lines) w = std::max(w, l.width);
  return w;
}

namespace {

struct Run {
  size_t start = 0, len = 0;
  int level = 0;
  size_t face = 0;
  hb_script_t script = HB_SCRIPT_COMMON;
};

bool neutral_script(hb_script_t s) {
  return s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED || s == HB_SCRIPT_UNKNOWN;
}

bool is_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == 0x3000 || c == 0xA0;
}

bool is_cjk(char32_t c) {
  return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF) ||
         (c >= 0x20000 && c <= 0x2FFFF);
}

// Characters that must not start a line (closing punctuation, small kana marks) or end one.
bool no_break_before(char32_t c) {
  static const std::u32string s = U"、。，．！？）」』】〉》〕…ー・：；,.!?)]}%";
  return s.find(c) != std::u32string::npos;
}
bool no_break_after(char32_t c) {
  static const std::u32string s = U"（「『【〈《〔([{";
  return s.find(c) != std::u32string::npos;
}

// A line may break before position i (0 < i < n).
bool break_before(const std::u32string& t, size_t i) {
  const char32_t a = t[i - 1], b = t[i];
  if (no_break_before(b) || no_break_after(a)) return false;
  if (is_space(a) && !is_space(b)) return true;
  return (is_cjk(a) || is_cjk(b)) && !is_space(b);
}

std::u32string trimmed(const std::u32string& t, size_t a, size_t b) {
  while (a < b && is_space(t[a])) ++a;
  while (b > a && is_space(t[b - 1])) --b;
  return t.substr(a, b - a);
}

}  // namespace

ShapedLine shape_line(FontSet& fonts, const std::u32string& text, Direction base) {
  ShapedLine line;
  line.text = text;
  const FriBidiStrIndex n = FriBidiStrIndex(text.size());
  if (n == 0) return line;
  std::vector<FriBidiChar> chars(text.begin(), text.end());
  std::vector<FriBidiCharType> types(static_cast<size_t>(n));
  std::vector<FriBidiBracketType> brackets(static_cast<size_t>(n));
  std::vector<FriBidiLevel> levels(static_cast<size_t>(n));
  fribidi_get_bidi_types(chars.data(), n, types.data());
  fribidi_get_bracket_types(chars.data(), n, types.data(), brackets.data());
  FriBidiParType par = base == Direction::Rtl   ? FRIBIDI_PAR_RTL
                       : base == Direction::Ltr ? FRIBIDI_PAR_LTR
                                                : FRIBIDI_PAR_ON;
  if (!fribidi_get_par_embedding_levels_ex(types.data(), brackets.data(), n, &par, levels.data()))
    throw StudioError("bidi analysis failed");
  line.rtl = FRIBIDI_IS_RTL(par);
  // Rule L1: trailing whitespace takes the paragraph level.
  for (FriBidiStrIndex i = n; i > 0 && is_space(text[size_t(i - 1)]); --i)
    levels[size_t(i - 1)] = line.rtl ? 1 : 0;

  // Scripts, with neutrals (spaces, digits, punctuation) taking their neighbour's.
  hb_unicode_funcs_t* uf = hb_unicode_funcs_get_default();
  std::vector<hb_script_t> scripts(text.size());
  for (size_t i = 0; i < text.size(); ++i) scripts[i] = hb_unicode_script(uf, text[i]);
  hb_script_t last = HB_SCRIPT_COMMON;
  for (size_t i = 0; i < text.size(); ++i) {
    if (neutral_script(scripts[i]))
      scripts[i] = last;
    else
      last = scripts[i];
  }
  last = HB_SCRIPT_LATIN;
  for (size_t i = text.size(); i-- > 0;) {
    if (neutral_script(scripts[i]))
      scripts[i] = last;
    else
      last = scripts[i];
  }
  // Faces: a neutral keeps the previous character's face when that face has it (no switch on spaces).
  std::vector<size_t> faces(text.size());
  size_t prev = SIZE_MAX;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool neutral = neutral_script(hb_unicode_script(uf, text[i]));
    faces[i] = fonts.face_for(text[i], neutral ? prev : SIZE_MAX);
    prev = faces[i];
  }
  std::vector<Run> runs;
  for (size_t i = 0; i < text.size(); ++i) {
    if (runs.empty() || runs.back().level != levels[i] || runs.back().face != faces[i] ||
        runs.back().script != scripts[i])
      runs.push_back(Run{i, 0, levels[i], faces[i], scripts[i]});
    ++runs.back().len;
  }
  // Rule L2: from the highest level down to the lowest odd one, reverse every maximal sequence of
  // runs at that level or above.
  int hi = 0, lo_odd = 255;
  for (const Run& r : runs) {
    hi = std::max(hi, r.level);
    if (r.level % 2) lo_odd = std::min(lo_odd, r.level);
  }
  for (int lev = hi; lev >= lo_odd && lev > 0; --lev) {
    for (size_t i = 0; i < runs.size();) {
      if (runs[i].level < lev) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < runs.size() && runs[j].level >= lev) ++j;
      std::reverse(runs.begin() + long(i), runs.begin() + long(j));
      i = j;
    }
  }
  hb_buffer_t* buf = hb_buffer_create();
  float pen = 0;
  for (const Run& r : runs) {
    hb_buffer_clear_contents(buf);
    hb_buffer_add_utf32(buf, reinterpret_cast<const uint32_t*>(text.data()), int(text.size()),
                        unsigned(r.start), int(r.len));
    hb_buffer_set_direction(buf, r.level % 2 ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
    hb_buffer_set_script(buf, r.script);
    hb_buffer_set_language(buf, hb_language_get_default());
    hb_shape(fonts.hb(r.face), buf, nullptr, 0);
    unsigned count = 0;
    const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf, &count);
    const hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf, &count);
    for (unsigned k = 0; k < count; ++k) {  // RTL runs come out in visual order already
      PlacedGlyph g;
      g.face = r.face;
      g.glyph = info[k].codepoint;
      g.cluster = info[k].cluster;
      g.x = pen + float(pos[k].x_offset) / 64.0f;
      g.y = float(pos[k].y_offset) / 64.0f;
      g.advance = float(pos[k].x_advance) / 64.0f;
      pen += g.advance;
      line.glyphs.push_back(g);
    }
  }
  hb_buffer_destroy(buf);
  line.width = pen;
  return line;
}

TextBlock layout_text(FontSet& fonts, int px, const std::string& utf8, int max_width, int max_lines,
                      Direction base) {
  fonts.set_size(px);
  TextBlock b;
  b.ascent = std::max(fonts.ascent(), int(std::ceil(px * 0.95)));
  b.line_height = int(std::lround(px * 1.3));
  const std::u32string all = utf8_to_u32(utf8);
  // Paragraph direction is decided once for the whole text, so every line aligns the same way.
  Direction dir = base;
  if (dir == Direction::Auto)
    dir = shape_line(fonts, all.substr(0, std::min<size_t>(all.size(), 200)), Direction::Auto).rtl
              ? Direction::Rtl
              : Direction::Ltr;
  auto width_of = [&](const std::u32string& t, size_t a, size_t e) {
    return shape_line(fonts, trimmed(t, a, e), dir).width;
  };
  std::vector<std::u32string> lines;
  size_t p0 = 0;
  while (p0 <= all.size()) {
    size_t p1 = all.find(U'\n', p0);
    if (p1 == std::u32string::npos) p1 = all.size();
    const std::u32string para = all.substr(p0, p1 - p0);
    size_t s = 0;
    while (s < para.size() && is_space(para[s])) ++s;
    if (s == para.size()) lines.emplace_back();
    while (s < para.size()) {
      size_t last_ok = s;
      size_t e = s + 1;
      for (; e <= para.size(); ++e) {
        if (e < para.size() && !break_before(para, e)) continue;
        if (width_of(para, s, e) <= float(max_width))
          last_ok = e;
        else
          break;
      }
      if (last_ok == s) {  // one unit wider than the box: break between characters
        last_ok = s + 1;
        while (last_ok < para.size() && width_of(para, s, last_ok + 1) <= float(max_width)) ++last_ok;
      }
      lines.push_back(trimmed(para, s, last_ok));
      s = last_ok;
      while (s < para.size() && is_space(para[s])) ++s;
    }
    p0 = p1 + 1;
  }
  if (max_lines > 0 && int(lines.size()) > max_lines) {
    lines.resize(size_t(max_lines));
    b.truncated = true;
    std::u32string& l = lines.back();
    // Drop characters (then a dangling space) until the line plus "…" fits.
    while (!l.empty() && shape_line(fonts, l + U"…", dir).width > float(max_width)) l.pop_back();
    while (!l.empty() && is_space(l.back())) l.pop_back();
    l += U"…";
  }
  for (const std::u32string& l : lines) b.lines.push_back(shape_line(fonts, l, dir));
  for (ShapedLine& l : b.lines) l.rtl = dir == Direction::Rtl;
  return b;
}

TextBlock fit_text(FontSet& fonts, int min_px, int max_px, const std::string& utf8, int max_width,
                   int max_height, int max_lines, Direction base) {
  for (int px = max_px; px > min_px; px = std::max(min_px, int(px * 0.9))) {
    TextBlock b = layout_text(fonts, px, utf8, max_width, max_lines, base);
    if (!b.truncated && b.height() <= max_height) return b;
  }
  const int lines_fit = std::max(1, max_height / std::max(1, int(std::lround(min_px * 1.3))));
  return layout_text(fonts, min_px, utf8, max_width, std::min(max_lines, lines_fit), base);
}

void draw_text(Raster& r, FontSet& fonts, int px, const TextBlock& b, int x, int y, int box_w, Align align,
               Rgb colour) {
  fonts.set_size(px);
  for (size_t li = 0; li < b.lines.size(); ++li) {
    const ShapedLine& l = b.lines[li];
    Align a = align;
    if (a == Align::Start) a = l.rtl ? Align::Right : Align::Left;
    const float left = a == Align::Left    ? float(x)
                       : a == Align::Right ? float(x + box_w) - l.width
                                           : float(x) + (float(box_w) - l.width) / 2;
    const int baseline = y + int(li) * b.line_height + b.ascent;
    for (const PlacedGlyph& g : l.glyphs) {
      FT_Face face = fonts.face(g.face);
      if (FT_Load_Glyph(face, g.glyph, FT_LOAD_DEFAULT) ||
          FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL))
        continue;
      const FT_Bitmap& bm = face->glyph->bitmap;
      const int gx = int(std::lround(left + g.x)) + face->glyph->bitmap_left;
      const int gy = baseline - int(std::lround(g.y)) - face->glyph->bitmap_top;
      for (unsigned row = 0; row < bm.rows; ++row) {
        for (unsigned col = 0; col < bm.width; ++col) {
          int cov = 0;
          if (bm.pixel_mode == FT_PIXEL_MODE_GRAY)
            cov = bm.buffer[long(row) * bm.pitch + long(col)];
          else if (bm.pixel_mode == FT_PIXEL_MODE_MONO)
            cov = (bm.buffer[long(row) * bm.pitch + long(col / 8)] >> (7 - col % 8)) & 1 ? 255 : 0;
          blend(r, gx + int(col), gy + int(row), colour, cov);
        }
      }
    }
  }
}

}  // namespace janus::studio

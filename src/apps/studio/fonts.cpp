#include "fonts.h"

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ft.h>
#include <hb.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <mutex>

#include "studio_error.h"

namespace janus::studio {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, const std::string& t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// fontconfig's global state is not thread-safe to initialise; the studio resolves on one thread,
// the lock only guards against future use from several.
std::mutex g_fc_mu;

}  // namespace

bool looks_like_font_file(const std::string& s) {
  const std::string l = lower(s);
  return s.find('/') != std::string::npos || ends_with(l, ".ttf") || ends_with(l, ".otf") ||
         ends_with(l, ".ttc") || ends_with(l, ".pfb");
}

std::string resolve_font(const std::string& family) {
  std::lock_guard<std::mutex> lock(g_fc_mu);
  if (!FcInit()) throw StudioError("fontconfig could not be initialised");
  FcPattern* pat = FcNameParse(reinterpret_cast<const FcChar8*>(family.c_str()));
  if (!pat) throw StudioError("\"" + family + "\" is not a font name");
  FcConfigSubstitute(nullptr, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcResult res = FcResultNoMatch;
  FcPattern* match = FcFontMatch(nullptr, pat, &res);
  FcPatternDestroy(pat);
  std::string want = lower(family.substr(0, family.find(':')));
  while (!want.empty() && want.back() == ' ') want.pop_back();
  std::string file;
  bool same_family = false;
  int index = 0;
  if (match) {
    FcChar8* f = nullptr;
    if (FcPatternGetString(match, FC_FILE, 0, &f) == FcResultMatch) file = reinterpret_cast<const char*>(f);
    FcPatternGetInteger(match, FC_INDEX, 0, &index);
    for (int i = 0; FcPatternGetString(match, FC_FAMILY, i, &f) == FcResultMatch; ++i)
      if (lower(reinterpret_cast<const char*>(f)) == want) same_family = true;
    FcPatternDestroy(match);
  }
  if (file.empty() || !same_family)
    throw StudioError("no installed font has the family \"" + want + "\" (fc-list lists the installed ones)");
  return index ? file + "#" + std::to_string(index) : file;
}

std::vector<std::string> fallback_fonts(bool bold) {
  // Fixed Debian paths first (deterministic layouts and goldens), fontconfig names otherwise.
  const std::vector<std::pair<std::string, std::string>> wanted = {
      {bold ? "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
            : "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
       bold ? "DejaVu Sans:bold" : "DejaVu Sans"},
      {bold ? "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc#2"
            : "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2",
       bold ? "Noto Sans CJK SC:bold" : "Noto Sans CJK SC"},
      {bold ? "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf"
            : "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
       bold ? "Noto Sans Arabic:bold" : "Noto Sans Arabic"}};
  std::vector<std::string> out;
  for (const auto& [path, family] : wanted) {
    if (std::ifstream(path.substr(0, path.find('#'))).good()) {
      out.push_back(path);
      continue;
    }
    try {
      out.push_back(resolve_font(family));
    } catch (const StudioError&) {
      // Not installed: that script falls back to whatever face has the glyphs.
    }
  }
  return out;
}

FontSet::FontSet(const std::vector<std::string>& fonts) {
  if (FT_Init_FreeType(&lib_)) throw StudioError("FreeType could not be initialised");
  for (const std::string& spec : fonts) {
    if (spec.empty()) continue;
    std::string file =
        looks_like_font_file(spec) || spec.find('#') != std::string::npos ? spec : resolve_font(spec);
    long index = 0;
    if (const size_t h = file.rfind('#'); h != std::string::npos) {
      index = std::atol(file.c_str() + h + 1);
      file = file.substr(0, h);
    }
    if (std::find(files_.begin(), files_.end(), file + "#" + std::to_string(index)) != files_.end()) continue;
    FT_Face face = nullptr;
    if (FT_New_Face(lib_, file.c_str(), index, &face)) {
      release();
      throw StudioError(file + ": cannot read the font (missing, or not a TrueType/OpenType file)");
    }
    faces_.push_back(face);
    hb_.push_back(hb_ft_font_create_referenced(face));
    files_.push_back(file + "#" + std::to_string(index));
  }
  if (faces_.empty()) {
    release();
    throw StudioError("no usable font (install fonts-dejavu-core)");
  }
  set_size(32);
}

FontSet::~FontSet() {
  release();
}

void FontSet::release() {
  for (hb_font_t* f : hb_) hb_font_destroy(f);
  for (FT_Face f : faces_) FT_Done_Face(f);
  hb_.clear();
  faces_.clear();
  if (lib_) FT_Done_FreeType(lib_);
  lib_ = nullptr;
}

void FontSet::set_size(int px) {
  if (px == px_) return;
  px_ = px;
  for (size_t i = 0; i < faces_.size(); ++i) {
    FT_Set_Pixel_Sizes(faces_[i], 0, FT_UInt(px));
    hb_ft_font_changed(hb_[i]);
  }
}

size_t FontSet::face_for(char32_t cp, size_t prefer) const {
  if (prefer < faces_.size() && FT_Get_Char_Index(faces_[prefer], FT_ULong(cp))) return prefer;
  for (size_t i = 0; i < faces_.size(); ++i)
    if (FT_Get_Char_Index(faces_[i], FT_ULong(cp))) return i;
  return 0;
}

int FontSet::ascent() const {
  return int(std::ceil(double(faces_[0]->size->metrics.ascender) / 64.0));
}

}  // namespace janus::studio

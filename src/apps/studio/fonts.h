// Fonts for creatives: brand fonts given as files or family names (resolved with fontconfig), plus a
// fallback chain (DejaVu Sans, Noto Sans CJK, Noto Sans Arabic) so Latin, CJK and Arabic all render.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

typedef struct FT_LibraryRec_* FT_Library;
typedef struct FT_FaceRec_* FT_Face;
typedef struct hb_font_t hb_font_t;

namespace janus::studio {

// A .ttf/.otf/.ttc/.pfb name or anything with a '/' is a file; the rest are family names
// ("DejaVu Sans", "Noto Sans:bold").
bool looks_like_font_file(const std::string& s);
// Family name (fontconfig pattern) -> "file" or "file#index"; StudioError when no installed font has
// that family (fontconfig would silently substitute another).
std::string resolve_font(const std::string& family);
// The fallback files found on this system, in order (bold = the bold faces where installed).
std::vector<std::string> fallback_fonts(bool bold);

class FontSet {
 public:
  // Each entry: a file, "file#index", or a family name. StudioError naming the font when unreadable.
  explicit FontSet(const std::vector<std::string>& fonts);
  ~FontSet();
  FontSet(const FontSet&) = delete;
  FontSet& operator=(const FontSet&) = delete;

  size_t size() const { return faces_.size(); }
  FT_Face face(size_t i) const { return faces_[i]; }
  hb_font_t* hb(size_t i) const { return hb_[i]; }
  const std::string& file(size_t i) const { return files_[i]; }
  // Sets every face to `px` pixels per em.
  void set_size(int px);
  int size_px() const { return px_; }
  // The first face with a glyph for cp, or `prefer` when it has one; 0 when none has it.
  size_t face_for(char32_t cp, size_t prefer = SIZE_MAX) const;
  // Ascender of the primary face at the current size, in pixels.
  int ascent() const;

 private:
  void release();  // frees the faces and the library (destructor, failed construction)
  FT_Library lib_ = nullptr;
  std::vector<FT_Face> faces_;
  std::vector<hb_font_t*> hb_;
  std::vector<std::string> files_;
  int px_ = 0;
};

}  // namespace janus::studio

#include "campaign.h"

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fonts.h"
#include "image_file.h"
#include "studio_error.h"
#include "yaml_fields.h"

namespace janus::studio {

namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_at(path, 0, 0, "", "cannot read the campaign file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// JSON is checked by a JSON parser first (its errors are the clearest), then read through yaml-cpp
// (JSON is YAML's flow style), which keeps the line of every value for the field errors.
YAML::Node parse(const std::string& path, std::string text) {
  if (ends_with(path, ".json")) {
    try {
      const nlohmann::json checked = nlohmann::json::parse(text);
      (void)checked;
    } catch (const nlohmann::json::parse_error& e) {
      const size_t upto = std::min(text.size(), size_t(e.byte));
      int line = 1, col = 1;
      for (size_t i = 0; i + 1 < upto; ++i) {
        if (text[i] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
      }
      std::string msg = e.what();
      if (const size_t p = msg.find("syntax error"); p != std::string::npos) msg = msg.substr(p);
      fail_at(path, line, col, "", "invalid JSON: " + msg);
    }
    for (char& ch : text)
      if (ch == '\t') ch = ' ';  // legal JSON whitespace, not YAML indentation; raw tabs cannot be in strings
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    fail_at(path, e.mark.line + 1, e.mark.column + 1, "", "invalid YAML: " + e.msg);
  }
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Rgb colour(Fields& f, const std::string& key, Rgb def, std::vector<Rgb>* palette) {
  if (!f.has(key)) return def;
  const std::string s = f.str(key, "");
  Rgb c;
  bool ok = (s.size() == 7 || s.size() == 4) && s[0] == '#';
  for (size_t i = 1; ok && i < s.size(); ++i) ok = hex(s[i]) >= 0;
  if (!ok) f.fail(key, "\"" + s + "\" is not a colour (#RRGGBB or #RGB)");
  if (s.size() == 7) {
    c = {uint8_t(hex(s[1]) * 16 + hex(s[2])), uint8_t(hex(s[3]) * 16 + hex(s[4])),
         uint8_t(hex(s[5]) * 16 + hex(s[6]))};
  } else {
    c = {uint8_t(hex(s[1]) * 17), uint8_t(hex(s[2]) * 17), uint8_t(hex(s[3]) * 17)};
  }
  if (palette) palette->push_back(c);
  return c;
}

// A path relative to the campaign folder that must be a readable file.
std::string existing_file(Fields& f, const std::string& key, const std::string& folder) {
  const std::string v = f.str(key, "");
  if (v.empty()) return "";
  const fs::path p = fs::path(v).is_absolute() ? fs::path(v) : fs::path(folder) / v;
  std::ifstream in(p, std::ios::binary);
  if (!in) f.fail(key, "cannot read file " + p.string());
  return p.lexically_normal().string();
}

std::string image_file(Fields& f, const std::string& key, const std::string& folder) {
  const std::string p = existing_file(f, key, folder);
  if (p.empty()) return p;
  try {
    (void)decode_image_file(p);
  } catch (const StudioError& e) {
    f.fail(key, e.what());
  }
  return p;
}

std::string font(Fields& f, const std::string& key, const std::string& folder, const std::string& def) {
  if (!f.has(key)) return def;
  const std::string v = f.str(key, "", true);
  if (looks_like_font_file(v)) return existing_file(f, key, folder);
  try {
    (void)resolve_font(v);
  } catch (const StudioError& e) {
    f.fail(key, e.what());
  }
  return v;
}

std::string id_from(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c))
      out += char(std::tolower(c));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string checked_id(Fields& f, const std::string& fallback_from) {
  std::string id = f.str("id", "");
  if (id.empty()) id = id_from(fallback_from);
  if (id.empty()) f.fail("id", "missing, and none can be made from the name");
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '-' && c != '_')
      f.fail("id", "\"" + id + "\" may hold only letters, digits, - and _");
  return id;
}

template <class T, class F>
std::vector<T> list_of(const std::string& file, Fields& top, const std::string& key, bool required,
                       F&& read) {
  std::vector<T> out;
  if (!top.has(key)) {
    if (required) top.fail(key, "missing (required)");
    return out;
  }
  const YAML::Node n = top.node(key);
  if (!n.IsSequence()) top.fail(key, "expected a list");
  if (required && n.size() == 0) top.fail(key, "must not be empty");
  for (size_t i = 0; i < n.size(); ++i)
    out.push_back(read(n[i], top.path_of(key) + "[" + std::to_string(i) + "]"));
  return out;
}

void read_brand(const std::string& file, Fields& top, Campaign& c) {
  if (!top.has("brand")) top.fail("brand", "missing (required)");
  Fields b(file, top.node("brand"), "brand");
  Brand& br = c.brand;
  br.name = b.str("name", "", true);
  if (b.has("colors") || b.has("colours")) {
    const std::string key = b.has("colors") ? "colors" : "colours";
    Fields col(file, b.node(key), "brand." + key);
    br.primary = colour(col, "primary", br.primary, &br.palette);
    br.accent = colour(col, "accent", br.accent, &br.palette);
    br.background = colour(col, "background", br.primary, &br.palette);
    br.text = colour(col, "text", br.text, nullptr);
    col.finish();
  }
  if (br.palette.empty()) br.palette = {br.primary, br.accent};
  if (b.has("fonts")) {
    const YAML::Node fn = b.node("fonts");
    if (fn.IsScalar()) {
      br.headline_font = br.body_font = font(b, "fonts", c.folder, "");
    } else {
      Fields ff(file, fn, "brand.fonts");
      br.body_font = font(ff, "body", c.folder, "");
      br.headline_font = font(ff, "headline", c.folder, br.body_font);
      ff.finish();
    }
  }
  br.logo = image_file(b, "logo", c.folder);
  b.finish();
}

}  // namespace

std::optional<Format> preset_format(const std::string& name) {
  if (name == "square") return Format{name, 1080, 1080};
  if (name == "story") return Format{name, 1080, 1920};
  if (name == "landscape") return Format{name, 1200, 628};
  return std::nullopt;
}

Campaign load_campaign(const std::string& path) {
  Campaign c;
  c.file = path;
  c.folder = fs::absolute(path).parent_path().string();
  const std::string& file = path;
  const YAML::Node root = parse(path, read_text(path));
  if (!root.IsDefined() || root.IsNull()) fail_at(file, 1, 1, "", "the campaign is empty");
  Fields top(file, root, "");
  c.name = top.str("name", id_from(fs::path(path).stem().string()));
  c.tone = top.str("tone", c.tone);
  c.seed = uint64_t(top.integer("seed", 0, 0, INT64_MAX));
  c.candidates = int(top.integer("candidates", 2, 1, 16));
  read_brand(file, top, c);

  c.items = list_of<Item>(file, top, "items", true, [&](const YAML::Node& n, const std::string& p) {
    Fields f(file, n, p);
    Item it;
    it.name = f.str("name", "", true);
    it.id = checked_id(f, it.name);
    it.description = f.str("description", "");
    it.facts = f.strings("facts");
    it.image = image_file(f, "image", c.folder);
    it.cta = f.str("cta", "");
    f.finish();
    return it;
  });
  c.audiences =
      list_of<Audience>(file, top, "audiences", false, [&](const YAML::Node& n, const std::string& p) {
        Fields f(file, n, p);
        Audience a;
        a.locale = f.str("locale", "");
        a.language = f.str("language", a.language, false);
        if (a.language.empty()) f.fail("language", "must not be empty");
        a.id = checked_id(f, a.locale.empty() ? a.language : a.locale);
        a.preferences = f.strings("preferences");
        f.finish();
        return a;
      });
  if (c.audiences.empty()) c.audiences.push_back(Audience{"all", "en", "English", {}});
  c.formats = list_of<Format>(file, top, "formats", true, [&](const YAML::Node& n, const std::string& p) {
    if (n.IsScalar()) {
      auto pf = preset_format(n.Scalar());
      if (!pf)
        fail_node(
            file, n, p,
            "unknown preset \"" + n.Scalar() + "\" (square, story, landscape, or {name, width, height})");
      return *pf;
    }
    Fields f(file, n, p);
    Format fm;
    fm.name = f.str("name", "", true);
    for (unsigned char ch : fm.name)
      if (!std::isalnum(ch) && ch != '-' && ch != '_')
        f.fail("name", "may hold only letters, digits, - and _");
    fm.width = int(f.integer("width", 0, 128, 4096));
    fm.height = int(f.integer("height", 0, 128, 4096));
    if (!fm.width) f.fail("width", "missing (required, 128..4096)");
    if (!fm.height) f.fail("height", "missing (required, 128..4096)");
    f.finish();
    return fm;
  });
  auto unique = [&](auto& v, const std::string& key, auto id) {
    for (size_t i = 0; i < v.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (id(v[i]) == id(v[j]))
          top.fail(key, "two entries have the id \"" + id(v[i]) + "\" (entries " + std::to_string(j) +
                            " and " + std::to_string(i) + ")");
  };
  unique(c.items, "items", [](const Item& x) { return x.id; });
  unique(c.audiences, "audiences", [](const Audience& x) { return x.id; });
  unique(c.formats, "formats", [](const Format& x) { return x.name; });

  if (top.has("prompts")) {
    Fields f(file, top.node("prompts"), "prompts");
    for (auto [key, dst] : {std::pair{"image", &c.templates.image},
                            {"score", &c.templates.score},
                            {"headline", &c.templates.headline},
                            {"body", &c.templates.body},
                            {"cta", &c.templates.cta}}) {
      *dst = f.str(key, *dst);
      if (dst->empty()) f.fail(key, "must not be empty");
      c.template_lines[key] = f.line_of(key);
    }
    f.finish();
  } else {
    for (const char* k : {"image", "score", "headline", "body", "cta"})
      c.template_lines[k] = top.line_of("prompts");
  }
  if (top.has("copy")) {
    Fields f(file, top.node("copy"), "copy");
    c.limits.headline_chars = int(f.integer("headline_max_chars", c.limits.headline_chars, 8, 200));
    c.limits.body_chars = int(f.integer("body_max_chars", c.limits.body_chars, 16, 600));
    c.limits.cta_chars = int(f.integer("cta_max_chars", c.limits.cta_chars, 4, 60));
    f.finish();
  }
  if (top.has("personalization") || top.has("personalisation")) {
    const std::string key = top.has("personalization") ? "personalization" : "personalisation";
    Fields f(file, top.node(key), key);
    c.personalization.csv = existing_file(f, "csv", c.folder);
    if (c.personalization.csv.empty()) f.fail("csv", "missing (required)");
    c.personalization.csv_line = f.line_of("csv");
    c.personalization.id_column = f.str("id_column", "id");
    c.personalization.item_column = f.str("item_column", "");
    c.personalization.audience_column = f.str("audience_column", "");
    f.finish();
  }
  if (top.has("generation")) {
    Fields f(file, top.node("generation"), "generation");
    c.generation.cfg = float(f.number("cfg", -1, -1, 50));
    c.generation.temperature = float(f.number("temperature", 1, 0, 10));
    c.generation.upscale = int(f.integer("upscale", 0, 0, 1024));
    if (c.generation.upscale != 0 && c.generation.upscale != 768 && c.generation.upscale != 1024)
      f.fail("upscale", "must be 0, 768 or 1024");
    c.generation.brand_colour_weight = float(f.number("brand_colour_weight", 0.05, 0, 1));
    f.finish();
  }
  if (top.has("outputs")) {
    Fields f(file, top.node("outputs"), "outputs");
    if (f.has("image_formats")) {
      c.outputs.image_formats = f.strings("image_formats");
      if (c.outputs.image_formats.empty()) f.fail("image_formats", "must not be empty");
      for (const std::string& e : c.outputs.image_formats)
        if (e != "png" && e != "jpg" && e != "webp")
          f.fail("image_formats", "\"" + e + "\" is not png, jpg or webp");
    }
    f.finish();
  }
  top.finish();
  return c;
}

}  // namespace janus::studio

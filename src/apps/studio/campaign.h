// A campaign sheet: brand, items, audiences, formats, prompt templates and options, as read from
// YAML (or the equivalent JSON) by load_campaign(), validated field by field.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace janus::studio {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

struct Brand {
  std::string name;
  Rgb primary{0x1b, 0x1f, 0x3b}, accent{0xff, 0x5a, 0x36}, text{0xff, 0xff, 0xff},
      background{0x1b, 0x1f, 0x3b};
  std::vector<Rgb> palette;   // every brand colour, for the colour-affinity check
  std::string headline_font;  // a font file (resolved against the campaign folder) or a family name
  std::string body_font;
  std::string logo;  // image file, absolute after loading ("" = none)
};

struct Item {
  std::string id, name, description;
  std::vector<std::string> facts;
  std::string image;  // optional reference image (absolute) described by the model
  std::string cta;    // optional call-to-action hint
};

struct Audience {
  std::string id, locale, language = "English";
  std::vector<std::string> preferences;
};

struct Format {
  std::string name;
  int width = 0, height = 0;
};

struct Templates {
  std::string image =
      "{item.name}: {item.description}. Advertising key visual, {tone}, for {audience.preferences}. "
      "{item.reference}";
  std::string score = "{prompt}";  // what the alignment question asks about ("Does this image show ...?")
  std::string headline =
      "Write one short advertising headline in {audience.language} for {item.name} ({item.description}). "
      "Key facts: {item.facts}. Tone: {tone}. Reply with the headline only.";
  std::string body =
      "Write one or two advertising sentences in {audience.language} about {item.name} for people who like "
      "{audience.preferences}. Key facts: {item.facts}. Tone: {tone}. Reply with the sentences only.";
  std::string cta =
      "Write a call to action of two to four words in {audience.language} for {item.name} (for example: "
      "{item.cta}). Reply with the words only.";
};

struct CopyLimits {
  int headline_chars = 40, body_chars = 140, cta_chars = 24;
};

struct Personalization {
  std::string csv;  // absolute; "" = no personalisation
  std::string id_column = "id";
  std::string item_column;      // optional: the row picks an item by id; else every item
  std::string audience_column;  // optional: the row picks an audience by id; else the first audience
  int csv_line = 0;             // where `csv` was given (for errors)
};

struct Generation {
  float cfg = -1;                     // < 0: the model's default
  float temperature = 1;              // the official default
  int upscale = 0;                    // 0, 768 or 1024 (the API's Lanczos); the composer resamples anyway
  float brand_colour_weight = 0.05f;  // score = P(yes) + weight * brand colour affinity
};

struct Outputs {
  std::vector<std::string> image_formats{"png"};  // png, jpg, webp (every candidate is kept as PNG)
};

struct Campaign {
  std::string file;    // the campaign file as given
  std::string folder;  // its folder: relative paths resolve against it
  std::string name;
  std::string tone = "friendly";
  uint64_t seed = 0;
  int candidates = 2;
  Brand brand;
  std::vector<Item> items;
  std::vector<Audience> audiences;
  std::vector<Format> formats;
  Templates templates;
  std::map<std::string, int> template_lines;  // template name -> line (for errors about variables)
  CopyLimits limits;
  Personalization personalization;
  Generation generation;
  Outputs outputs;
};

// Reads and validates a campaign (.yaml/.yml, or .json). StudioError naming file:line:col and the
// field (e.g. "items[1].facts[0]") for syntax errors, missing or unknown fields, wrong types, bad
// colours, sizes or values, and files (logo, fonts, reference images, CSV) that cannot be read.
Campaign load_campaign(const std::string& path);

// The preset formats: square 1080x1080, story 1080x1920, landscape 1200x628.
std::optional<Format> preset_format(const std::string& name);

}  // namespace janus::studio

// Layout templates: the chosen image, headline, body, call-to-action button and logo on the brand's
// colours. Wide formats put the image left and the text right; square and tall ones stack them.
#pragma once

#include <optional>
#include <string>

#include "campaign.h"
#include "fonts.h"
#include "raster.h"

namespace janus::studio {

struct Copy {
  std::string headline, body, cta;
};

struct ComposeInput {
  const Raster* image = nullptr;  // the chosen candidate (RGB or RGBA)
  const Raster* logo = nullptr;   // optional (RGBA)
  const Brand* brand = nullptr;
  Copy copy;
  bool rtl = false;  // right-to-left audience: text aligned right, logo top-right
  int width = 0, height = 0;
};

struct ComposeReport {
  bool headline_truncated = false, body_truncated = false, cta_truncated = false;
  int headline_px = 0, body_px = 0;
};

// Composes one creative of width x height.
Raster compose(const ComposeInput& in, FontSet& headline_fonts, FontSet& body_fonts,
               ComposeReport* report = nullptr);

}  // namespace janus::studio

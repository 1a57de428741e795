// The plan: every creative a campaign asks for (item x audience x format, or CSV row x item x
// format), with its filled prompts, seed and the keys that decide what can be reused or skipped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "campaign.h"
#include "csv.h"
#include "prompt_template.h"

namespace janus::studio {

struct Creative {
  std::string id;  // file-name safe, unique in the plan
  const Item* item = nullptr;
  const Audience* audience = nullptr;
  const Format* format = nullptr;
  std::string row_id;                      // personalisation row ("" = none)
  std::map<std::string, std::string> row;  // its fields
  Vars vars;
  std::string prompt;          // the image prompt
  std::string score_question;  // "Does this image show ...? Answer yes or no."
  std::string headline_prompt, body_prompt, cta_prompt;
  bool rtl = false;     // the audience writes right to left
  uint64_t seed = 0;    // seed of the K-image batch
  std::string gen_key;  // 16 hex digits: prompt + seed + K + sampling
};

struct Plan {
  int candidates = 2;
  std::vector<Creative> creatives;
  std::vector<std::string> items_needing_reference;  // item ids with a reference image
};

// references: item id -> description of its reference image (absent: "" in the prompt). Validates
// every template against the variables it may use (StudioError naming the campaign line and field).
Plan make_plan(const Campaign& c, int candidates, const std::map<std::string, std::string>& references);

uint64_t fnv1a(const std::string& s);
std::string hex16(uint64_t v);
bool is_rtl_language(const Audience& a);

}  // namespace janus::studio

// Campaign parsing and validation (YAML and JSON), CSV rows, prompt templates, the plan and copy
// clean-up: every bad input gives a StudioError naming the file, the line and the field.
#include "campaign.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "copy_text.h"
#include "csv.h"
#include "plan.h"
#include "prompt_template.h"
#include "studio_error.h"

using namespace janus::studio;
namespace fs = std::filesystem;

namespace {

fs::path write(const std::string& name, const std::string& text) {
  const fs::path dir = fs::path(::testing::TempDir()) / "studio-campaign-test";
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << text;
  return dir / name;
}

const char* kGood = R"(name: test
seed: 7
candidates: 2
tone: bold
brand:
  name: Nova
  colors: {primary: "#112233", accent: "#f50", text: "#ffffff"}
items:
  - id: star
    name: Starfall
    description: a space game
    facts: [Out now, Co-op]
audiences:
  - {id: en, locale: en-US, language: English, preferences: [sci-fi]}
  - {id: ar, locale: ar-SA, language: Arabic}
formats: [square, {name: tiny, width: 320, height: 200}]
prompts:
  image: "{item.name}, {item.description}, for {audience.preferences}"
)";

// Expects load_campaign (and make_plan) to fail with a message holding every part.
void expect_error(const std::string& name, const std::string& text, std::vector<std::string> parts) {
  const fs::path p = write(name, text);
  try {
    const Campaign c = load_campaign(p.string());
    (void)make_plan(c, 0, {});
    ADD_FAILURE() << name << ": no error";
  } catch (const StudioError& e) {
    for (const std::string& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what() << "\n  lacks: " << part;
  }
}

std::string replace(std::string s, const std::string& a, const std::string& b) {
  const size_t p = s.find(a);
  EXPECT_NE(p, std::string::npos) << a;
  return p == std::string::npos ? s : s.replace(p, a.size(), b);
}

TEST(Campaign, GoodYamlLoadsAndPlans) {
  const Campaign c = load_campaign(write("good.yaml", kGood).string());
  EXPECT_EQ(c.brand.accent.r, 0xff);
  EXPECT_EQ(c.brand.accent.g, 0x55);
  ASSERT_EQ(c.formats.size(), 2u);
  EXPECT_EQ(c.formats[0].width, 1080);
  EXPECT_EQ(c.formats[1].height, 200);
  const Plan p = make_plan(c, 0, {});
  ASSERT_EQ(p.creatives.size(), 4u);  // 1 item x 2 audiences x 2 formats
  EXPECT_EQ(p.candidates, 2);
  EXPECT_EQ(p.creatives[0].prompt, "Starfall, a space game, for sci-fi");
  EXPECT_EQ(p.creatives[0].id, "star--en--square");
  EXPECT_FALSE(p.creatives[0].rtl);
  EXPECT_TRUE(p.creatives[2].rtl);
  // Same prompt -> same seed and generation across formats; other audience -> other prompt.
  EXPECT_EQ(p.creatives[0].gen_key, p.creatives[1].gen_key);
  EXPECT_NE(p.creatives[0].gen_key, p.creatives[2].gen_key);
  EXPECT_EQ(make_plan(c, 3, {}).candidates, 3);
  EXPECT_NE(p.creatives[0].score_question.find("Does this image show Starfall"), std::string::npos);
}

TEST(Campaign, JsonEquivalentLoads) {
  const std::string json = R"({
	"brand": {"name": "Nova"},
	"items": [{"name": "Starfall Odyssey", "facts": "Out now"}],
	"formats": ["landscape"]
})";
  const Campaign c = load_campaign(write("good.json", json).string());
  ASSERT_EQ(c.items.size(), 1u);
  EXPECT_EQ(c.items[0].id, "starfall-odyssey");
  EXPECT_EQ(c.items[0].facts, std::vector<std::string>{"Out now"});
  EXPECT_EQ(make_plan(c, 0, {}).creatives.size(), 1u);
}

TEST(Campaign, ErrorsNameFileLineAndField) {
  expect_error("syntax.yaml", "brand: {name: x\nitems: [", {"syntax.yaml:", "invalid YAML"});
  expect_error("syntax.json", "{\"brand\": {\"name\": \"x\"},\n \"items\": [1,}\n",
               {"syntax.json:2:", "invalid JSON"});
  expect_error("nobrand.yaml", "items: []\nformats: [square]\n", {"nobrand.yaml:1:", "brand", "missing"});
  expect_error("noname.yaml", replace(kGood, "  name: Nova\n", "  nam: Nova\n"),
               {"noname.yaml:", "brand.name", "missing"});
  expect_error("unknown.yaml", replace(kGood, "tone: bold", "tonee: bold"),
               {"unknown.yaml:4:1", "tonee", "unknown field"});
  expect_error("colour.yaml", replace(kGood, "\"#f50\"", "orange"),
               {"colour.yaml:7:", "brand.colors.accent", "not a colour"});
  expect_error("cands.yaml", replace(kGood, "candidates: 2", "candidates: 40"),
               {"cands.yaml:3:", "candidates", "out of range"});
  expect_error("type.yaml", replace(kGood, "seed: 7", "seed: [1]"),
               {"type.yaml:2:", "seed", "expected an integer"});
  expect_error("facts.yaml", replace(kGood, "[Out now, Co-op]", "[Out now, {a: 1}]"),
               {"facts.yaml:12:", "items[0].facts[1]", "expected a string"});
  expect_error("preset.yaml", replace(kGood, "[square,", "[squarish,"),
               {"preset.yaml:16:", "formats[0]", "unknown preset"});
  expect_error("size.yaml", replace(kGood, "width: 320", "width: 12"),
               {"size.yaml:16:", "formats[1].width", "out of range"});
  expect_error("logo.yaml", replace(kGood, "  name: Nova\n", "  name: Nova\n  logo: missing.png\n"),
               {"logo.yaml:7:", "brand.logo", "cannot read"});
  expect_error("badlogo.yaml", replace(kGood, "  name: Nova\n", "  name: Nova\n  logo: good.yaml\n"),
               {"badlogo.yaml:7:", "brand.logo", "not a PNG"});
  expect_error("font.yaml",
               replace(kGood, "  name: Nova\n", "  name: Nova\n  fonts: {body: Nonexistent Family 9}\n"),
               {"font.yaml:7:", "brand.fonts.body", "no installed font"});
  expect_error("var.yaml", replace(kGood, "{item.description}", "{item.descripton}"),
               {"var.yaml:18:", "prompts.image", "unknown variable {item.descripton}"});
  expect_error("dup.yaml", replace(kGood, "{id: ar,", "{id: en,"),
               {"dup.yaml:", "audiences", "two entries have the id \"en\""});
  expect_error("empty.yaml", "", {"empty.yaml:1:1", "empty"});
  expect_error("twice.yaml", replace(kGood, "seed: 7", "seed: 7\nseed: 8"),
               {"twice.yaml:3:1", "seed", "duplicate field"});
}

TEST(Campaign, PersonalisationRowsJoinIntoTemplates) {
  write("people.csv",
        "id,city,cuisine,language\n1,Jakarta,\"nasi goreng, spicy\",Indonesian\n2,Tokyo,ramen,Japanese\n");
  const std::string yaml =
      replace(kGood, "prompts:\n  image: \"{item.name}, {item.description}, for {audience.preferences}\"\n",
              "prompts:\n  image: \"{row.cuisine} in {row.city}\"\npersonalization: {csv: people.csv}\n");
  const Campaign c = load_campaign(write("rows.yaml", yaml).string());
  const Plan p = make_plan(c, 0, {});
  ASSERT_EQ(p.creatives.size(), 4u);  // 2 rows x 1 item x 2 formats
  EXPECT_EQ(p.creatives[0].prompt, "nasi goreng, spicy in Jakarta");
  EXPECT_EQ(p.creatives[0].id, "row-1--star--square");
  EXPECT_EQ(p.creatives[2].vars.at("audience.language"), "Japanese");
  write("bad.csv", "id,city\n1,Jakarta\n2,Tokyo,extra\n");
  expect_error("badcsv.yaml", replace(yaml, "people.csv", "bad.csv"),
               {"bad.csv:3", "3 fields", "header has 2"});
  expect_error("badcol.yaml", replace(yaml, "{row.city}", "{row.town}"),
               {"badcol.yaml:18:", "unknown variable {row.town}"});
  expect_error("nocsv.yaml", replace(yaml, "people.csv", "nope.csv"),
               {"nocsv.yaml:19:", "personalization.csv", "cannot read"});
}

TEST(Csv, QuotesNewlinesAndErrors) {
  const CsvTable t =
      parse_csv("\xEF\xBB\xBFid,note\r\n1,\"a \"\"quoted\"\"\nline\"\r\n\r\n2,plain\n", "x.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1], "a \"quoted\"\nline");
  EXPECT_EQ(t.lines[1], 5);
  EXPECT_THROW(parse_csv("id\n\"open\n", "x.csv"), StudioError);
  EXPECT_THROW(parse_csv("id,id\n1,2\n", "x.csv"), StudioError);
  EXPECT_THROW(parse_csv("id\n", "x.csv"), StudioError);
  EXPECT_THROW(parse_csv("id,b\n1,x\"y\n", "x.csv"), StudioError);
}

TEST(Template, FillsEscapesAndRejectsUnknown) {
  EXPECT_EQ(fill_template("{{literal}} {a}!", {{"a", "x"}}, "t"), "{literal} x!");
  EXPECT_THROW(fill_template("{b}", {{"a", "x"}}, "t"), StudioError);
  EXPECT_THROW(fill_template("{a", {{"a", "x"}}, "t"), StudioError);
}

TEST(CopyText, CleansAndTruncatesAtWordBoundaries) {
  EXPECT_EQ(clean_copy("  \"Headline: Big   news\ttoday\"\nsecond line", 40), "Big news today");
  EXPECT_EQ(clean_copy("Explore the galaxy with friends tonight", 20), "Explore the galaxy");
  EXPECT_LE(count_chars(clean_copy("Explore the galaxy with friends tonight", 20)), 20u);
  EXPECT_EQ(clean_copy("Supercalifragilistic", 8), "Supercal");  // no space: hard cut
  EXPECT_EQ(clean_copy("春季新品上市立即下单", 4), "春季新品");
  EXPECT_EQ(clean_copy("\xef\xbf\xbd\x01 \n", 10), "");
  EXPECT_EQ(clean_copy("Diskon 30% untuk perjalanan pertamamu", 25), "Diskon 30% untuk");
}

}  // namespace

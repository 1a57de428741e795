#include "plan.h"

#include <cctype>
#include <cstdio>

#include "studio_error.h"

namespace janus::studio {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex16(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

bool is_rtl_language(const Audience& a) {
  std::string l;
  for (char ch : a.locale.empty() ? a.language : a.locale)
    l += char(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* p : {"ar", "he", "fa", "ur", "arabic", "hebrew", "persian", "farsi", "urdu"}) {
    const std::string s = p;
    if (l == s || l.rfind(s + "-", 0) == 0 || l.rfind(s + "_", 0) == 0) return true;
  }
  std::string lang;
  for (char ch : a.language) lang += char(std::tolower(static_cast<unsigned char>(ch)));
  return lang == "arabic" || lang == "hebrew" || lang == "persian" || lang == "farsi" || lang == "urdu";
}

namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string safe_id(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_')
      out += char(std::tolower(c));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "x" : out;
}

// Collapses runs of whitespace and trims (empty variables leave gaps behind).
std::string squeeze(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const bool space = ch == ' ' || ch == '\n' || ch == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : ch;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Checks a template against the names it may use before any creative is planned.
void check_template(const Campaign& c, const std::string& name, const std::string& tmpl, const Vars& sample) {
  const auto it = c.template_lines.find(name);
  const std::string where =
      c.file + ":" + std::to_string(it == c.template_lines.end() ? 0 : it->second) + ": prompts." + name;
  for (const std::string& v : template_variables(tmpl, where))
    if (!sample.count(v)) {
      std::string known;
      for (const auto& [k, x] : sample) known += (known.empty() ? "" : ", ") + k;
      throw StudioError(where + ": unknown variable {" + v + "} (known: " + known + ")");
    }
}

}  // namespace

Plan make_plan(const Campaign& c, int candidates, const std::map<std::string, std::string>& references) {
  Plan plan;
  plan.candidates = candidates > 0 ? candidates : c.candidates;
  for (const Item& it : c.items)
    if (!it.image.empty()) plan.items_needing_reference.push_back(it.id);

  CsvTable table;
  const Personalization& pz = c.personalization;
  const bool rows = !pz.csv.empty();
  if (rows) {
    table = read_csv(pz.csv);
    const std::string where = c.file + ":" + std::to_string(pz.csv_line) + ": personalization";
    for (const std::string& col : {pz.id_column, pz.item_column, pz.audience_column})
      if (!col.empty() && table.column(col) < 0)
        throw StudioError(where + ": column \"" + col + "\" is not in " + pz.csv +
                          " (header: " + join(table.header, ", ") + ")");
  }
  auto base_vars = [&](const Item& it, const Audience& a, const Format& f) {
    Vars v;
    v["brand.name"] = c.brand.name;
    v["campaign"] = c.name;
    v["tone"] = c.tone;
    v["item.id"] = it.id;
    v["item.name"] = it.name;
    v["item.description"] = it.description;
    v["item.facts"] = join(it.facts, "; ");
    v["item.cta"] = it.cta.empty() ? "Learn more" : it.cta;
    const auto ref = references.find(it.id);
    v["item.reference"] = ref == references.end() ? "" : ref->second;
    v["audience.id"] = a.id;
    v["audience.locale"] = a.locale;
    v["audience.language"] = a.language;
    v["audience.preferences"] = a.preferences.empty() ? "everyone" : join(a.preferences, ", ");
    v["format.name"] = f.name;
    v["format.width"] = std::to_string(f.width);
    v["format.height"] = std::to_string(f.height);
    for (const std::string& h : table.header) v["row." + h] = "";
    return v;
  };
  {  // every template against the full variable set (row columns included)
    Vars sample = base_vars(c.items[0], c.audiences[0], c.formats[0]);
    check_template(c, "image", c.templates.image, sample);
    sample["prompt"] = "";
    for (auto [name, t] : {std::pair{"score", &c.templates.score},
                           {"headline", &c.templates.headline},
                           {"body", &c.templates.body},
                           {"cta", &c.templates.cta}})
      check_template(c, name, *t, sample);
  }
  auto add = [&](const Item& it, const Audience& a, const Format& f, const std::string& row_id,
                 const std::map<std::string, std::string>& row, const std::string& where) {
    Creative cr;
    cr.item = &it;
    cr.audience = &a;
    cr.format = &f;
    cr.row_id = row_id;
    cr.row = row;
    cr.vars = base_vars(it, a, f);
    for (const auto& [k, v] : row) cr.vars["row." + k] = v;
    // A "language" column overrides the audience's language for that row's copy.
    if (auto l = row.find("language"); l != row.end() && !l->second.empty())
      cr.vars["audience.language"] = l->second;
    cr.prompt = squeeze(fill_template(c.templates.image, cr.vars, where + ": prompts.image"));
    cr.vars["prompt"] = cr.prompt;
    cr.score_question = "Does this image show " +
                        fill_template(c.templates.score, cr.vars, where + ": prompts.score") +
                        "? Answer yes or no.";
    cr.headline_prompt = fill_template(c.templates.headline, cr.vars, where + ": prompts.headline");
    cr.body_prompt = fill_template(c.templates.body, cr.vars, where + ": prompts.body");
    cr.cta_prompt = fill_template(c.templates.cta, cr.vars, where + ": prompts.cta");
    Audience eff = a;
    eff.language = cr.vars["audience.language"];
    cr.rtl = is_rtl_language(eff);
    cr.seed = (c.seed * 1000003ull + fnv1a(cr.prompt)) & 0x7fffffffull;
    char sampling[96];
    std::snprintf(sampling, sizeof sampling, "|%llu|%d|%g|%g|%d", static_cast<unsigned long long>(cr.seed),
                  plan.candidates, double(c.generation.cfg), double(c.generation.temperature),
                  c.generation.upscale);
    cr.gen_key = hex16(fnv1a(cr.prompt + sampling));
    cr.id = rows ? "row-" + safe_id(row_id) + "--" + safe_id(it.id) + "--" + safe_id(f.name)
                 : safe_id(it.id) + "--" + safe_id(a.id) + "--" + safe_id(f.name);
    for (const Creative& o : plan.creatives)
      if (o.id == cr.id)
        throw StudioError(where + ": two creatives would share the id \"" + cr.id + "\" (duplicate row id?)");
    plan.creatives.push_back(std::move(cr));
  };
  if (!rows) {
    for (const Item& it : c.items)
      for (const Audience& a : c.audiences)
        for (const Format& f : c.formats) add(it, a, f, "", {}, c.file);
    return plan;
  }
  const int id_col = table.column(pz.id_column);
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const std::string where = pz.csv + ":" + std::to_string(table.lines[r]);
    std::map<std::string, std::string> fields;
    for (size_t k = 0; k < table.header.size(); ++k) fields[table.header[k]] = row[k];
    const std::string row_id = row[size_t(id_col)];
    if (row_id.empty()) throw StudioError(where + ": " + pz.id_column + ": empty id");
    const Audience* aud = &c.audiences[0];
    if (!pz.audience_column.empty()) {
      const std::string& want = row[size_t(table.column(pz.audience_column))];
      aud = nullptr;
      for (const Audience& a : c.audiences)
        if (a.id == want) aud = &a;
      if (!aud)
        throw StudioError(where + ": " + pz.audience_column + ": no audience has the id \"" + want + "\"");
    }
    std::vector<const Item*> items;
    if (!pz.item_column.empty()) {
      const std::string& want = row[size_t(table.column(pz.item_column))];
      for (const Item& it : c.items)
        if (it.id == want) items.push_back(&it);
      if (items.empty())
        throw StudioError(where + ": " + pz.item_column + ": no item has the id \"" + want + "\"");
    } else {
      for (const Item& it : c.items) items.push_back(&it);
    }
    for (const Item* it : items)
      for (const Format& f : c.formats) add(*it, *aud, f, row_id, fields, where);
  }
  return plan;
}

}  // namespace janus::studio

// The studio pipeline: plan -> per creative: generate K candidates (seeded batch) -> score each
// (P("Yes") to "Does this image show ...?" + brand colour affinity) -> keep the best -> write copy
// with the model -> compose -> write files; the manifest is rewritten atomically after every step.
#include "studio.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "campaign.h"
#include "compose.h"
#include "contact_sheet.h"
#include "copy_text.h"
#include "image_file.h"
#include "manifest.h"
#include "plan.h"
#include "studio_error.h"

namespace janus::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::atomic<bool> g_cancel{false};
extern "C" void on_interrupt(int) {
  g_cancel.store(true);
}

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Cancelled {};

void check_cancel() {
  if (g_cancel.load()) throw Cancelled{};
}

std::string hex_colour(Rgb c) {
  char b[8];
  std::snprintf(b, sizeof b, "#%02x%02x%02x", c.r, c.g, c.b);
  return b;
}

// Share of (sub-sampled) pixels within a small RGB distance of any brand colour: a cheap check that
// the picture can carry the brand, used as a weak tie-breaker beside the alignment score.
double brand_affinity(const Raster& img, const std::vector<Rgb>& palette) {
  if (palette.empty()) return 0;
  size_t near = 0, total = 0;
  for (int y = 0; y < img.h; y += 4)
    for (int x = 0; x < img.w; x += 4) {
      const uint8_t* p = img.at(x, y);
      ++total;
      for (const Rgb& c : palette) {
        const int dr = p[0] - c.r, dg = p[1] - c.g, db = p[2] - c.b;
        if (dr * dr + dg * dg + db * db <= 60 * 60) {
          ++near;
          break;
        }
      }
    }
  return total ? double(near) / double(total) : 0;
}

struct Estimate {
  double generate_s = 0, score_s = 0, copy_s = 0;
  std::string basis;
};

// Lower bounds from the LLM's size: decode steps read every weight once (bf16: 2 bytes each) at the
// measured bandwidth; prefills run 2 FLOPs per weight per position at the measured bf16/f32 GEMM
// peak. Real runs are slower (attention, the vision tower, the image decoder), so it is a floor.
std::optional<Estimate> roofline_estimate(const EngineOptions& eo, int k) {
  janus_model_params mp = janus_model_default_params();
  mp.load_tensors = 0;
  mp.offline = 1;  // a dry run never downloads
  mp.cache_dir = eo.cache_dir.empty() ? nullptr : eo.cache_dir.c_str();
  janus_model* m = nullptr;
  if (janus_model_load(eo.model.c_str(), &mp, &m) != JANUS_OK) return std::nullopt;
  const json info = json::parse(janus_model_info_json(m), nullptr, false);
  janus_model_free(m);
  if (!info.is_object() || !info.contains("llm")) return std::nullopt;
  const json& l = info["llm"];
  const double h = l.value("hidden_size", 0.0), layers = l.value("num_hidden_layers", 0.0),
               inter = l.value("intermediate_size", 0.0), vocab = l.value("vocab_size", 0.0);
  const double params = layers * (4 * h * h + 3 * h * inter) + 2 * vocab * h;
  janus_machine_limits lim{};
  if (params <= 0 || janus_measure_machine(eo.threads, 1.0, &lim) != JANUS_OK || lim.mem_read_gbs <= 0)
    return std::nullopt;
  const double gemm = (lim.gemm_bf16_gflops > 0 ? lim.gemm_bf16_gflops : lim.gemm_f32_gflops) * 1e9;
  const double step = 2 * params / (lim.mem_read_gbs * 1e9);      // one decode step, any small batch
  const double prefill = 2 * params * 600 / std::max(gemm, 1.0);  // a prompt with one image
  Estimate e;
  e.generate_s = 576 * step * std::max(1.0, k / 4.0);  // K images x 2 (guidance) rows per step
  e.score_s = k * prefill;
  e.copy_s = 3 * (prefill + 40 * step);
  char b[160];
  std::snprintf(b, sizeof b, "floor from %.2fB LLM weights at this machine's %.0f GB/s and %.0f GFLOP/s",
                params / 1e9, lim.mem_read_gbs, gemm / 1e9);
  e.basis = b;
  return e;
}

class Studio {
 public:
  explicit Studio(const StudioOptions& o) : o_(o) {}
  int run();

 private:
  json fingerprint_json(const Creative& cr) const;
  std::string rel_candidate(const Creative& cr, int k) const {
    return "candidates/" + cr.gen_key + "-" + std::to_string(k) + ".png";
  }
  std::vector<std::string> rel_outputs(const Creative& cr) const;
  bool may_write(const std::string& rel, const std::string& owner) const;
  void claim(const std::string& rel, const std::string& owner) { man_.doc["files"][rel] = owner; }
  bool finished(const Creative& cr, const std::string& fp);
  Engine& engine();
  std::map<std::string, std::string> references(bool run_model);
  void make(const Creative& cr, size_t n, size_t total);
  void save_all();
  void log(const std::string& s) const {
    if (!o_.quiet) std::fprintf(stderr, "%s\n", s.c_str());
  }
  int dry_run();

  StudioOptions o_;
  Campaign c_;
  Plan plan_;
  Manifest man_;
  fs::path out_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<FontSet> head_fonts_, body_fonts_;
  std::optional<Raster> logo_;
  struct Gen {
    json candidates;
    int chosen = -1;
    Raster image;
    std::string chosen_file;
  };
  std::map<std::string, Gen> gens_;     // gen_key -> candidates made or reused in this run
  std::map<std::string, json> copies_;  // copy key -> copy
};

json Studio::fingerprint_json(const Creative& cr) const {
  const Brand& b = c_.brand;
  json logo = b.logo;
  std::error_code ec;
  if (!b.logo.empty()) logo = {b.logo, fs::file_size(b.logo, ec)};
  return {{"model", o_.engine.model},
          {"precision", o_.engine.precision},
          {"quant", o_.engine.quant},
          {"gen_key", cr.gen_key},
          {"prompt", cr.prompt},
          {"question", cr.score_question},
          {"copy_prompts", {cr.headline_prompt, cr.body_prompt, cr.cta_prompt}},
          {"limits", {c_.limits.headline_chars, c_.limits.body_chars, c_.limits.cta_chars}},
          {"format", {cr.format->width, cr.format->height}},
          {"rtl", cr.rtl},
          {"brand",
           {b.name, hex_colour(b.primary), hex_colour(b.accent), hex_colour(b.text), hex_colour(b.background),
            b.headline_font, b.body_font, logo}},
          {"weight", c_.generation.brand_colour_weight},
          {"image_formats", c_.outputs.image_formats}};
}

std::vector<std::string> Studio::rel_outputs(const Creative& cr) const {
  std::vector<std::string> out;
  for (const std::string& e : c_.outputs.image_formats) out.push_back("creatives/" + cr.id + "." + e);
  return out;
}

bool Studio::may_write(const std::string& rel, const std::string& owner) const {
  if (o_.force || !fs::exists(out_ / rel)) return true;
  const json& files = man_.doc.contains("files") ? man_.doc["files"] : json::object();
  return files.contains(rel) && files[rel] == owner;
}

bool Studio::finished(const Creative& cr, const std::string& fp) {
  if (o_.force) return false;
  const json* e = man_.find(cr.id);
  if (!e || e->value("status", "") != "done" || e->value("fingerprint", "") != fp) return false;
  for (const json& f : e->value("files", json::array()))
    if (!fs::exists(out_ / f.get<std::string>())) return false;
  for (const json& k : e->value("candidates", json::array()))
    if (!fs::exists(out_ / k.value("file", ""))) return false;
  return true;
}

Engine& Studio::engine() {
  if (!engine_) {
    log("loading " + o_.engine.model + " ...");
    engine_ = std::make_unique<Engine>(o_.engine);
    man_.doc["model_info"] = json::parse(engine_->info_json(), nullptr, false);
  }
  return *engine_;
}

std::map<std::string, std::string> Studio::references(bool run_model) {
  std::map<std::string, std::string> refs;
  // Described only when a template asks for the description.
  const Templates& t = c_.templates;
  bool used = false;
  for (const std::string* s : {&t.image, &t.score, &t.headline, &t.body, &t.cta})
    used = used || s->find("{item.reference}") != std::string::npos;
  for (const Item& it : c_.items) {
    if (it.image.empty() || !used) continue;
    const json& cached = man_.doc.contains("references") ? man_.doc["references"] : json::object();
    if (cached.contains(it.id) && cached[it.id].value("file", "") == it.image) {
      refs[it.id] = cached[it.id].value("description", "");
      continue;
    }
    if (!run_model) {
      refs[it.id] = "(description of " + fs::path(it.image).filename().string() + ")";
      continue;
    }
    log("describing the reference image of " + it.id + " ...");
    const std::string d = clean_copy(
        engine().ask(it.image, "Describe the product in this image in one sentence, for an image generator.",
                     48),
        200);
    refs[it.id] = d;
    man_.doc["references"][it.id] = {{"file", it.image}, {"description", d}};
  }
  return refs;
}

void Studio::save_all() {
  man_.doc["updated"] = long(std::time(nullptr));
  man_.save();
  claim("index.html", "index");
  write_file_atomic((out_ / "index.html").string(), contact_sheet_html(man_.doc));
}

void Studio::make(const Creative& cr, size_t n, size_t total) {
  const auto t0 = Clock::now();
  const std::string fp = hex16(fnv1a(fingerprint_json(cr).dump()));
  const std::string tag = "[" + std::to_string(n) + "/" + std::to_string(total) + "] " + cr.id;
  json e = {
      {"id", cr.id},
      {"status", "in_progress"},
      {"fingerprint", fp},
      {"item", cr.item->id},
      {"audience", cr.audience->id},
      {"format", {{"name", cr.format->name}, {"width", cr.format->width}, {"height", cr.format->height}}},
      {"prompt", cr.prompt},
      {"question", cr.score_question},
      {"seed", cr.seed},
      {"gen_key", cr.gen_key},
      {"candidates_requested", plan_.candidates},
      {"rtl", cr.rtl},
      {"copy_prompts", {{"headline", cr.headline_prompt}, {"body", cr.body_prompt}, {"cta", cr.cta_prompt}}},
      {"files", json::array()}};
  if (!cr.row_id.empty()) e["row"] = cr.row;
  for (const std::string& f : rel_outputs(cr)) claim(f, fp);
  man_.put(e);
  save_all();  // claimed before written: an interrupted creative's files are known to be ours

  // ---- candidates: made in this run, reused from a finished creative with the same gen_key, or made now
  json timings = {{"generate_ms", 0.0}, {"score_ms", 0.0}, {"copy_ms", 0.0}, {"compose_ms", 0.0}};
  auto it = gens_.find(cr.gen_key);
  if (it == gens_.end() && !o_.force) {  // --force redoes: nothing from earlier runs is reused
    for (const json& o : man_.doc["creatives"]) {
      if (o.value("gen_key", "") != cr.gen_key || o.value("status", "") != "done" ||
          o.value("chosen", -1) < 0)
        continue;
      bool all = true;
      for (const json& k : o["candidates"]) all = all && fs::exists(out_ / k.value("file", ""));
      if (!all) continue;
      Gen g;
      g.candidates = o["candidates"];
      g.chosen = o["chosen"];
      g.chosen_file = g.candidates[size_t(g.chosen)]["file"];
      g.image = decode_image_file((out_ / g.chosen_file).string());
      it = gens_.emplace(cr.gen_key, std::move(g)).first;
      log(tag + ": candidates reused from " + o.value("id", ""));
      e["reused_candidates_from"] = o.value("id", "");
      break;
    }
  }
  if (it == gens_.end()) {
    engine();  // loads the model on first use, before the timer starts
    log(tag + ": generating " + std::to_string(plan_.candidates) + " candidates (seed " +
        std::to_string(cr.seed) + ")");
    const auto tg = Clock::now();
    std::vector<Raster> imgs;
    try {
      imgs = engine().generate(cr.prompt, plan_.candidates, cr.seed, c_.generation.cfg,
                               c_.generation.temperature, c_.generation.upscale, g_cancel);
    } catch (const StudioError&) {
      check_cancel();
      throw;
    }
    timings["generate_ms"] = ms_since(tg);
    Gen g;
    g.candidates = json::array();
    const auto ts = Clock::now();
    double best = -1;
    for (size_t k = 0; k < imgs.size(); ++k) {
      check_cancel();
      const std::string rel = rel_candidate(cr, int(k));
      claim(rel, cr.gen_key);
      man_.save();
      janus_image ji{imgs[k].w, imgs[k].h, imgs[k].px.data()};
      const std::string seed = std::to_string(cr.seed), idx = std::to_string(k), model = o_.engine.model;
      const char* keys[] = {"prompt", "seed", "batch_index", "model"};
      const char* vals[] = {cr.prompt.c_str(), seed.c_str(), idx.c_str(), model.c_str()};
      if (janus_write_png((out_ / rel).c_str(), &ji, keys, vals, 4, 1) != JANUS_OK)
        throw StudioError((out_ / rel).string() + ": " + janus_last_error());
      const Alignment a = engine().score((out_ / rel).string(), cr.score_question);
      const double aff = brand_affinity(imgs[k], c_.brand.palette);
      const double score = a.p_yes + c_.generation.brand_colour_weight * aff;
      g.candidates.push_back({{"index", k},
                              {"file", rel},
                              {"seed", cr.seed},
                              {"batch_index", k},
                              {"p_yes", a.p_yes},
                              {"p_no", a.p_no},
                              {"brand_colour", aff},
                              {"score", score}});
      if (score > best) {  // strict: ties keep the lower index
        best = score;
        g.chosen = int(k);
      }
    }
    timings["score_ms"] = ms_since(ts);
    g.chosen_file = rel_candidate(cr, g.chosen);
    g.image = std::move(imgs[size_t(g.chosen)]);
    it = gens_.emplace(cr.gen_key, std::move(g)).first;
  }
  const Gen& g = it->second;
  e["candidates"] = g.candidates;
  e["chosen"] = g.chosen;
  check_cancel();

  // ---- copy from the chosen image + the item's facts, in the audience's language
  const std::string copy_key =
      hex16(fnv1a(cr.gen_key + "|" + cr.headline_prompt + "|" + cr.body_prompt + "|" + cr.cta_prompt + "|" +
                  std::to_string(c_.limits.headline_chars) + "," + std::to_string(c_.limits.body_chars) +
                  "," + std::to_string(c_.limits.cta_chars)));
  e["copy_key"] = copy_key;
  if (!copies_.count(copy_key) && !o_.force)
    for (const json& o : man_.doc["creatives"])
      if (o.value("copy_key", "") == copy_key && o.value("status", "") == "done")
        copies_[copy_key] = o["copy"];
  if (!copies_.count(copy_key)) {
    log(tag + ": writing copy");
    const auto tc = Clock::now();
    const std::string img = (out_ / g.chosen_file).string();
    json cp;
    json source;
    auto write = [&](const char* field, const std::string& prompt, int limit, int tokens,
                     const std::string& fallback) {
      std::string t = clean_copy(engine().ask(img, prompt, tokens, &g_cancel), limit);
      check_cancel();
      source[field] = "model";
      if (t.empty()) {  // a model answer with nothing usable (random weights, refusal): the campaign's own
                        // words
        t = clean_copy(fallback, limit);
        source[field] = "fallback";
      }
      cp[field] = t;
      check_cancel();
    };
    const Item& item = *cr.item;
    write("headline", cr.headline_prompt, c_.limits.headline_chars, 24, item.name);
    write("body", cr.body_prompt, c_.limits.body_chars, 64,
          item.description.empty() ? item.name : item.description);
    write("cta", cr.cta_prompt, c_.limits.cta_chars, 12, item.cta.empty() ? "Learn more" : item.cta);
    cp["source"] = source;
    copies_[copy_key] = cp;
    timings["copy_ms"] = ms_since(tc);
  }
  const json& cp = copies_[copy_key];
  e["copy"] = cp;

  // ---- compose and write
  const auto tk = Clock::now();
  ComposeInput in;
  in.image = &g.image;
  in.logo = logo_ ? &*logo_ : nullptr;
  in.brand = &c_.brand;
  in.copy = {cp.value("headline", ""), cp.value("body", ""), cp.value("cta", "")};
  in.rtl = cr.rtl;
  in.width = cr.format->width;
  in.height = cr.format->height;
  ComposeReport rep;
  const Raster out = compose(in, *head_fonts_, *body_fonts_, &rep);
  e["layout"] = {{"headline_px", rep.headline_px},
                 {"body_px", rep.body_px},
                 {"headline_truncated", rep.headline_truncated},
                 {"body_truncated", rep.body_truncated},
                 {"cta_truncated", rep.cta_truncated}};
  for (const std::string& rel : rel_outputs(cr)) {
    const fs::path p = out_ / rel;
    const std::string ext = p.extension().string();
    if (ext == ".png") {
      janus_image ji{out.w, out.h, const_cast<uint8_t*>(out.px.data())};
      const std::string seed = std::to_string(cr.seed),
                        score = std::to_string(g.candidates[size_t(g.chosen)].value("score", 0.0));
      const char* keys[] = {"campaign", "creative", "prompt", "seed", "score"};
      const char* vals[] = {c_.name.c_str(), cr.id.c_str(), cr.prompt.c_str(), seed.c_str(), score.c_str()};
      if (janus_write_png(p.c_str(), &ji, keys, vals, 5, 1) != JANUS_OK)
        throw StudioError(p.string() + ": " + janus_last_error());
    } else {
      const std::vector<uint8_t> bytes = ext == ".jpg" ? encode_jpeg(out, 90) : encode_webp(out, 90);
      write_file_atomic(p.string(),
                        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }
    e["files"].push_back(rel);
  }
  timings["compose_ms"] = ms_since(tk);
  timings["total_ms"] = ms_since(t0);
  e["timings_ms"] = timings;
  e["status"] = "done";
  man_.put(e);
  save_all();
  log(tag + ": done (score " + std::to_string(g.candidates[size_t(g.chosen)].value("score", 0.0)) + ", " +
      std::to_string(int(timings["total_ms"].get<double>())) + " ms)");
}

int Studio::dry_run() {
  std::printf("campaign: %s (%s)\n", c_.name.c_str(), c_.file.c_str());
  std::printf("creatives: %zu, candidates per creative: %d\n", plan_.creatives.size(), plan_.candidates);
  std::map<std::string, int> gens;
  for (const Creative& cr : plan_.creatives) ++gens[cr.gen_key];
  size_t n = 0;
  for (const Creative& cr : plan_.creatives) {
    std::printf("%3zu. %s  [%s %dx%d%s]  seed %llu\n     prompt: %s\n", ++n, cr.id.c_str(),
                cr.format->name.c_str(), cr.format->width, cr.format->height, cr.rtl ? ", right-to-left" : "",
                static_cast<unsigned long long>(cr.seed), cr.prompt.c_str());
  }
  // Estimate, best first: per-step times measured by an earlier run in OUTDIR; else a roofline of the
  // model's size (-m, config only) on this machine's measured bandwidth and GEMM peak; else a rough
  // CPU figure for a 1B model. Each stated as such.
  double gen_s = 60.0 * plan_.candidates / 2, score_s = 3.0 * plan_.candidates, copy_s = 8.0, compose_s = 0.5;
  std::string basis = "rough CPU figures for a 1B model (pass -m for a model-specific estimate)";
  if (!o_.engine.model.empty()) {
    if (const auto est = roofline_estimate(o_.engine, plan_.candidates)) {
      gen_s = est->generate_s;
      score_s = est->score_s;
      copy_s = est->copy_s;
      basis = est->basis;
    } else {
      basis = "rough CPU figures for a 1B model; " + o_.engine.model +
              " could not be read: " + janus_last_error();
    }
  }
  int measured = 0;
  double sums[4] = {0, 0, 0, 0};
  for (const json& e : man_.doc["creatives"]) {
    if (e.value("status", "") != "done" || !e.contains("timings_ms") ||
        e["timings_ms"].value("generate_ms", 0.0) <= 0)
      continue;
    const json& t = e["timings_ms"];
    sums[0] += t.value("generate_ms", 0.0) / 1000;
    sums[1] += t.value("score_ms", 0.0) / 1000;
    sums[2] += t.value("copy_ms", 0.0) / 1000;
    sums[3] += t.value("compose_ms", 0.0) / 1000;
    ++measured;
  }
  if (measured) {
    gen_s = sums[0] / measured;
    score_s = sums[1] / measured;
    copy_s = sums[2] / measured;
    compose_s = sums[3] / measured;
    basis = "measured in " + man_.path + " (" + std::to_string(measured) + " creatives)";
  }
  const double total =
      double(gens.size()) * (gen_s + score_s + copy_s) + double(plan_.creatives.size()) * compose_s;
  std::printf("generations: %zu (creatives with the same prompt share one)\n", gens.size());
  std::printf("estimated time: %.0f s (%s)\n", total, basis.c_str());
  return 0;
}

int Studio::run() {
  c_ = load_campaign(o_.campaign);
  if (!o_.out.empty()) {
    out_ = o_.out;
    // The manifest is kept under --force too: it records which files janus studio wrote, so a later
    // run without --force still knows them. Only an unreadable one is replaced under --force.
    try {
      man_ = Manifest::open(out_.string());
    } catch (const StudioError&) {
      if (!o_.force || o_.dry_run) throw;
    }
    if (man_.path.empty() || !man_.doc.contains("creatives")) {
      man_.path = (out_ / "manifest.json").string();
      man_.doc = {{"studio", 1}, {"creatives", json::array()}};
    }
  } else if (!o_.dry_run) {
    throw StudioError("-o/--output is required (the folder for the creatives)");
  } else {
    man_.doc = {{"studio", 1}, {"creatives", json::array()}};
  }
  if (!o_.dry_run && o_.engine.model.empty()) throw StudioError("-m/--model is required (or use --dry-run)");
  plan_ = make_plan(c_, o_.candidates, references(false));
  if (o_.dry_run) return dry_run();

  fs::create_directories(out_ / "creatives");
  fs::create_directories(out_ / "candidates");
  if (fs::exists(out_ / "index.html") && !may_write("index.html", "index"))
    throw StudioError((out_ / "index.html").string() +
                      " exists and was not written by janus studio; pass --force to replace it");
  // Reference descriptions need the model (cached in the manifest afterwards).
  if (!plan_.items_needing_reference.empty()) plan_ = make_plan(c_, o_.candidates, references(true));
  // What to do, and whether anything would be overwritten (checked before any work).
  std::vector<const Creative*> todo;
  std::vector<std::string> conflicts;
  for (const Creative& cr : plan_.creatives) {
    const std::string fp = hex16(fnv1a(fingerprint_json(cr).dump()));
    if (finished(cr, fp)) continue;
    todo.push_back(&cr);
    for (const std::string& rel : rel_outputs(cr))
      if (!may_write(rel, fp)) conflicts.push_back(rel);
    for (int k = 0; k < plan_.candidates; ++k)
      if (!may_write(rel_candidate(cr, k), cr.gen_key)) conflicts.push_back(rel_candidate(cr, k));
  }
  if (!conflicts.empty()) {
    std::string list;
    for (size_t i = 0; i < conflicts.size() && i < 5; ++i) list += "\n  " + (out_ / conflicts[i]).string();
    if (conflicts.size() > 5) list += "\n  ... and " + std::to_string(conflicts.size() - 5) + " more";
    std::fprintf(
        stderr,
        "janus studio: error: these files exist and were made from other settings (or not by janus studio); "
        "pass --force to replace them:%s\n",
        list.c_str());
    return 2;
  }
  man_.doc["campaign"] = {
      {"file", fs::absolute(c_.file).string()}, {"name", c_.name}, {"seed", c_.seed}, {"tone", c_.tone}};
  man_.doc["model"] = o_.engine.model;
  man_.doc["candidates"] = plan_.candidates;
  man_.doc["generation"] = {
      {"cfg", c_.generation.cfg},         {"temperature", c_.generation.temperature},
      {"upscale", c_.generation.upscale}, {"brand_colour_weight", c_.generation.brand_colour_weight},
      {"precision", o_.engine.precision}, {"quant", o_.engine.quant}};
  man_.doc["scoring"] =
      "score = P(first answer token is Yes: \" Yes\"/\"Yes\"/\" yes\"/\"yes\") to the question + "
      "brand_colour_weight x share of pixels near a brand colour";
  man_.doc["plan"] = json::array();
  for (const Creative& cr : plan_.creatives) man_.doc["plan"].push_back(cr.id);
  if (todo.empty()) {
    save_all();
    log("nothing to do: all " + std::to_string(plan_.creatives.size()) +
        " creatives are finished (--force redoes them)");
    return 0;
  }
  if (!c_.brand.logo.empty()) logo_ = decode_image_file(c_.brand.logo);
  std::vector<std::string> hf = fallback_fonts(true), bf = fallback_fonts(false);
  if (!c_.brand.headline_font.empty()) hf.insert(hf.begin(), c_.brand.headline_font);
  if (!c_.brand.body_font.empty()) bf.insert(bf.begin(), c_.brand.body_font);
  head_fonts_ = std::make_unique<FontSet>(hf);
  body_fonts_ = std::make_unique<FontSet>(bf);

  const auto t0 = Clock::now();
  size_t made = 0;
  const size_t n = o_.limit > 0 ? std::min(todo.size(), size_t(o_.limit)) : todo.size();
  try {
    for (size_t i = 0; i < n; ++i) {
      check_cancel();
      make(*todo[i], i + 1, n);
      ++made;
    }
  } catch (const Cancelled&) {
    save_all();
    std::fprintf(
        stderr,
        "janus studio: interrupted after %zu creatives; the manifest is consistent, run again to resume\n",
        made);
    return 130;
  }
  const double s = ms_since(t0) / 1000;
  log("made " + std::to_string(made) + " creatives (" + std::to_string(plan_.creatives.size() - todo.size()) +
      " already finished" +
      (n < todo.size() ? ", " + std::to_string(todo.size() - n) + " left for the next run" : "") + ") in " +
      std::to_string(int(s)) + " s; contact sheet: " + (out_ / "index.html").string());
  return 0;
}

}  // namespace

int run_studio(const StudioOptions& o) {
  g_cancel.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  int rc = 1;
  try {
    Studio s(o);
    rc = s.run();
  } catch (const StudioError& e) {
    std::fprintf(stderr, "janus studio: error: %s\n", e.what());
    rc = 1;
  } catch (const Cancelled&) {
    std::fprintf(stderr, "janus studio: interrupted\n");
    rc = 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "janus studio: error: %s\n", e.what());
    rc = 1;
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return rc;
}

}  // namespace janus::studio

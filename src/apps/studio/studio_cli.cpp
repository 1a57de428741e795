#include "studio.h"

namespace janus::studio {

CLI::App* add_studio_command(CLI::App& app, StudioOptions& o) {
  CLI::App* s =
      app.add_subcommand("studio", "campaign sheet -> ranked, captioned, laid-out marketing creatives");
  s->add_option("campaign", o.campaign, "campaign file (.yaml, .yml or .json)")->required();
  s->add_option("-m,--model", o.engine.model, "model folder or hub repo id (not needed with --dry-run)");
  s->add_option("-o,--output", o.out, "output folder (creatives, candidates, manifest.json, index.html)");
  s->add_option("--candidates", o.candidates, "candidates per creative, 1-16 (default: the campaign's)")
      ->check(CLI::Range(1, 16));
  s->add_option("--limit", o.limit, "make at most N creatives in this run (the rest on the next)")
      ->check(CLI::NonNegativeNumber);
  s->add_flag("--force", o.force, "replace existing outputs and redo finished creatives");
  s->add_flag("--dry-run", o.dry_run, "validate and print the plan (creatives, prompts, estimated time)");
  s->add_flag("-q,--quiet", o.quiet, "no progress on stderr");
  s->add_option("--precision", o.engine.precision, "bf16 or fp32")->check(CLI::IsMember({"bf16", "fp32"}));
  s->add_option("-t,--threads", o.engine.threads, "threads (default: all cores)");
  return s;
}

}  // namespace janus::studio

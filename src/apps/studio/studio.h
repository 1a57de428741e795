// `janus studio CAMPAIGN -m MODEL -o OUTDIR`: a campaign sheet -> ranked, captioned, laid-out
// marketing creatives, with manifest.json and an index.html contact sheet.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "engine.h"

namespace janus::studio {

struct StudioOptions {
  std::string campaign, out;
  EngineOptions engine;
  int candidates = 0;  // 0: the campaign's
  int limit = 0;       // at most this many creatives made in this run (0: all)
  bool force = false, dry_run = false, quiet = false;
};

// Declares the sub-command and its flags (the shared --cache-dir etc. are the caller's).
CLI::App* add_studio_command(CLI::App& app, StudioOptions& o);
// The process exit status: 0 done, 1 error, 2 refused (would overwrite), 130 interrupted.
int run_studio(const StudioOptions& o);

}  // namespace janus::studio

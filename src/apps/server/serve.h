// `janus serve`: an OpenAI-compatible HTTP server (chat completions with images, image generation)
// with a web UI, on one model loaded in the background.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "engine.h"

namespace janus::serve {

struct ServeOptions {
  EngineOptions engine;
  std::string precision = "bf16";
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (the chosen one is printed)
  std::string api_key;
  int max_queue = 16;
  size_t max_body_mb = 32;
  int read_timeout_s = 30;       // a client silent this long mid-request is dropped
  double shutdown_grace_s = 10;  // on SIGINT/SIGTERM the running job gets this long before cancellation
  std::string model_id;          // the name /v1/models reports ("" = the -m argument)
  bool verbose = false;
};

// Declares the sub-command and its flags on `app` (the shared --cache-dir etc. are the caller's).
CLI::App* add_serve_command(CLI::App& app, ServeOptions& o);
// Serves until SIGINT/SIGTERM; the process exit status.
int run_serve(ServeOptions o);

}  // namespace janus::serve

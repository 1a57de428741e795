// `janus quantize MODEL OUT.gguf`: one self-contained GGUF file of a model, block-quantized or not.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "cli_commands.h"

namespace janus_cli {

namespace {

std::atomic<bool> g_interrupted{false};

void on_sigint(int) {
  g_interrupted = true;
}

// Redraws "quantize 123/882" on a terminal; cancels after Ctrl-C so the temporary file is removed.
int progress(const char* stage, uint64_t done, uint64_t total, void* user) {
  const bool quiet = *static_cast<bool*>(user);
  if (!quiet && isatty(STDERR_FILENO)) {
    std::fprintf(stderr, "\r%s %llu/%llu tensors", stage, (unsigned long long)done,
                 (unsigned long long)total);
    if (done >= total) std::fputc('\n', stderr);
    std::fflush(stderr);
  }
  return g_interrupted ? 1 : 0;
}

}  // namespace

void add_quantize_command(CLI::App& app, QuantizeOptions& q, CommonOptions& c) {
  CLI::App* cmd =
      app.add_subcommand("quantize", "write a model as one GGUF file (q8_0, q4_0 or bf16 weights)");
  cmd->add_option("model", q.model, "model folder or hub repo id")->required();
  cmd->add_option("output", q.out, "GGUF file to write (e.g. janus-pro-1b-q8_0.gguf)")->required();
  cmd->add_option("--type", q.type,
                  "q8_0 or q4_0: block-quantize the LLM projections and output heads; bf16: keep every "
                  "tensor as stored")
      ->check(CLI::IsMember({"q8_0", "q4_0", "q4", "bf16"}))
      ->default_val("q8_0");
  cmd->add_flag("--force", q.force, "overwrite an existing output file");
  cmd->add_flag("-q,--quiet", q.quiet, "no progress or summary on stderr");
  cmd->add_option("--cache-dir", c.cache_dir, "Hugging Face hub cache (default: HF_HUB_CACHE / HF_HOME/hub)");
  cmd->add_option("--revision", c.revision, "hub revision for repo ids")->default_val("main");
  cmd->add_flag("--offline", c.offline, "never download (also HF_HUB_OFFLINE=1)");
  cmd->add_flag("-v,--verbose", c.verbose, "log details to stderr");
  q.cmd = cmd;
}

int run_quantize(const QuantizeOptions& q, const CommonOptions& c) {
  install_logger(c);
  janus_model_params p = model_params(c, /*load_tensors=*/true);
  const janus_weight_type type = q.type == "q8_0"                     ? JANUS_WEIGHTS_Q8_0
                                 : q.type == "q4_0" || q.type == "q4" ? JANUS_WEIGHTS_Q4_0
                                                                      : JANUS_WEIGHTS_NATIVE;
  g_interrupted = false;
  struct sigaction sa {
  }, old_int{}, old_term{};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  bool quiet = q.quiet;
  const auto t0 = std::chrono::steady_clock::now();
  const janus_status s =
      janus_quantize(q.model.c_str(), &p, q.out.c_str(), type, q.force ? 1 : 0, progress, &quiet);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (s != JANUS_OK) {
    const int rc = report_error(s);
    return s == JANUS_ERR_CANCELLED ? 130 : rc;
  }
  if (!q.quiet) {
    std::error_code ec;
    const double mb = double(std::filesystem::file_size(q.out, ec)) / 1e6;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "janus: wrote %s (%.1f MB, %s) in %.1f s\n", q.out.c_str(), mb, q.type.c_str(),
                 secs);
  }
  return 0;
}

}  // namespace janus_cli

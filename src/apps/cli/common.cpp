#include <unistd.h>

#include <cstdio>

#include "cli_commands.h"

namespace janus_cli {

namespace {
bool g_verbose = false;

void log_to_stderr(janus_log_level level, const char* msg, void*) {
  if (level < JANUS_LOG_WARN && !g_verbose) return;
  static const char* names[] = {"debug", "info", "warning", "error"};
  std::fprintf(stderr, "janus: %s: %s\n", names[level], msg);
}

// Download/load progress as a single redrawn line, only on a terminal.
int progress_bar(const char* stage, uint64_t done, uint64_t total, void*) {
  if (!isatty(STDERR_FILENO)) return 0;
  if (total > 0) {
    int pct = int(done * 100 / total);
    std::fprintf(stderr, "\r%-40.40s %3d%% %8.1f/%.1f MB", stage, pct, done / 1e6, total / 1e6);
  } else {
    std::fprintf(stderr, "\r%-40.40s %8.1f MB", stage, done / 1e6);
  }
  if (total > 0 && done >= total) std::fputc('\n', stderr);
  std::fflush(stderr);
  return 0;
}
}  // namespace

void install_logger(const CommonOptions& c) {
  g_verbose = c.verbose;
  janus_set_log_callback(log_to_stderr, nullptr);
}

janus_model_params model_params(const CommonOptions& c, bool load_tensors) {
  janus_model_params p = janus_model_default_params();
  p.cache_dir = c.cache_dir.empty() ? nullptr : c.cache_dir.c_str();
  p.revision = c.revision.c_str();
  p.offline = c.offline;
  p.load_tensors = load_tensors;
  p.weights = c.quant == "q8_0"                      ? JANUS_WEIGHTS_Q8_0
              : c.quant == "q4_0" || c.quant == "q4" ? JANUS_WEIGHTS_Q4_0
                                                     : JANUS_WEIGHTS_NATIVE;
  p.progress = progress_bar;
  return p;
}

int report_error(janus_status s) {
  std::fprintf(stderr, "janus: error: %s\n", janus_last_error());
  return s == JANUS_ERR_INVALID_ARGUMENT ? 2 : 1;
}

}  // namespace janus_cli

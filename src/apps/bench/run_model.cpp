// One model: load (timed), a context, the selected tests in order, then the process's peak RSS.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "bench.h"

namespace janus_bench {

namespace {

// Process-wide peak resident set in bytes (Linux reports ru_maxrss in KiB).
double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) * 1024.0;
}

struct ModelHandle {
  janus_model* m = nullptr;
  janus_context* c = nullptr;
  ~ModelHandle() {
    janus_context_free(c);
    janus_model_free(m);
  }
};

}  // namespace

void bench_model(const Options& o, const janus_machine_limits& lim, const std::string& path,
                 const std::string& quant, janus_model* vae, std::vector<Row>& rows) {
  if (!std::filesystem::exists(path)) throw std::runtime_error("model not found: " + path);
  ModelHandle h;
  janus_model_params mp = janus_model_default_params();
  mp.offline = 1;  // a benchmark never downloads
  mp.weights = quant == "q8_0"   ? JANUS_WEIGHTS_Q8_0
               : quant == "q4_0" ? JANUS_WEIGHTS_Q4_0
                                 : JANUS_WEIGHTS_NATIVE;
  const auto t0 = std::chrono::steady_clock::now();
  check(janus_model_load(path.c_str(), &mp, &h.m), "loading " + path);
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ModelRun r{o,
             lim,
             model_facts(janus_model_info_json(h.m)),
             h.m,
             nullptr,
             vae,
             std::filesystem::path(path).filename().string() + (quant == "none" ? "" : " " + quant),
             rows};
  janus_context_params cp = janus_context_default_params();
  cp.n_threads = o.threads;
  cp.precision = o.precision == "fp32" ? JANUS_PRECISION_FP32 : JANUS_PRECISION_BF16;
  check(janus_context_create(h.m, &cp, &h.c), "creating a context");
  r.ctx = h.c;

  if (o.wants("load"))
    r.time_row("load", "load", "ms", load_ms, 1e3, Bound::Memory, r.f.total_bytes / (lim.mem_read_gbs * 1e9),
               "weights read once at the measured bandwidth");
  if (o.wants("understand")) test_understand(r);
  if (r.f.autoregressive()) {
    if (o.wants("vq")) test_vq(r);
    if (o.wants("generate")) test_generate(r);
  } else if (o.wants("flow")) {
    if (vae)
      test_flow(r);
    else
      std::fprintf(stderr, "janus-bench: %s: flow test skipped (JanusFlow needs --vae)\n", r.name.c_str());
  }
  double floor = r.f.total_bytes;
  if (vae && !r.f.autoregressive()) floor += model_facts_bytes(vae);
  r.time_row("memory", "peak_rss", "MB", peak_rss_bytes() / 1e6, 1.0, Bound::Memory, floor / 1e6,
             "process-wide peak so far; roofline = weight bytes");
}

}  // namespace janus_bench

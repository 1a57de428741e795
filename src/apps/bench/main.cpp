// janus-bench: speed of every phase of Janus / JanusFlow beside its roofline (see docs/bench.md).
// Uses only the public API.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <string>

#include "bench.h"

namespace {

janus_model* load_vae(const std::string& path) {
  if (path.empty()) return nullptr;
  janus_model_params mp = janus_model_default_params();
  mp.offline = 1;
  janus_model* m = nullptr;
  janus_bench::check(janus_model_load(path.c_str(), &mp, &m), "loading the VAE " + path);
  if (std::string(janus_model_info_json(m)).find("\"model_kind\":\"AutoencoderKL\"") == std::string::npos) {
    janus_model_free(m);
    throw std::runtime_error("--vae " + path + " is not a VAE (AutoencoderKL folder)");
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  janus_bench::Options o;
  std::string tests = "load,understand,vq,generate,flow";
  CLI::App app{"janus-bench: phase timings of Janus / JanusFlow beside their rooflines"};
  app.add_option("-m,--model", o.models, "model folder (repeatable)")->required();
  app.add_option("--vae", o.vae, "SDXL-VAE folder (AutoencoderKL) for the JanusFlow tests");
  app.add_option("-t,--threads", o.threads, "threads (<= 0: all cores)");
  app.add_option("--precision", o.precision, "bf16 or fp32")->check(CLI::IsMember({"bf16", "fp32"}));
  app.add_option("-o,--output", o.output, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  app.add_option("--tests", tests, "comma list of load,understand,vq,generate,flow")->capture_default_str();
  std::string quants = "none";
  app.add_option("--quant", quants, "comma list of weight types to run each model with: none,q8_0,q4_0")
      ->capture_default_str();
  app.add_option("-r,--reps", o.reps, "repetitions per test (median reported)")->check(CLI::Range(1, 100));
  app.add_option("--machine-seconds", o.machine_seconds, "time for the machine limits (bandwidth, GEMM)")
      ->check(CLI::Range(0.01, 600.0))
      ->capture_default_str();
  app.add_option("--decode-tokens", o.decode_tokens, "understanding decode steps timed")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--image-tokens", o.image_tokens, "autoregressive token steps timed (of 576)")
      ->check(CLI::Range(1, 575))
      ->capture_default_str();
  app.add_option("--flow-steps", o.flow_steps, "JanusFlow Euler steps run (>= 2 separates the first)")
      ->check(CLI::Range(1, 200))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::stringstream ss(tests);
  for (std::string t; std::getline(ss, t, ',');) {
    if (t != "load" && t != "understand" && t != "vq" && t != "generate" && t != "flow") {
      std::fprintf(stderr, "janus-bench: error: unknown test \"%s\" (load, understand, vq, generate, flow)\n",
                   t.c_str());
      return 2;
    }
    o.tests.push_back(t);
  }
  o.quants.clear();
  std::stringstream qs(quants);
  for (std::string q; std::getline(qs, q, ',');) {
    if (q == "q4") q = "q4_0";
    if (q != "none" && q != "q8_0" && q != "q4_0") {
      std::fprintf(stderr, "janus-bench: error: unknown weight type \"%s\" (none, q8_0, q4_0)\n", q.c_str());
      return 2;
    }
    o.quants.push_back(q);
  }

  janus_model* vae = nullptr;
  try {
    vae = load_vae(o.vae);
    janus_machine_limits lim{};
    janus_bench::check(janus_measure_machine(o.threads, o.machine_seconds, &lim), "measuring the machine");
    std::vector<janus_bench::Row> rows;
    janus_bench::machine_rows(lim, rows);
    for (const std::string& m : o.models)
      for (const std::string& q : o.quants) janus_bench::bench_model(o, lim, m, q, vae, rows);
    if (o.output == "csv")
      janus_bench::print_csv(rows);
    else if (o.output == "json")
      janus_bench::print_json(rows, lim, o);
    else
      janus_bench::print_table(rows, lim);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "janus-bench: error: %s\n", e.what());
    janus_model_free(vae);
    return 1;
  }
  janus_model_free(vae);
  return 0;
}

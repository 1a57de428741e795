// Flags shared by `understand`, `chat` (and later `generate`), and their mapping to the C API.
#include "run_options.h"

namespace janus_cli {

void add_run_options(CLI::App* sub, RunOptions& o) {
  sub->add_option("-m,--model", o.model, "model folder or hub repo id")->required();
  sub->add_option("--precision", o.precision, "bf16 (as the official bf16 run) or fp32 (exact reference)")
      ->check(CLI::IsMember({"bf16", "fp32"}));
  sub->add_option("-t,--threads", o.threads, "threads (default: all cores)");
  sub->add_flag("--reference-ops", o.reference_ops, "plain reference kernels only (slow; for debugging)");
  sub->add_option("--dump-dir", o.dump_dir, "write named intermediate tensors there as .npy");
  sub->add_option("-n,--max-tokens", o.max_tokens, "maximum new tokens")->check(CLI::Range(1, 1 << 20));
  sub->add_option("--temperature", o.temperature, "0 = greedy (default, as the official examples)")
      ->check(CLI::Range(0.0f, 100.0f));
  sub->add_option("--top-p", o.top_p, "nucleus sampling threshold")->check(CLI::Range(0.0f, 1.0f));
  sub->add_option("--top-k", o.top_k, "keep the k most likely tokens (0 = off)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--repeat-penalty", o.repetition_penalty, "repetition penalty (1 = off)")
      ->check(CLI::Range(0.01f, 100.0f));
  sub->add_option("-s,--seed", o.seed, "sampling seed");
  sub->add_option("--stop", o.stop, "stop string (repeatable)");
}

janus_context_params context_params(const RunOptions& o) {
  janus_context_params p = janus_context_default_params();
  p.n_threads = o.threads;
  p.precision = o.precision == "fp32" ? JANUS_PRECISION_FP32 : JANUS_PRECISION_BF16;
  p.reference_ops = o.reference_ops;
  p.dump_dir = o.dump_dir.empty() ? nullptr : o.dump_dir.c_str();
  return p;
}

janus_understand_params understand_params(const RunOptions& o, std::vector<const char*>& stop_ptrs) {
  janus_understand_params p = janus_understand_default_params();
  p.max_new_tokens = o.max_tokens;
  p.sampling.temperature = o.temperature;
  p.sampling.top_p = o.top_p;
  p.sampling.top_k = o.top_k;
  p.sampling.repetition_penalty = o.repetition_penalty;
  p.sampling.seed = o.seed;
  stop_ptrs.clear();
  for (const std::string& s : o.stop) stop_ptrs.push_back(s.c_str());
  p.stop = stop_ptrs.data();
  p.n_stop = stop_ptrs.size();
  return p;
}

}  // namespace janus_cli

// janus-bench: shared types of the benchmark app (public API only).
#pragma once

#include <string>
#include <vector>

#include "janus.h"

namespace janus_bench {

struct Options {
  std::vector<std::string> models;
  std::string vae;
  int threads = 0;  // <= 0: all cores
  std::string precision = "bf16";
  std::string output = "table";
  std::vector<std::string> tests;
  std::vector<std::string> quants = {"none"};  // weight types, each model is run with each
  int reps = 1;
  double machine_seconds = 3.0;
  int decode_tokens = 32;  // understanding decode steps timed
  int image_tokens = 16;   // autoregressive token steps timed (of 576)
  int flow_steps = 2;      // JanusFlow Euler steps run
  bool wants(const std::string& t) const;
};

// What a row's roofline divides by.
enum class Bound { None, Memory, Compute };

// One measured figure. `time` figures are better when lower, `rate` figures when higher; either way
// ratio = the fraction of the roofline attained (roofline time ÷ measured time, measured rate ÷ roofline
// rate), 1 = at the machine's limit.
struct Row {
  std::string model, test, metric, unit;
  bool time = true;
  double value = 0;
  Bound bound = Bound::None;
  double roofline = 0;      // 0: none; compute-bound rows: against the bf16 GEMM peak
  double roofline_f32 = 0;  // compute-bound rows: against the f32 GEMM peak
  std::string note;
  double ratio() const { return ratio_of(roofline); }
  double ratio_f32() const { return ratio_of(roofline_f32); }
  double ratio_of(double r) const { return r > 0 && value > 0 ? (time ? r / value : value / r) : 0; }
};

// Weight facts of a model from janus_model_info_json (bytes as stored).
struct ModelFacts {
  std::string kind;  // model_kind: "Janus", "Janus-Pro" or "JanusFlow"
  double total_bytes = 0;
  double llm_layer_params = 0, llm_layer_bytes = 0, lm_head_params = 0, lm_head_bytes = 0;
  double gen_step_bytes = 0;  // AR: gen_head + gen_aligner weights streamed per token step
  int layers = 0, hidden = 0, codebook = 0;
  // Understanding encoder: ViT blocks actually run, their params, patches, aligner params.
  double vit_block_params = 0, vit_patch_params = 0, und_aligner_params = 0;
  int vit_blocks_used = 0, vit_width = 0, patches = 0;
  bool autoregressive() const;
};
ModelFacts model_facts(const std::string& info_json);
// Bytes of every tensor of a loaded model (any kind, e.g. the VAE).
double model_facts_bytes(const janus_model* m);

// Machine rows, then the figures of one model appended to rows. Throw std::runtime_error with the
// API's message on failure.
void machine_rows(const janus_machine_limits& m, std::vector<Row>& rows);
// quant: "none", "q8_0" or "q4_0" (quantized at load; rows are labelled "<folder> <quant>").
void bench_model(const Options& o, const janus_machine_limits& m, const std::string& path,
                 const std::string& quant, janus_model* vae, std::vector<Row>& rows);

// Median of repeated measurements (the reps).
double median(std::vector<double> v);

// Output writers.
void print_table(const std::vector<Row>& rows, const janus_machine_limits& m);
void print_csv(const std::vector<Row>& rows);
void print_json(const std::vector<Row>& rows, const janus_machine_limits& m, const Options& o);

// Throws std::runtime_error("<what>: <janus_last_error()>") unless s is JANUS_OK.
void check(janus_status s, const std::string& what);

}  // namespace janus_bench

namespace janus_bench {

// One model under test: its handles and where its rows go.
struct ModelRun {
  const Options& o;
  const janus_machine_limits& m;
  ModelFacts f;
  janus_model* model = nullptr;
  janus_context* ctx = nullptr;
  janus_model* vae = nullptr;
  std::string name;
  std::vector<Row>& rows;
  double vq_ms = 0, vq_flops = 0;  // one image's VQ decode, once test_vq ran (added to s per image)
  // Appends a row; for Bound::Compute, `work` is FLOPs (per unit of the value) and both peaks give
  // rooflines; for Bound::Memory, `work` is seconds of the roofline (time rows) directly.
  void time_row(const std::string& test, const std::string& metric, const std::string& unit, double value,
                double scale, Bound bound, double work, const std::string& note = "");
  void rate_row(const std::string& test, const std::string& metric, const std::string& unit, double value,
                Bound bound, double roof_rate, double roof_rate_f32, const std::string& note = "");
};

void test_understand(ModelRun& r);
void test_generate(ModelRun& r);
void test_vq(ModelRun& r);
void test_flow(ModelRun& r);

}  // namespace janus_bench

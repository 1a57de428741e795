// Sub-command entry points of the `janus` CLI; each returns the process exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "janus.h"

namespace janus_cli {

struct CommonOptions {
  std::string cache_dir;
  std::string revision = "main";
  bool offline = false;
  bool verbose = false;
  std::string quant = "none";  // --quant: none | q8_0 | q4_0
};

struct InfoOptions {
  std::string model;
  bool json = false;
  bool tensors = false;
};

struct TokenizeOptions {
  std::string model;
  std::string text;
  bool text_given = false;  // TEXT may legitimately be ""
  bool no_bos = false;
  bool json = false;
  bool jsonl = false;
};

// Options shared by the commands that run the model.
struct RunOptions {
  std::string model;
  std::string precision = "bf16";  // bf16 | fp32
  int threads = 0;
  bool reference_ops = false;
  std::string dump_dir;
  int max_tokens = 512;
  float temperature = 0.0f;
  float top_p = 1.0f;
  int top_k = 0;
  float repetition_penalty = 1.0f;
  uint64_t seed = 0;
  std::vector<std::string> stop;
};

struct UnderstandOptions {
  RunOptions run;
  std::vector<std::string> images;
  std::string prompt;
  std::string conversation;  // FILE.json: [{"role","content","images":[paths]}, ...]
  bool json = false;
};

struct GenerateOptions {
  RunOptions run;
  std::string prompt;
  std::string out = "out.png";
  int n = 1;
  float cfg = -1.0f;         // < 0: the model's default (5; JanusFlow 2)
  float temperature = 1.0f;  // the official generation default
  bool seed_given = false;
  bool sampling_given = false;  // --temperature/--top-k/--top-p (autoregressive models only)
  int steps = 0;                // JanusFlow Euler steps; 0 = 30
  std::string vae;              // JanusFlow VAE folder or repo id ("" = stabilityai/sdxl-vae)
  std::string noise;            // JanusFlow initial latent .npy
  int upscale = 0;
  bool force = false;
  bool quiet = false;
};

struct DecodeVqOptions {
  RunOptions run;
  std::string tokens;
  std::string out = "out.png";
  bool force = false;
};

int run_info(const InfoOptions& o, const CommonOptions& c);
int run_generate(const GenerateOptions& o, const CommonOptions& c);
int run_decode_vq(const DecodeVqOptions& o, const CommonOptions& c);

struct DecodeVaeOptions {
  RunOptions run;  // run.model unused: the VAE is --vae
  std::string vae, latent;
  std::string out = "out.png";
  bool force = false;
};
int run_decode_vae(const DecodeVaeOptions& o, const CommonOptions& c);
int run_understand(const UnderstandOptions& o, const CommonOptions& c);
int run_chat(const RunOptions& o, const CommonOptions& c);
// Adds the RunOptions flags to a sub-command.
void add_run_options(CLI::App* sub, RunOptions& o);
int run_tokenize(const TokenizeOptions& o, const CommonOptions& c);

struct QuantizeOptions {
  std::string model, out;
  std::string type = "q8_0";  // q8_0 | q4_0 | bf16 (as stored)
  bool force = false;
  bool quiet = false;
  CLI::App* cmd = nullptr;  // set by add_quantize_command
};
// Registers `quantize` (its own hub flags; --quant does not apply to it).
void add_quantize_command(CLI::App& app, QuantizeOptions& q, CommonOptions& c);
int run_quantize(const QuantizeOptions& q, const CommonOptions& c);

// Shared by commands: model params from the common flags, a stderr logger and progress bar.
janus_model_params model_params(const CommonOptions& c, bool load_tensors);
void install_logger(const CommonOptions& c);
// Prints "janus: error: <message>" to stderr and returns the exit status for a failed call.
int report_error(janus_status s);

}  // namespace janus_cli

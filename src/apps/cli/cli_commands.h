// Sub-command entry points of the `janus` CLI; each returns the process exit status.
#pragma once

#include <string>

#include "janus.h"

namespace janus_cli {

struct CommonOptions {
  std::string cache_dir;
  std::string revision = "main";
  bool offline = false;
  bool verbose = false;
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

int run_info(const InfoOptions& o, const CommonOptions& c);
int run_tokenize(const TokenizeOptions& o, const CommonOptions& c);

// Shared by commands: model params from the common flags, a stderr logger and progress bar.
janus_model_params model_params(const CommonOptions& c, bool load_tensors);
void install_logger(const CommonOptions& c);
// Prints "janus: error: <message>" to stderr and returns the exit status for a failed call.
int report_error(janus_status s);

}  // namespace janus_cli

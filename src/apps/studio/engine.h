// The studio's use of the public API: one model and context; generation of K candidates, the
// VQAScore-style alignment score (janus_answer_probability), and copy from an image + instruction.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "janus.h"
#include "raster.h"

namespace janus::studio {

struct EngineOptions {
  std::string model, cache_dir, revision = "main", precision = "bf16", quant = "none";
  bool offline = false;
  int threads = 0;
};

struct Alignment {
  double p_yes = 0, p_no = 0;  // summed over the spellings " Yes", "Yes", " yes", "yes" (resp. No)
};

class Engine {
 public:
  explicit Engine(const EngineOptions& o);  // StudioError with the API's message
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // K images of one prompt from one seed (a batch: image k is out-(k+1) of `janus generate -n K --seed`).
  std::vector<Raster> generate(const std::string& prompt, int k, uint64_t seed, float cfg, float temperature,
                               int upscale, const std::atomic<bool>& cancel);
  Alignment score(const std::string& image_path, const std::string& question);
  // Greedy answer about an image (or none when image_path is ""), at most max_tokens tokens; stops
  // early (returning what it has) once `cancel` is set.
  std::string ask(const std::string& image_path, const std::string& instruction, int max_tokens,
                  const std::atomic<bool>* cancel = nullptr);
  const std::string& info_json() const { return info_; }

 private:
  std::vector<int32_t> first_tokens(const std::vector<const char*>& spellings,
                                    std::vector<const char*>* kept);
  janus_model* model_ = nullptr;
  janus_context* ctx_ = nullptr;
  std::string info_;
};

}  // namespace janus::studio

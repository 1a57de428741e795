// Autoregressive text-to-image token generation for Janus-1.3B / Janus-Pro (official
// generation_inference.py, spec janus.md §5.4-5.5 and §8.1): the generation prompt and its
// unconditional twin run as one batch of 2·n rows (row 2i conditional, 2i+1 unconditional, as the
// official interleaving), then image_tokens steps of gen_head → CFG → temperature / top-k / top-p →
// seeded draw, feeding gen_aligner(gen_embed(code)) back to both rows of each pair (KV cache).
// The codes go to the VQ decoder (models/vq_decoder.h) to become pixels.
//
//   auto bundle = load_model_bundle(dir, true);
//   auto gm = build_generation_model(*bundle, ops::Precision::BF16);
//   GenerateResult r = generate_tokens(*bundle, *gm, ctx, "A red fox in the snow", {.n = 4, .seed = 42});
//   // r.tokens: [4, 576] codes in raster order (row t / 24, column t % 24)
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/ops/ops.h"
#include "models/dump.h"

namespace janus {

struct ModelBundle;
struct GenerationModel;

// The pad token the official processor writes into the unconditional prompt (looked up by this string:
// its id differs between checkpoints; never EOS, spec §4.4).
inline constexpr const char* kGenPadTag =
    "<\xEF\xBD\x9C\xE2\x96\x81pad\xE2\x96\x81\xEF\xBD\x9C>";  // <｜▁pad▁｜>

struct GenerationPrompt {
  std::string text;                 // rendered prompt, ends with the image start tag
  std::vector<int32_t> ids;         // [T]: BOS ... image start tag
  std::vector<int32_t> uncond_ids;  // [T]: ids with positions 1 .. T-2 replaced by the pad id
};

// §5.4/5.5: no system prompt, one user turn (role "<|User|>" when the tokenizer has it, else "User"),
// an empty assistant turn, then the image start tag with no separator. Error(InvalidArgument) for an
// empty (all-whitespace) prompt; Error(Model) naming tokenizer.json when the pad, BOS or start tag has
// no id. JanusFlow (janusflow.md §6.3): plain roles, pad falls back to EOS, uncond = [BOS, pad × (T−1)].
GenerationPrompt build_generation_prompt(const ModelBundle& m, const std::string& prompt);

struct GenerateParams {
  int n = 1;               // images, 1..16 (2·n LLM rows)
  float cfg = 5;           // CFG weight w: logits = uncond + w·(cond − uncond); finite, 0..100
  float temperature = 1;   // 0: argmax (lowest index on ties), else sample from softmax(logits / T); 0..100
  int top_k = 0;           // 0: off
  float top_p = 1;         // 1: off; (0, 1]
  uint64_t seed = 0;       // image i draws from its own stream, Rng(seed + i): image i of a batch equals
                           // the single image generated with seed + i, whatever n and the thread count
  int image_tokens = 576;  // codes per image, 1..processor num_image_tokens (fewer: tests, previews)
  const std::atomic<bool>* cancel = nullptr;          // polled before the prefill and every step
  std::function<bool(int step, int total)> progress;  // after each step (1..total); false = cancel
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // [n, image_tokens], image-major; -1 past steps_done when cancelled
  std::vector<int32_t> input_ids, uncond_ids;  // [T] each
  int steps_done = 0;
  bool cancelled = false;
  double prefill_ms = 0, steps_ms = 0;  // prefill (T positions × 2n rows); all steps after it
};

// The official per-image draw (temperature already applied, no top-k/top-p): multinomial over every
// code of softmax(logits), by inverse CDF in index order: the first code whose cumulative probability
// exceeds u·total (u in [0, 1)). bf16 rounds the probabilities to bf16 first, as the official bf16
// softmax output is. NaN logits have probability 0; -1 when no logit is a number.
int32_t draw_code(std::span<const float> logits, bool bf16, double u);

// Validates params (Error(InvalidArgument) naming the field: n, cfg, temperature, top_k, top_p,
// image_tokens, context overflow), builds the prompts, runs the loop. `gm` must be built from `m` with
// ctx's precision. Dumps (when set): "input_ids" int64 [T], "uncond_input_ids" int64 [T],
// "cfg_logits_0" f32 [n, K] (after CFG, first step), "image_tokens" int64 [n, image_tokens].
GenerateResult generate_tokens(const ModelBundle& m, const GenerationModel& gm, const ops::Context& ctx,
                               const std::string& prompt, const GenerateParams& params,
                               const DumpFn& dump = {});

}  // namespace janus

// JanusFlow text-to-image: the official rectified-flow loop (demo/app_janusflow.py, spec janusflow.md
// §6). Conditional and unconditional rows (all cond first) share one latent; each Euler step encodes it
// with the UViT encoder, runs [prompt, time token, 576 latent tokens] through the LLM, decodes the last
// 576 hidden states into a velocity, mixes v = w·v_cond − (w−1)·v_uncond and steps z += dt·v.
// The prompt's K/V are computed once and reused by every step (the demo means to but recomputes
// everything: FlowParams::recompute runs that reference path; both agree within float tolerance).
//
//   auto fm = build_flow_model(*bundle, ops::Precision::BF16);
//   FlowResult r = generate_flow(*bundle, *fm, ctx, "A red fox in the snow", {.n = 1, .seed = 42});
//   // r.latent [1, 4, 48, 48] -> VaeDecoder::decode
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/ops/ops.h"
#include "core/tensor.h"
#include "models/dump.h"

namespace janus {

struct ModelBundle;
struct FlowModel;

struct FlowParams {
  int n = 1;                     // images, 1..16 (2·n LLM rows)
  int steps = 30;                // Euler steps, 1..200
  float cfg = 2;                 // CFG weight w (the demo's default); finite, 0..100
  uint64_t seed = 0;             // image i's noise comes from its own stream seed + i (see flow_noise)
  std::span<const float> noise;  // optional initial latent [n, 4, S, S] (cross-implementation tests)
  bool recompute = false;        // reference mode: the whole sequence every step, as the demo runs it
  const std::atomic<bool>* cancel = nullptr;          // polled before the prefill and every step
  std::function<bool(int step, int total)> progress;  // after each step (1..total); false = cancel
};

struct FlowResult {
  Tensor latent;                               // [n, C, S, S] after steps_done steps
  std::vector<int32_t> input_ids, uncond_ids;  // [P] each
  int steps_done = 0;
  bool cancelled = false;
  double prefill_ms = 0, steps_ms = 0;
};

// The time grid the network sees (spec §6.2 / Appendix A). BF16 (the official run): dt = bf16(f32(1/steps)),
// t_s = bf16(f32(s/steps·1000)); F32 (reference mode): the same without the bf16 rounding.
struct FlowSchedule {
  float dt = 0;
  std::vector<float> t;  // [steps]
};
FlowSchedule flow_schedule(int steps, bool bf16);

// Standard normal noise for one image [numel] from the stream `seed` (SplitMix64 + Box–Muller):
// image i of a batch equals the single image generated with seed + i, on every machine.
std::vector<float> flow_noise(uint64_t seed, int64_t numel);

// Validates params (Error(InvalidArgument) naming the field: n, steps, cfg, noise shape, context),
// builds the prompt pair, runs the loop. `fm` must be built from `m` with ctx's precision. Dumps (when
// set): "input_ids", "uncond_input_ids" (int64 [P]), "noise" [n,C,S,S] (after the bf16 cast in BF16
// mode), "t_emb_0" [2n,H], "x_emb_0" [2n,W,g,g], "llm_hidden_0" [2n,g·g,H], "velocity_cond_0",
// "velocity_uncond_0", "velocity_0" (after CFG) [n,C,S,S], "latent_{k}" after k steps, "latent_final".
FlowResult generate_flow(const ModelBundle& m, const FlowModel& fm, const ops::Context& ctx,
                         const std::string& prompt, const FlowParams& params, const DumpFn& dump = {});

}  // namespace janus

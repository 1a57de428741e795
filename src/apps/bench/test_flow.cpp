// JanusFlow text-to-image: a few Euler steps of one image (each step = the LLM over the 576 latent
// tokens of the cond/uncond pair plus the UViT encoder and decoder), then the SDXL-VAE decode.
// The progress callback stamps time and the FLOP counter after every step, so one run gives the
// step and the VAE apart.
#include <chrono>
#include <vector>

#include "bench.h"

namespace janus_bench {

namespace {

struct Stamp {
  double t;        // seconds since the start of the call
  uint64_t flops;  // janus_flops_counted() then
};

struct Recorder {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::vector<Stamp> steps;
};

int on_step(const char*, uint64_t, uint64_t, void* user) {
  auto* rec = static_cast<Recorder*>(user);
  rec->steps.push_back({std::chrono::duration<double>(std::chrono::steady_clock::now() - rec->t0).count(),
                        janus_flops_counted()});
  return 0;
}

}  // namespace

void test_flow(ModelRun& r) {
  std::vector<double> step_s, vae_ms;
  double step_flops = 0, vae_flops = 0;
  for (int rep = 0; rep < r.o.reps; ++rep) {
    Recorder rec;
    janus_generate_params p = janus_generate_default_params();
    p.n_images = 1;
    p.seed = 1;
    p.steps = r.o.flow_steps;
    p.vae = r.vae;
    p.progress = on_step;
    p.progress_user = &rec;
    janus_image img{};
    janus_generate_stats st{};
    const uint64_t f_start = janus_flops_counted();
    check(janus_generate(r.ctx, "A red fox in the snow, digital art", &p, &img, &st), "JanusFlow generate");
    const uint64_t f_end = janus_flops_counted();
    janus_image_free(&img);
    const size_t S = rec.steps.size();
    if (S >= 2) {  // steps after the first: no one-time work (weight caches, primitives) inside
      step_s.push_back((rec.steps[S - 1].t - rec.steps[0].t) / double(S - 1));
      step_flops = double(rec.steps[S - 1].flops - rec.steps[0].flops) / double(S - 1);
    } else {
      step_s.push_back(st.tokens_ms * 1e-3 / st.steps);
      step_flops = S ? double(rec.steps[0].flops - f_start) : 0;  // includes the prompt prefill
    }
    vae_ms.push_back(st.decode_ms);
    vae_flops = S ? double(f_end - rec.steps[S - 1].flops) : 0;
  }
  r.time_row("flow", "flow_step", "s", median(step_s), 1.0, Bound::Compute, step_flops,
             "n=1, CFG pair, counted FLOPs");
  r.time_row("flow", "vae_decode", "ms", median(vae_ms), 1e3, Bound::Compute, vae_flops,
             "1 image 384x384, counted FLOPs");
}

}  // namespace janus_bench

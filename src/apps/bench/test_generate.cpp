// Autoregressive text-to-image (Janus-1.3B / Janus-Pro): a few token steps of a batch of n = 1 and
// n = 4 images (janus_generate_params.image_tokens stops early), extrapolated to the 576 steps of an
// image; and the VQ decoder on random codes.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench.h"
#include "roofline.h"

namespace janus_bench {

namespace {
constexpr int kTokensPerImage = 576;  // 24 x 24 codes of a 384² image
}

void test_generate(ModelRun& r) {
  const double step_roof = ar_step_roof_s(r.f, r.m.mem_read_gbs);
  for (int n : {1, 4}) {
    janus_generate_params p = janus_generate_default_params();
    p.n_images = n;
    p.seed = 1;
    p.image_tokens = r.o.image_tokens;
    std::vector<janus_image> images(static_cast<size_t>(n));
    std::vector<double> step_ms, image_s;
    for (int rep = 0; rep < r.o.reps; ++rep) {
      janus_generate_stats st{};
      check(janus_generate(r.ctx, "A red fox in the snow, digital art", &p, images.data(), &st),
            "generate n=" + std::to_string(n));
      const double ms = st.tokens_ms / st.steps;
      step_ms.push_back(ms);
      // A whole batch: prefill + 576 steps, shared by its n images; each image is then VQ-decoded.
      image_s.push_back((st.prefill_ms + kTokensPerImage * ms) / n * 1e-3 + r.vq_ms * 1e-3);
    }
    const std::string sfx = "_n" + std::to_string(n);
    r.time_row("generate", "ar_token_step" + sfx, "ms", median(step_ms), 1e3, Bound::Memory, step_roof,
               std::to_string(r.o.image_tokens) + " steps of " + std::to_string(2 * n) + " CFG rows");
    // The image floor: 576 steps of the batch shared by n images, plus one VQ decode at the GEMM peak.
    const double vq_roof =
        r.vq_flops / ((r.m.gemm_bf16_gflops > 0 ? r.m.gemm_bf16_gflops : r.m.gemm_f32_gflops) * 1e9);
    r.time_row("generate", "ar_image" + sfx, "s", median(image_s), 1.0, Bound::Memory,
               kTokensPerImage * step_roof / n + vq_roof,
               r.vq_ms > 0 ? "extrapolated to 576 steps, incl. prefill and VQ decode"
                           : "extrapolated to 576 steps, incl. prefill (no VQ decode: vq test off)");
  }
}

void test_vq(ModelRun& r) {
  std::vector<int32_t> codes(kTokensPerImage);  // [1, 576] raster order
  uint32_t s = 7;
  for (int32_t& c : codes) {
    s = s * 1664525u + 1013904223u;
    c = int32_t((s >> 8) % uint32_t(r.f.codebook > 0 ? r.f.codebook : 1));
  }
  std::vector<double> ms;
  double flops = 0;
  for (int rep = 0; rep < r.o.reps; ++rep) {
    janus_image img{};
    const uint64_t f0 = janus_flops_counted();
    const auto t0 = std::chrono::steady_clock::now();
    check(janus_decode_vq(r.ctx, codes.data(), 1, codes.size(), &img), "VQ decode");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    flops = double(janus_flops_counted() - f0);
    janus_image_free(&img);
  }
  r.vq_ms = median(ms);
  r.vq_flops = flops;
  r.time_row("vq", "vq_decode", "ms", r.vq_ms, 1e3, Bound::Compute, flops, "1 image, counted FLOPs");
}

}  // namespace janus_bench

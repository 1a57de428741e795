// Understanding: one image question (image encode, prefill of ~600 positions: 576 image tokens and
// the template) and a fixed number of greedy decode steps.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "bench.h"
#include "roofline.h"

namespace janus_bench {

namespace {

// A 384x384 colour gradient written as PNG (the API reads images from files or encoded bytes).
std::string write_test_image() {
  const int S = 384;
  std::vector<uint8_t> rgb(size_t(S) * S * 3);  // [S, S, 3]
  for (int y = 0; y < S; ++y)
    for (int x = 0; x < S; ++x) {
      uint8_t* p = &rgb[(size_t(y) * S + x) * 3];
      p[0] = uint8_t(x * 255 / S);
      p[1] = uint8_t(y * 255 / S);
      p[2] = uint8_t((x + y) * 127 / S);
    }
  janus_image img{S, S, rgb.data()};
  const std::string path =
      (std::filesystem::temp_directory_path() / ("janus-bench-" + std::to_string(getpid()) + ".png"))
          .string();
  check(janus_write_png(path.c_str(), &img, nullptr, nullptr, 0, 1), "writing the test image");
  return path;
}

}  // namespace

void test_understand(ModelRun& r) {
  const std::string image = write_test_image();
  janus_image_input in{image.c_str(), nullptr, 0};
  janus_message msg{"user", "<image_placeholder>\nDescribe this image in detail.", &in, 1};
  janus_understand_params p = janus_understand_default_params();
  p.max_new_tokens = r.o.decode_tokens + 1;  // the first token comes from the prefill's logits
  std::vector<double> enc, pre_tps, dec_tps;
  int T = 0, forwards = 0;
  for (int rep = 0; rep < r.o.reps; ++rep) {
    janus_context_reset(r.ctx);  // no KV reuse between repetitions
    janus_understand_stats st{};
    char* answer = nullptr;
    const janus_status s = janus_understand(r.ctx, &msg, 1, &p, nullptr, nullptr, &answer, &st);
    janus_string_free(answer);
    if (s != JANUS_OK) std::filesystem::remove(image);
    check(s, "understand");
    T = st.prompt_tokens;
    forwards = st.generated_tokens - 1;  // decode forwards: every token after the first but the last
    enc.push_back(st.encode_ms);
    pre_tps.push_back(st.prompt_tokens / (st.prefill_ms * 1e-3));
    if (forwards > 0) dec_tps.push_back(forwards / (st.decode_ms * 1e-3));
  }
  std::filesystem::remove(image);
  janus_context_reset(r.ctx);
  const ModelFacts& f = r.f;
  r.time_row("understand", "image_encode", "ms", median(enc), 1e3, Bound::Compute, encode_flops(f),
             std::to_string(f.patches) + " patches");
  const double pf = prefill_flops(f, T);
  r.rate_row("understand", "prefill", "tok/s", median(pre_tps), Bound::Compute,
             T / (pf / (r.m.gemm_bf16_gflops > 0 ? r.m.gemm_bf16_gflops : r.m.gemm_f32_gflops) / 1e9),
             T / (pf / r.m.gemm_f32_gflops / 1e9), std::to_string(T) + " tokens");
  if (!dec_tps.empty())
    r.rate_row("understand", "decode", "tok/s", median(dec_tps), Bound::Memory,
               1.0 / decode_token_roof_s(f, r.m.mem_read_gbs), 0,
               std::to_string(forwards) + " tokens after " + std::to_string(T));
  else
    std::fprintf(stderr, "janus-bench: %s: the answer ended after one token; no decode figure\n",
                 r.name.c_str());
}

}  // namespace janus_bench

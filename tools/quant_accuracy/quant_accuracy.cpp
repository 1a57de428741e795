// janus-quant-accuracy: how far Q8_0 / Q4_0 weights move a model's outputs from the stored weights
// (issue 6 item 5). Teacher-forced, so every step compares the same inputs:
//   text:  the stored-weight model decodes greedily from a fixed prompt; each quantized model is fed
//          the same tokens; per step the logits' relative L2 error and top-1 agreement;
//   image: (Janus / Janus-Pro) the CFG pair of a fixed generation prompt, codes chosen by argmax of
//          the stored-weight model's CFG logits and fed to both; per step the CFG logits' relative
//          L2 error and top-1 agreement.
// Internal API (not an app): it reads logits, which the public API does not expose.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ops/cpu_features.h"
#include "core/thread_pool.h"
#include "models/generation_model.h"
#include "models/llm.h"
#include "models/model_bundle.h"
#include "pipelines/generate_ar.h"

using namespace janus;

namespace {

struct Stats {
  double sum_rel = 0, max_rel = 0;
  int agree = 0, steps = 0;
  void add(const float* ref, const float* got, int64_t n) {
    double num = 0, den = 0;
    int64_t ar = 0, ag = 0;
    for (int64_t i = 0; i < n; ++i) {
      num += double(got[i] - ref[i]) * double(got[i] - ref[i]);
      den += double(ref[i]) * double(ref[i]);
      if (ref[i] > ref[ar]) ar = i;
      if (got[i] > got[ag]) ag = i;
    }
    const double rel = den > 0 ? std::sqrt(num / den) : 0;
    sum_rel += rel;
    max_rel = std::max(max_rel, rel);
    agree += ar == ag;
    ++steps;
  }
};

int64_t argmax(const float* v, int64_t n) {
  int64_t a = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[a]) a = i;
  return a;
}

// Greedy text logits [steps, vocab] of `llm` on prompt + forced tokens (forced empty: choose greedily
// and return the choices in `forced`).
std::vector<float> text_logits(const ops::Context& c, const Llm& llm, const std::vector<int32_t>& prompt,
                               int steps, std::vector<int32_t>& forced) {
  const int64_t H = llm.hidden_size(), V = llm.vocab_size(), T = int64_t(prompt.size());
  const bool choose = forced.empty();
  std::vector<float> out(size_t(steps * V));
  KvCache cache = llm.make_cache(1, T + steps);
  Tensor x = Tensor::f32({1, T, H});
  llm.embed(c, prompt.data(), T, x.f());
  Tensor h = llm.forward(c, x, cache, true);
  for (int s = 0; s < steps; ++s) {
    Tensor l = llm.logits(c, h.reshaped({1, H}));
    std::memcpy(out.data() + size_t(s) * size_t(V), l.f(), size_t(V) * sizeof(float));
    if (choose) forced.push_back(int32_t(argmax(l.f(), V)));
    Tensor e = Tensor::f32({1, 1, H});
    llm.embed(c, &forced[size_t(s)], 1, e.f());
    h = llm.forward(c, e, cache, true);
  }
  return out;
}

// CFG logits [steps, K] of generation with codes forced (forced empty: argmax, returned in `forced`).
std::vector<float> image_logits(const ops::Context& c, const ModelBundle& m, const GenerationModel& gm,
                                const std::string& prompt, float cfg, int steps,
                                std::vector<int32_t>& forced) {
  const GenerationPrompt gp = build_generation_prompt(m, prompt);
  const int64_t H = gm.llm.hidden_size(), K = gm.codes(), T = int64_t(gp.ids.size());
  const bool choose = forced.empty();
  std::vector<float> out(size_t(steps * K));
  Tensor x = Tensor::f32({2, T, H});
  gm.llm.embed(c, gp.ids.data(), T, x.f());
  gm.llm.embed(c, gp.uncond_ids.data(), T, x.f() + T * H);
  KvCache cache = gm.llm.make_cache(2, T + steps);
  Tensor h = gm.llm.forward(c, x, cache, true);
  for (int s = 0; s < steps; ++s) {
    Tensor z = gm.head.forward(c, h.reshaped({2, H}));  // [2, K]: cond, uncond
    float* g = out.data() + size_t(s) * size_t(K);
    for (int64_t k = 0; k < K; ++k) g[k] = z.f()[K + k] + cfg * (z.f()[k] - z.f()[K + k]);
    if (choose) forced.push_back(int32_t(argmax(g, K)));
    Tensor e = gm.embed.forward(c, &forced[size_t(s)], 1);  // [1, H]
    Tensor next = Tensor::f32({2, 1, H});
    std::memcpy(next.f(), e.f(), size_t(H) * sizeof(float));
    std::memcpy(next.f() + H, e.f(), size_t(H) * sizeof(float));
    h = gm.llm.forward(c, next, cache, true);
  }
  return out;
}

double secs_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, quants = "q8_0,q4_0", precision = "bf16", dots = "int8,f32";
  std::string text = "Write a short product description for a lightweight trail running shoe.";
  std::string image_prompt = "A red sneaker on white marble, studio lighting, product photo";
  int text_steps = 256, image_steps = 576, threads = 0;
  float cfg = 5;
  CLI::App app{"janus-quant-accuracy: logits of Q8_0/Q4_0 weights against the stored weights"};
  app.add_option("-m,--model", model, "model folder")->required();
  app.add_option("--quant", quants,
                 "comma list of q8_0, q4_0, and fp32 (stored weights in fp32 mode: the yardstick)")
      ->capture_default_str();
  app.add_option("--precision", precision, "bf16 or fp32")->check(CLI::IsMember({"bf16", "fp32"}));
  app.add_option("--text-steps", text_steps, "greedy text steps compared")->check(CLI::Range(0, 4096));
  app.add_option("--image-steps", image_steps, "image token steps compared")->check(CLI::Range(0, 576));
  app.add_option("--dot", dots, "decode kernels for block weights: int8 (x quantized, VNNI) and/or f32")
      ->capture_default_str();
  app.add_option("--cfg", cfg, "CFG weight of the image steps")->capture_default_str();
  app.add_option("-t,--threads", threads, "threads (<= 0: all cores)");
  CLI11_PARSE(app, argc, argv);
  try {
    ThreadPool pool(threads);
    const ops::Precision p = precision == "fp32" ? ops::Precision::F32 : ops::Precision::BF16;
    const ops::Context c{&pool, p, false};
    auto t0 = std::chrono::steady_clock::now();
    auto ref = load_model_bundle(model, true);
    const bool ar = ref->config.kind == ModelKind::Janus;
    const std::vector<int32_t> prompt = ref->tokenizer->encode(text, true);
    std::vector<int32_t> text_forced, image_forced;
    std::vector<float> ref_text, ref_image;
    {
      Llm llm(*ref->weights, ref->config.language, p);
      ref_text = text_logits(c, llm, prompt, text_steps, text_forced);
    }
    if (ar && image_steps > 0) {
      auto gm = build_generation_model(*ref, p);
      ref_image = image_logits(c, *ref, *gm, image_prompt, cfg, image_steps, image_forced);
    }
    std::fprintf(stderr, "reference (%s weights as stored) done in %.0f s\n", model.c_str(), secs_since(t0));
    ref.reset();  // one model in memory at a time (Pro-7B: 14.8 GB bf16)
    std::printf(
        "| weights | decode dot | text steps | text logits rel-L2 (mean / max) | text top-1 | image steps | "
        "image CFG logits rel-L2 (mean / max) | image top-1 |\n|---|---|---|---|---|---|---|---|\n");
    std::stringstream ss(quants);
    for (std::string qn; std::getline(ss, qn, ',');) {
      // "fp32": the stored weights in exact-f32 mode, a yardstick for the size of bf16's own rounding.
      const bool fp32 = qn == "fp32";
      std::optional<WeightQuant> q = fp32 ? WeightQuant::None : parse_weight_quant(qn);
      if (!q || (*q == WeightQuant::None && !fp32)) throw std::runtime_error("unknown weight type " + qn);
      auto mq = load_model_bundle(model, true, *q);
      const ops::Precision pq = fp32 ? ops::Precision::F32 : p;
      const ops::Context c{&pool, pq, false};
      std::stringstream ds(fp32 ? std::string("-") : dots);
      for (std::string dot; std::getline(ds, dot, ',');) {
        if (dot != "int8" && dot != "f32" && !fp32)
          throw std::runtime_error("--dot: int8 or f32, not " + dot);
        if (dot == "int8" && !ops::has_avx512_vnni()) continue;
        ops::set_quant_int8_dot_preferred(dot == "int8");
        t0 = std::chrono::steady_clock::now();
        Stats ts, is;
        {
          Llm llm(*mq->weights, mq->config.language, pq);
          std::vector<float> got = text_logits(c, llm, prompt, text_steps, text_forced);
          for (int s = 0; s < text_steps; ++s)
            ts.add(ref_text.data() + size_t(s) * size_t(llm.vocab_size()),
                   got.data() + size_t(s) * size_t(llm.vocab_size()), llm.vocab_size());
        }
        if (ar && image_steps > 0) {
          auto gm = build_generation_model(*mq, pq);
          std::vector<float> got = image_logits(c, *mq, *gm, image_prompt, cfg, image_steps, image_forced);
          for (int s = 0; s < image_steps; ++s)
            is.add(ref_image.data() + size_t(s) * size_t(gm->codes()),
                   got.data() + size_t(s) * size_t(gm->codes()), gm->codes());
        }
        auto pct = [](int a, int n) { return n ? 100.0 * a / n : 0.0; };
        std::printf("| %s | %s | %d | %.2e / %.2e | %.1f %% | %d | %.2e / %.2e | %.1f %% |\n", qn.c_str(),
                    dot.c_str(), ts.steps, ts.steps ? ts.sum_rel / ts.steps : 0.0, ts.max_rel,
                    pct(ts.agree, ts.steps), is.steps, is.steps ? is.sum_rel / is.steps : 0.0, is.max_rel,
                    pct(is.agree, is.steps));
        std::fflush(stdout);
        std::fprintf(stderr, "%s/%s done in %.0f s\n", qn.c_str(), dot.c_str(), secs_since(t0));
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "janus-quant-accuracy: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

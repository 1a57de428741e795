// Text-to-image token loop: prompt pair, batched prefill, CFG sampling, code feedback (spec §8.1).
#include "pipelines/generate_ar.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "models/generation_model.h"
#include "models/model_bundle.h"
#include "pipelines/prompt.h"
#include "pipelines/sampling.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace janus {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

Tensor i64_tensor(const std::vector<int32_t>& v, std::vector<int64_t> shape) {
  Tensor t(DType::I64, std::move(shape));
  for (size_t i = 0; i < v.size(); ++i) t.data<int64_t>()[i] = v[i];
  return t;
}

void validate(const GenerateParams& p, int64_t max_tokens) {
  if (p.n < 1 || p.n > 16)
    fail(ErrorKind::InvalidArgument, "generate.n", "must be 1..16 images, got " + std::to_string(p.n));
  if (!std::isfinite(p.cfg) || p.cfg < 0.0f || p.cfg > 100.0f)
    fail(ErrorKind::InvalidArgument, "generate.cfg", "must be a finite number in [0, 100]");
  if (!std::isfinite(p.temperature) || p.temperature < 0.0f || p.temperature > 100.0f)
    fail(ErrorKind::InvalidArgument, "generate.temperature",
         "must be a finite number in [0, 100] (0 = argmax)");
  if (p.top_k < 0) fail(ErrorKind::InvalidArgument, "generate.top_k", "must be >= 0 (0 = off)");
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f))
    fail(ErrorKind::InvalidArgument, "generate.top_p", "must be in (0, 1] (1 = off)");
  if (p.image_tokens < 1 || p.image_tokens > max_tokens)
    fail(ErrorKind::InvalidArgument, "generate.image_tokens",
         "must be 1.." + std::to_string(max_tokens) + ", got " + std::to_string(p.image_tokens));
}

}  // namespace

int32_t draw_code(std::span<const float> s, bool bf16, double u) {
  float mx = -std::numeric_limits<float>::infinity();
  for (float x : s)
    if (x > mx) mx = x;  // NaN never compares greater
  if (!(mx > -std::numeric_limits<float>::infinity())) return -1;
  if (std::isinf(mx)) return argmax(s);  // +inf takes all the mass
  thread_local std::vector<double> e;
  e.resize(s.size());
  double total = 0;
  for (size_t i = 0; i < s.size(); ++i)
    total += (e[i] = std::isnan(s[i]) ? 0.0 : std::exp(double(s[i]) - mx));
  if (bf16) {
    double t2 = 0;
    for (double& x : e) t2 += (x = bf16_to_f32(f32_to_bf16(float(x / total))));
    total = t2;
  }
  const double target = u * total;
  double cum = 0;
  int32_t last = -1;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i] <= 0) continue;
    last = int32_t(i);
    if ((cum += e[i]) > target) return last;
  }
  return last;  // u * total rounded up to the full sum
}

namespace {

// One image's next code from its CFG logits g [K] (modified in place when sampling).
int32_t choose(const ops::Context& c, std::span<float> g, const GenerateParams& p, Rng& rng) {
  if (p.temperature == 0.0f) return argmax(g);
  // softmax(g / T): the division is its own bf16 op in the official bf16 run (spec §9).
  for (float& x : g) x /= p.temperature;
  if (c.bf16()) ops::round_bf16(g.data(), int64_t(g.size()));
  if (p.top_k == 0 && p.top_p >= 1.0f) return draw_code(g, c.bf16(), rng.next_double());
  SamplingParams sp;
  sp.temperature = 1.0f;  // already divided (x / 1 is exact)
  sp.top_k = p.top_k;
  sp.top_p = p.top_p;
  return draw(sampling_candidates(g, sp), rng.next_double());
}

}  // namespace

GenerationPrompt build_generation_prompt(const ModelBundle& m, const std::string& prompt) {
  if (python_strip(prompt).empty()) fail(ErrorKind::InvalidArgument, "prompt", "is empty");
  const PromptFormat f = understanding_format(m);  // template, roles, BOS and tag ids
  const Tokenizer& tok = *m.tokenizer;
  const std::string tok_file = (m.dir / "tokenizer.json").string();
  const bool flow = m.config.kind == ModelKind::JanusFlow;
  // JanusFlow's processor pads with EOS when the vocabulary has no pad token (the bundle resolved it):
  // harmless there, since those positions are masked out of attention (janusflow.md §4.1).
  const int32_t pad = flow ? m.special_id("pad") : tok.token_id(kGenPadTag);
  if (pad < 0)
    fail(ErrorKind::Model, tok_file,
         std::string("no id for the pad token '") + kGenPadTag +
             "' that the unconditional (CFG) prompt needs (EOS is not a substitute)");
  const ChatMessage turns[] = {{f.roles.user, prompt}, {f.roles.assistant, ""}};
  GenerationPrompt g;
  g.text = render_chat(f.chat, "", turns) + m.processor.image_start_tag;
  g.ids = tok.encode(g.text, /*add_bos=*/true);
  if (g.ids.size() < 2 || g.ids.front() != f.bos || g.ids.back() != f.image_start)
    fail(ErrorKind::Model, tok_file, "the generation prompt did not encode to BOS ... image start tag");
  g.uncond_ids = g.ids;
  // Official: Janus pads [1:-1]; the JanusFlow demo pads [1:] (its last slot is replaced by the time token).
  for (size_t i = 1; i + (flow ? 0 : 1) < g.uncond_ids.size(); ++i) g.uncond_ids[i] = pad;
  return g;
}

GenerateResult generate_tokens(const ModelBundle& m, const GenerationModel& gm, const ops::Context& ctx,
                               const std::string& prompt, const GenerateParams& params, const DumpFn& dump) {
  validate(params, m.processor.num_image_tokens);
  GenerationPrompt gp = build_generation_prompt(m, prompt);
  const int64_t n = params.n, B = 2 * n, T = int64_t(gp.ids.size()), H = gm.llm.hidden_size();
  const int64_t K = gm.codes(), steps = params.image_tokens;
  // Prefill T positions, then steps-1 fed-back codes (the last code's embedding is never consumed).
  check_context(T, steps - 1, m.config.language.max_position_embeddings);

  GenerateResult res;
  res.input_ids = gp.ids;
  res.uncond_ids = gp.uncond_ids;
  res.tokens.assign(size_t(n * steps), -1);
  if (dump) {
    dump("input_ids", i64_tensor(gp.ids, {T}));
    dump("uncond_input_ids", i64_tensor(gp.uncond_ids, {T}));
  }
  auto cancelled = [&] { return params.cancel && params.cancel->load(); };
  if (cancelled()) {
    res.cancelled = true;
    return res;
  }

  auto t0 = Clock::now();
  // x [2n, T, H]: rows 2i = conditional, 2i+1 = unconditional (the official interleaving).
  Tensor x = Tensor::f32({B, T, H});
  gm.llm.embed(ctx, gp.ids.data(), T, x.f());
  gm.llm.embed(ctx, gp.uncond_ids.data(), T, x.f() + T * H);
  for (int64_t r = 2; r < B; ++r)
    std::memcpy(x.f() + r * T * H, x.f() + (r % 2) * T * H, size_t(T * H) * sizeof(float));
  KvCache cache = gm.llm.make_cache(B, T + steps - 1);
  Tensor hidden = gm.llm.forward(ctx, x, cache, /*last_only=*/true);  // [2n, 1, H]
  res.prefill_ms = ms_since(t0);

  t0 = Clock::now();
  std::vector<Rng> rng;
  for (int64_t i = 0; i < n; ++i) rng.emplace_back(params.seed + uint64_t(i));
  Tensor g = Tensor::f32({n, K});  // CFG logits, one row per image
  std::vector<int32_t> codes(static_cast<size_t>(n));
  for (int64_t s = 0; s < steps; ++s) {
    Tensor z = gm.head.forward(ctx, hidden.reshaped({B, H}));  // [2n, K]
    // Per image, each from its own stream (independent of the other images and of the thread count).
    auto for_images = [&](const std::function<void(int64_t)>& f) {
      auto run = [&](int64_t i0, int64_t i1, int) {
        for (int64_t i = i0; i < i1; ++i) f(i);
      };
      if (ctx.pool && n > 1)
        ctx.pool->parallel_for(n, run);
      else
        run(0, n, 0);
    };
    for_images([&](int64_t i) {
      cfg_combine(ctx, z.f() + 2 * i * K, z.f() + (2 * i + 1) * K, params.cfg, K, g.f() + i * K);
    });
    if (s == 0 && dump) {
      Tensor g0 = Tensor::f32({n, K});  // a copy: sampling below rewrites `g` in place
      std::memcpy(g0.f(), g.f(), g.nbytes());
      dump("cfg_logits_0", g0);
    }
    for_images([&](int64_t i) {
      codes[size_t(i)] = choose(ctx, {g.f() + i * K, size_t(K)}, params, rng[size_t(i)]);
    });
    for (int64_t i = 0; i < n; ++i) {
      if (codes[size_t(i)] < 0) fail(ErrorKind::Internal, "gen_head", "no finite logit to draw a code from");
      res.tokens[size_t(i * steps + s)] = codes[size_t(i)];
    }
    res.steps_done = int(s + 1);
    const bool stop = (params.progress && !params.progress(int(s + 1), int(steps))) || cancelled();
    if (s + 1 == steps) break;
    if (stop) {
      res.cancelled = true;
      break;
    }
    // Both rows of pair i take gen_aligner(gen_embed(code_i)).
    Tensor e = gm.embed.forward(ctx, codes.data(), n);  // [n, H]
    Tensor next = Tensor::f32({B, 1, H});
    for (int64_t r = 0; r < B; ++r)
      std::memcpy(next.f() + r * H, e.f() + (r / 2) * H, size_t(H) * sizeof(float));
    hidden = gm.llm.forward(ctx, next, cache, /*last_only=*/true);
  }
  res.steps_ms = ms_since(t0);
  if (dump && !res.cancelled) dump("image_tokens", i64_tensor(res.tokens, {n, steps}));
  return res;
}

}  // namespace janus

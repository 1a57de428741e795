// Rectified-flow loop of JanusFlow (spec janusflow.md §6.2-§6.4), with the prompt's KV cache reused.
#include "pipelines/generate_flow.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <numbers>

#include "core/dtype.h"
#include "core/error.h"
#include "models/flow_model.h"
#include "models/model_bundle.h"
#include "pipelines/generate_ar.h"
#include "pipelines/prompt.h"
#include "pipelines/sampling.h"

namespace janus {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

float rb(float v) {
  return bf16_to_f32(f32_to_bf16(v));
}

Tensor i64_tensor(const std::vector<int32_t>& v) {
  Tensor t(DType::I64, {int64_t(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<int64_t>()[i] = v[i];
  return t;
}

Tensor copy_rows(const Tensor& src, int64_t row0, int64_t rows) {  // rows along dim 0
  std::vector<int64_t> shape = src.shape();
  const int64_t per = src.numel() / shape[0];
  shape[0] = rows;
  Tensor out = Tensor::f32(shape);
  std::memcpy(out.f(), src.f() + row0 * per, size_t(rows * per) * sizeof(float));
  return out;
}

void validate(const FlowParams& p, int64_t latent_numel) {
  if (p.n < 1 || p.n > 16)
    fail(ErrorKind::InvalidArgument, "generate.n", "must be 1..16 images, got " + std::to_string(p.n));
  if (p.steps < 1 || p.steps > 200)
    fail(ErrorKind::InvalidArgument, "generate.steps", "must be 1..200, got " + std::to_string(p.steps));
  if (!std::isfinite(p.cfg) || p.cfg < 0.0f || p.cfg > 100.0f)
    fail(ErrorKind::InvalidArgument, "generate.cfg", "must be a finite number in [0, 100]");
  if (!p.noise.empty()) {
    if (int64_t(p.noise.size()) != p.n * latent_numel)
      fail(ErrorKind::InvalidArgument, "generate.noise",
           "has " + std::to_string(p.noise.size()) + " values, expected " + std::to_string(p.n) + " x " +
               std::to_string(latent_numel));
    for (float v : p.noise)
      if (!std::isfinite(v)) fail(ErrorKind::InvalidArgument, "generate.noise", "holds a NaN or infinity");
  }
}

}  // namespace

FlowSchedule flow_schedule(int steps, bool bf16) {
  if (steps < 1) fail(ErrorKind::InvalidArgument, "generate.steps", "must be >= 1");
  FlowSchedule s;
  // Python: dt = 1.0 / steps (a double) added to a bf16 zeros tensor; t = step / steps * 1000. (double)
  // stored as float32, then .to(bf16).
  s.dt = float(1.0 / steps);
  if (bf16) s.dt = rb(s.dt);
  for (int i = 0; i < steps; ++i) {
    const float t = float(double(i) / double(steps) * 1000.0);
    s.t.push_back(bf16 ? rb(t) : t);
  }
  return s;
}

std::vector<float> flow_noise(uint64_t seed, int64_t numel) {
  Rng rng(seed);
  std::vector<float> out(static_cast<size_t>(numel));
  for (int64_t i = 0; i < numel; i += 2) {
    const double u1 = 1.0 - rng.next_double();  // (0, 1]: log is finite
    const double u2 = rng.next_double();
    const double r = std::sqrt(-2.0 * std::log(u1)), a = 2.0 * std::numbers::pi * u2;
    out[size_t(i)] = float(r * std::cos(a));
    if (i + 1 < numel) out[size_t(i + 1)] = float(r * std::sin(a));
  }
  return out;
}

FlowResult generate_flow(const ModelBundle& m, const FlowModel& fm, const ops::Context& ctx,
                         const std::string& prompt, const FlowParams& params, const DumpFn& dump) {
  const int64_t G = m.processor.num_image_tokens;  // 576 latent tokens
  const int64_t g = int64_t(std::lround(std::sqrt(double(G))));
  if (g * g != G)
    fail(ErrorKind::Model, "processor_config.json:num_image_tokens", "must be a square (24 x 24 = 576)");
  const int64_t C = fm.vision.latent_channels(), S = 2 * g, per = C * S * S;  // latent [C, 48, 48]
  validate(params, per);
  const GenerationPrompt gp = build_generation_prompt(m, prompt);
  const int64_t n = params.n, B = 2 * n, P = int64_t(gp.ids.size()), H = fm.llm.hidden_size();
  // Sequence: P-1 prompt positions (the last tag is dropped), the time token, G latent tokens.
  check_context(P + G, 0, m.config.language.max_position_embeddings);
  const bool bf16 = ctx.bf16();

  FlowResult res;
  res.input_ids = gp.ids;
  res.uncond_ids = gp.uncond_ids;
  if (dump) {
    dump("input_ids", i64_tensor(gp.ids));
    dump("uncond_input_ids", i64_tensor(gp.uncond_ids));
  }
  // z [n, C, S, S]: given or seeded per image; a bf16 tensor in the official run.
  Tensor z = Tensor::f32({n, C, S, S});
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<float> e =
        params.noise.empty()
            ? flow_noise(params.seed + uint64_t(i), per)
            : std::vector<float>(params.noise.begin() + i * per, params.noise.begin() + (i + 1) * per);
    std::memcpy(z.f() + i * per, e.data(), size_t(per) * sizeof(float));
  }
  if (bf16) ops::round_bf16(z.f(), z.numel());
  if (dump) dump("noise", copy_rows(z, 0, n));
  auto cancelled = [&] { return params.cancel && params.cancel->load(); };
  if (cancelled()) {
    res.cancelled = true;
    res.latent = z;
    return res;
  }

  auto t0 = Clock::now();
  // E [2n, P-1, H]: rows 0..n-1 the prompt, n..2n-1 its CFG twin (BOS + pads, masked below).
  const int64_t Pm = P - 1;
  Tensor E = Tensor::f32({B, Pm, H});
  fm.llm.embed(ctx, gp.ids.data(), Pm, E.f());
  fm.llm.embed(ctx, gp.uncond_ids.data(), Pm, E.f() + n * Pm * H);
  for (int64_t r = 1; r < n; ++r) {
    std::memcpy(E.f() + r * Pm * H, E.f(), size_t(Pm * H) * sizeof(float));
    std::memcpy(E.f() + (n + r) * Pm * H, E.f() + n * Pm * H, size_t(Pm * H) * sizeof(float));
  }
  KvCache cache = fm.llm.make_cache(B, P + G);
  for (int64_t r = n; r < B; ++r) cache.mask(r, 1, Pm);  // official attention_mask[n:, 1:P-1] = 0
  if (!params.recompute) fm.llm.forward(ctx, E, cache, /*last_only=*/true);  // prompt K/V, kept
  res.prefill_ms = ms_since(t0);

  t0 = Clock::now();
  const FlowSchedule sched = flow_schedule(params.steps, bf16);
  const float w = params.cfg, w1 = float(double(params.cfg) - 1.0);
  Tensor zin = Tensor::f32({B, C, S, S});
  for (int s = 0; s < params.steps; ++s) {
    std::memcpy(zin.f(), z.f(), z.nbytes());  // cond and uncond rows share the latent
    std::memcpy(zin.f() + n * per, z.f(), z.nbytes());
    const std::vector<float> t(size_t(B), sched.t[size_t(s)]);
    FlowVision::Encoded enc = fm.vision.encode(ctx, zin, t.data());
    // X [2n, (P-1 when recomputing +) 1 + G, H]: [prompt,] time token, latent tokens.
    const int64_t pre = params.recompute ? Pm : 0, L = pre + 1 + G;
    Tensor X = Tensor::f32({B, L, H});
    for (int64_t r = 0; r < B; ++r) {
      float* xr = X.f() + r * L * H;
      if (pre) std::memcpy(xr, E.f() + r * Pm * H, size_t(Pm * H) * sizeof(float));
      std::memcpy(xr + pre * H, enc.t_emb.f() + r * H, size_t(H) * sizeof(float));
      std::memcpy(xr + (pre + 1) * H, enc.tokens.f() + r * G * H, size_t(G * H) * sizeof(float));
    }
    cache.truncate(params.recompute ? 0 : Pm);
    const Tensor h = fm.llm.forward(ctx, X, cache, /*last_only=*/false);  // [2n, L, H]
    Tensor hl = Tensor::f32({B, G, H});  // the last G positions: no next-token shift
    for (int64_t r = 0; r < B; ++r)
      std::memcpy(hl.f() + r * G * H, h.f() + (r * L + L - G) * H, size_t(G * H) * sizeof(float));
    const Tensor v = fm.vision.velocity(ctx, hl, enc);  // [2n, C, S, S]
    if (s == 0 && dump) {
      dump("t_emb_0", enc.t_emb);
      dump("x_emb_0", enc.x_emb);
      dump("llm_hidden_0", hl);
      dump("velocity_cond_0", copy_rows(v, 0, n));
      dump("velocity_uncond_0", copy_rows(v, n, n));
    }
    // v = w·v_c − (w−1)·v_u; z = z + dt·v. Each op is rounded in the official bf16 run (fp32 opmath).
    Tensor vc = Tensor::f32({n, C, S, S});
    const float* pc = v.f();
    const float* pu = v.f() + n * per;
    for (int64_t i = 0; i < n * per; ++i) {
      float a = w * pc[i], b = w1 * pu[i];
      if (bf16) a = rb(a), b = rb(b);
      float vi = a - b;
      if (bf16) vi = rb(vi);
      vc.f()[i] = vi;
      float step = sched.dt * vi;
      if (bf16) step = rb(step);
      float zi = z.f()[i] + step;
      z.f()[i] = bf16 ? rb(zi) : zi;
    }
    if (s == 0 && dump) dump("velocity_0", vc);
    res.steps_done = s + 1;
    if (dump) dump("latent_" + std::to_string(s + 1), copy_rows(z, 0, n));
    const bool stop = (params.progress && !params.progress(s + 1, params.steps)) || cancelled();
    if (stop && s + 1 < params.steps) {
      res.cancelled = true;
      break;
    }
  }
  res.steps_ms = ms_since(t0);
  res.latent = z;
  if (dump && !res.cancelled) dump("latent_final", copy_rows(z, 0, n));
  return res;
}

}  // namespace janus

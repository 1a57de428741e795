// FlowVision (JanusFlow time embedding, ShallowUViT encoder/decoder, gen aligners) against the PyTorch
// reference (tools/reference/flow.py; goldens flow_gen_{fp32,bf16} from regen.sh: tiny janusflow-1.3b of
// gen_tiny.py --seed 0, 5 steps, CFG 2, numpy noise seed 3, rows [cond, uncond]).
//
// Inputs are the goldens themselves: encode(noise twice, t_0) vs t_emb_0 / x_emb_0; the decoder side runs on
// llm_hidden_0 with the golden t_emb_0 / x_emb_0 as its condition and skip, so each half is checked alone.
// Tolerances (brief): fp32 rel-L2 ≤ 1e-5 (only summation order differs); bf16 ≤ 2e-2 (a different order
// flips bf16 roundings that then propagate; the reference's own bf16-vs-fp32 gap on this model is 0.5–1 %).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../common/model_fixtures.h"
#include "core/error.h"
#include "io/npy/npy.h"
#include "models/flow_vision.h"

using namespace janus;

namespace {

using janus::test::context;
using janus::test::tiny_dir;

const char* kModel = "janusflow-1.3b";
constexpr float kT1 = 200.0f;  // t at step 1 of 5 (regen.sh --steps 5): exact in f32 and bf16

const FlowVision& flow_vision() {
  static std::unique_ptr<FlowVision> fv;
  if (!fv) {
    const ModelBundle& b = janus::test::bundle(kModel);
    fv = std::make_unique<FlowVision>(*b.weights, b.config);
  }
  return *fv;
}

Tensor golden(const std::string& cs, const std::string& name) {
  NpyArray a = read_npy(janus::test::goldens() / cs / (name + ".npy"));
  Tensor t = Tensor::f32(a.shape, name);
  const std::vector<float> v = a.to_f32();
  std::copy(v.begin(), v.end(), t.f());
  return t;
}

// rel-L2 of got[offset .. offset + ref.numel()) against ref.
double rel_l2(const Tensor& got, const Tensor& ref, int64_t offset = 0) {
  EXPECT_LE(offset + ref.numel(), got.numel());
  double num = 0, den = 0;
  for (int64_t i = 0; i < ref.numel() && offset + i < got.numel(); ++i) {
    const double r = ref.f()[i], e = double(got.f()[offset + i]) - r;
    num += e * e, den += r * r;
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

bool all_bf16(const Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i)
    if (bf16_to_f32(f32_to_bf16(t.f()[i])) != t.f()[i]) return false;
  return true;
}

// The latent rows the sampler feeds at step 0: noise (rounded to bf16 in bf16 mode) for cond and uncond.
Tensor latent_rows(const std::string& cs, bool bf16) {
  const Tensor noise = golden(cs, "noise");  // [1, 4, 48, 48]
  Tensor z = Tensor::f32({2, noise.dim(1), noise.dim(2), noise.dim(3)});
  for (int64_t r = 0; r < 2; ++r) std::copy(noise.f(), noise.f() + noise.numel(), z.f() + r * noise.numel());
  if (bf16) ops::round_bf16(z.f(), z.numel());
  return z;
}

void run_case(const std::string& cs, ops::Precision p, double tol) {
  const bool bf = p == ops::Precision::BF16;
  const FlowVision& fv = flow_vision();
  const ops::Context c = context(p);

  // ---- encoder side
  const Tensor z = latent_rows(cs, bf);
  const float t0[2] = {0.0f, 0.0f}, t1[2] = {kT1, kT1};
  const FlowVision::Encoded e = fv.encode(c, z, t0);
  const Tensor ref_t = golden(cs, "t_emb_0"), ref_x = golden(cs, "x_emb_0");
  ASSERT_EQ(e.t_emb.shape(), ref_t.shape());
  ASSERT_EQ(e.x_emb.shape(), ref_x.shape());
  ASSERT_EQ(e.tokens.shape(), (std::vector<int64_t>{2, ref_x.dim(2) * ref_x.dim(3), fv.hidden_size()}));
  const double dt0 = rel_l2(e.t_emb, ref_t), dx = rel_l2(e.x_emb, ref_x);
  const double dt1 = rel_l2(fv.encode(c, z, t1).t_emb, golden(cs, "t_emb_1"));
  std::printf("[golden] %s t_emb_0 %.3g  t_emb_1 %.3g  x_emb_0 %.3g\n", cs.c_str(), dt0, dt1, dx);
  EXPECT_LE(dt0, tol);
  EXPECT_LE(dt1, tol);
  EXPECT_LE(dx, tol);

  // ---- decoder side, on the golden LLM output and the golden encoder results
  FlowVision::Encoded g;
  g.t_emb = ref_t;
  g.x_emb = ref_x;
  std::map<std::string, Tensor> dumps;
  const Tensor v = fv.velocity(c, golden(cs, "llm_hidden_0"), g, [&](const std::string& k, const Tensor& t) {
    if (k == "flow.dec_in") dumps[k] = t;
  });
  ASSERT_EQ(v.shape(), (std::vector<int64_t>{2, fv.latent_channels(), z.dim(2), z.dim(3)}));
  const Tensor vc = golden(cs, "velocity_cond_0"), vu = golden(cs, "velocity_uncond_0");
  const double dc = rel_l2(v, vc, 0), du = rel_l2(v, vu, vc.numel());
  std::printf("[golden] %s velocity_cond_0 %.3g  velocity_uncond_0 %.3g\n", cs.c_str(), dc, du);
  EXPECT_LE(dc, tol);
  EXPECT_LE(du, tol);
  if (!bf) {  // dec_in_0 is only in the fp32 case (size)
    const double dd = rel_l2(dumps.at("flow.dec_in"), golden(cs, "dec_in_0"));
    std::printf("[golden] %s dec_in_0 %.3g\n", cs.c_str(), dd);
    EXPECT_LE(dd, tol);
  } else {
    EXPECT_TRUE(all_bf16(e.t_emb) && all_bf16(e.x_emb) && all_bf16(e.tokens) && all_bf16(v))
        << "bf16 mode results must hold bf16 values";
  }
}

}  // namespace

TEST(FlowVisionGolden, Fp32) {
  REQUIRE_TINY();
  run_case("flow_gen_fp32", ops::Precision::F32, 1e-5);
}

TEST(FlowVisionGolden, Bf16) {
  REQUIRE_TINY();
  run_case("flow_gen_bf16", ops::Precision::BF16, 2e-2);
}

// tokens = vision_gen_enc_aligner(x_emb as row-major tokens), by definition in double from the weights.
TEST(FlowVisionGolden, TokensAreAlignedRowMajorCells) {
  REQUIRE_TINY();
  const ModelBundle& b = janus::test::bundle(kModel);
  const FlowVision& fv = flow_vision();
  const Tensor z = latent_rows("flow_gen_fp32", false);
  const float t[2] = {0.0f, kT1};  // rows may carry different times
  const FlowVision::Encoded e = fv.encode(context(ops::Precision::F32), z, t);
  const TensorView& W = b.weights->get("vision_gen_enc_aligner.weight");  // [H, C]
  const TensorView& B = b.weights->get("vision_gen_enc_aligner.bias");
  const int64_t H = fv.hidden_size(), C = e.x_emb.dim(1), hw = e.x_emb.dim(2) * e.x_emb.dim(3);
  double worst = 0;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t k : {int64_t(0), int64_t(1), int64_t(25), hw - 1})
      for (int64_t o = 0; o < H; ++o) {
        double s = ops::weight_at(B, o);
        for (int64_t ch = 0; ch < C; ++ch)
          s += ops::weight_at(W, o * C + ch) * double(e.x_emb.f()[(r * C + ch) * hw + k]);
        worst = std::max(worst, std::abs(s - double(e.tokens.f()[(r * hw + k) * H + o])));
      }
  EXPECT_LE(worst, 1e-5);
  // The two rows got different times, so their embeddings differ.
  double diff = 0;
  for (int64_t i = 0; i < H; ++i) diff += std::abs(e.t_emb.f()[i] - e.t_emb.f()[H + i]);
  EXPECT_GT(diff, 0.0);
}

TEST(FlowVisionGolden, TimestepSinusoid) {
  const float t[2] = {0.0f, 968.0f};
  std::vector<float> s(2 * 768);
  timestep_sinusoid(t, 2, 768, s.data());
  for (int k = 0; k < 384; ++k) {
    ASSERT_EQ(s[size_t(k)], 1.0f);
    ASSERT_EQ(s[size_t(384 + k)], 0.0f);
    const double a = 968.0 * std::exp(-std::log(10000.0) * k / 384.0);  // exact-frequency argument
    ASSERT_NEAR(s[size_t(768 + k)], std::cos(a), 2e-4) << k;  // f32 frequency rounding: |Δa| ≤ ~1e-4
    ASSERT_NEAR(s[size_t(768 + 384 + k)], std::sin(a), 2e-4) << k;
  }
  EXPECT_THROW(timestep_sinusoid(t, 1, 7, s.data()), Error);
}

namespace {

// A store that hides one tensor or reports another shape for it: model-binding errors must name it.
class AlteredStore : public TensorStore {
 public:
  AlteredStore(const TensorStore& base, std::string name, std::vector<int64_t> shape)
      : base_(base), name_(std::move(name)), shape_(std::move(shape)) {}
  const TensorView* find(std::string_view n) const override {
    if (n != name_) return base_.find(n);
    if (shape_.empty()) return nullptr;
    altered_ = *base_.find(n);
    altered_.shape = shape_;
    return &altered_;
  }
  const TensorView& get(std::string_view n) const override {
    const TensorView* t = find(n);
    if (!t) fail(ErrorKind::Model, std::string(n), "tensor not found");
    return *t;
  }
  const std::vector<std::string>& names() const override { return base_.names(); }
  const std::vector<std::string>& files() const override { return base_.files(); }
  size_t total_bytes() const override { return base_.total_bytes(); }

 private:
  const TensorStore& base_;
  std::string name_;
  std::vector<int64_t> shape_;
  mutable TensorView altered_;
};

}  // namespace

TEST(FlowVisionGolden, BadTensorsAndInputsAreErrors) {
  REQUIRE_TINY();
  const ModelBundle& b = janus::test::bundle(kModel);
  using janus::test::expect_error;
  for (const char* name :
       {"vision_gen_dec_model.mid_block.res_blocks.1.channelwise_norm.bias",
        "vision_gen_enc_model.time_embed.linear_1.weight", "vision_gen_dec_aligner_norm.weight"}) {
    AlteredStore missing(*b.weights, name, {});
    expect_error([&] { FlowVision fv(missing, b.config); }, ErrorKind::Model, {name});
  }
  AlteredStore wrong(*b.weights, "vision_gen_enc_model.mid_block.res_blocks.0.depthwise.weight",
                     {32, 1, 5, 5});
  expect_error([&] { FlowVision fv(wrong, b.config); }, ErrorKind::Model,
               {"res_blocks.0.depthwise.weight", "[32, 1, 5, 5]"});
  ModelConfig cfg = b.config;
  cfg.gen_dec.upsamples = 2;
  expect_error([&] { FlowVision fv(*b.weights, cfg); }, ErrorKind::Model, {"upsamples"});

  const FlowVision& fv = flow_vision();
  const ops::Context c = context(ops::Precision::F32);
  const float t[2] = {0.0f, 0.0f};
  expect_error([&] { fv.encode(c, Tensor::f32({2, 3, 48, 48}), t); }, ErrorKind::InvalidArgument, {"flow z"});
  FlowVision::Encoded e = fv.encode(c, Tensor::f32({1, 4, 8, 8}), t);  // any even latent size works
  EXPECT_EQ(e.x_emb.shape(), (std::vector<int64_t>{1, fv.channels(), 4, 4}));
  expect_error(
      [&] {
        fv.velocity(c, Tensor::f32({1, 15, fv.hidden_size()}), e);
      },
      ErrorKind::InvalidArgument, {"flow hidden"});
  const Tensor v = fv.velocity(c, Tensor::f32({1, 16, fv.hidden_size()}), e);
  EXPECT_EQ(v.shape(), (std::vector<int64_t>{1, 4, 8, 8}));
}

// Timing (not run by default): JANUS_FLOW_BENCH_MODEL=DIR of a realwidth JanusFlow (gen_tiny.py --size
// realwidth: UViT 768, LLM 2048), 2 rows of 4x48x48, BF16, the fixture's 2-thread pool. Prints ms and
// GFLOP/s (dense GEMM/conv FLOPs of this checkpoint's block count; spec §10.1: 117 GF per step with 2+2
// blocks).
TEST(FlowVisionGolden, DISABLED_RealwidthTiming) {
  const char* dir = std::getenv("JANUS_FLOW_BENCH_MODEL");
  if (!dir) GTEST_SKIP() << "set JANUS_FLOW_BENCH_MODEL";
  auto b = load_model_bundle(dir, true);
  const FlowVision fv(*b->weights, b->config);
  const ops::Context c = context(ops::Precision::BF16);
  Tensor z = Tensor::f32({2, 4, 48, 48});
  for (int64_t i = 0; i < z.numel(); ++i) z.f()[i] = float((i * 7919) % 1000) / 500.0f - 1.0f;
  const float t[2] = {400.0f, 400.0f};
  const int64_t C = fv.channels(), H = fv.hidden_size(), P = 576;
  auto block = [&](double ch) { return 2.0 * P * (8.0 * ch * ch + 49.0 * ch); };  // two 4x linears + 7x7 dw
  const double flops =
      2.0 * (2.0 * P * 4 * C * 4 + double(b->config.gen_enc.layers_in_middle) * block(double(C)) +
             double(b->config.gen_dec.layers_in_middle) * block(2.0 * C) + 2.0 * P * 2 * C * 16 +
             2.0 * 2.0 * P * C * H);
  Tensor hidden = Tensor::f32({2, P, H});
  for (int64_t i = 0; i < hidden.numel(); ++i) hidden.f()[i] = float((i * 104729) % 2000) / 1000.0f - 1.0f;
  for (int it = 0; it < 3; ++it) {
    const auto t0 = std::chrono::steady_clock::now();
    const FlowVision::Encoded e = fv.encode(c, z, t);
    const auto t1 = std::chrono::steady_clock::now();
    const Tensor v = fv.velocity(c, hidden, e);
    const auto t2 = std::chrono::steady_clock::now();
    const double me = std::chrono::duration<double, std::milli>(t1 - t0).count();
    const double mv = std::chrono::duration<double, std::milli>(t2 - t1).count();
    std::printf("[timing] encode %.1f ms  velocity %.1f ms  total %.1f ms  %.1f GFLOP  %.1f GFLOP/s\n", me,
                mv, me + mv, flops * 1e-9, flops * 1e-9 / ((me + mv) * 1e-3));
    ASSERT_EQ(v.dim(0), 2);
  }
}

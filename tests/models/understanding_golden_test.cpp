// SigLIP tower, aligners and LLM against the PyTorch reference (tools/reference/modules.py), on the
// tiny checkpoints the goldens were made from (tools/reference/regen.sh: gen_tiny.py seed 0), for
// Janus-1.3B, Janus-Pro-1B, Janus-Pro-7B and JanusFlow-1.3B, in fp32 and bf16 mode.
//
// Tolerances (fp32 mode). Both sides compute in f32 from the same bf16 weights; only the summation
// order differs (our 8-lane / double sums vs MKL's blocking). For dot products of ≤ 256 terms that is
// ~1e-6 relative per op, so after 2 blocks + LayerNorm rel-L2 stays ~1e-6: 1e-5 (the README's bound)
// leaves 10x headroom while a wrong op, order or rounding point costs ≥ 1e-3. Logits: ≤ 1e-4 rel-L2
// as the issue asks (measured far below). Greedy ids must be identical (reference margins ≥ 0.008).
// bf16 mode: our rounding points equal the reference's, but a different summation order flips a few
// roundings by one bf16 ulp (2^-8 relative); rel-L2 ≤ 1e-2 as in tools/reference/README.md (the
// fp32-vs-bf16 gap is 3e-3..7e-3, so this bound is loose by design; the real check is that we are far
// closer to the bf16 golden than to the fp32 one, tested below), and teacher-forced top-1 ≥ 90 %.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "../common/model_fixtures.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "io/image/image.h"
#include "io/image/preprocess.h"
#include "io/npy/npy.h"
#include "models/model_bundle.h"
#include "models/quant_policy.h"
#include "models/understanding_model.h"

using namespace janus;
namespace fs = std::filesystem;

namespace {

using janus::test::bundle;
using janus::test::context;
using janus::test::pool;
using janus::test::tiny_dir;
const std::filesystem::path& kGoldens = janus::test::goldens();

struct Golden {
  std::vector<float> v;
  std::vector<int64_t> shape;
};
Golden golden_f32(const std::string& cs, const std::string& name) {
  NpyArray a = read_npy(kGoldens / cs / (name + ".npy"));
  return {a.to_f32(), a.shape};
}
std::vector<int64_t> golden_i64(const std::string& cs, const std::string& name) {
  return read_npy(kGoldens / cs / (name + ".npy")).to_i64();
}
nlohmann::json meta(const std::string& cs) {
  std::ifstream in(kGoldens / cs / "meta.json");
  return nlohmann::json::parse(in);
}

struct Diff {
  double rel_l2 = 0, max_abs = 0, ref_max = 0;
};
Diff diff(const float* got, const std::vector<float>& ref) {
  Diff d;
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double e = double(got[i]) - ref[i];
    num += e * e;
    den += double(ref[i]) * ref[i];
    d.max_abs = std::max(d.max_abs, std::abs(e));
    d.ref_max = std::max(d.ref_max, double(std::abs(ref[i])));
  }
  d.rel_l2 = std::sqrt(num / std::max(den, 1e-30));
  return d;
}

// Compares a computed tensor with a golden; prints the measured error (quoted in the report).
void expect_close(const std::string& what, const Tensor& got, const Golden& ref, double rel_l2,
                  double max_rel_abs) {
  ASSERT_EQ(got.numel(), int64_t(ref.v.size()))
      << what << " " << shape_str(got.shape()) << " vs " << shape_str(ref.shape);
  const Diff d = diff(got.f(), ref.v);
  std::printf("[golden] %-40s rel_l2 %.3g  max_abs %.3g  (max|ref| %.3g)\n", what.c_str(), d.rel_l2,
              d.max_abs, d.ref_max);
  EXPECT_LE(d.rel_l2, rel_l2) << what;
  if (max_rel_abs > 0) {
    EXPECT_LE(d.max_abs, max_rel_abs * d.ref_max) << what;
  }
}

struct Case {
  const char* name;        // golden folder
  const char* model;       // tiny checkpoint folder
  const char* input_case;  // folder holding pixel_u8 (the fp32 twin for bf16 cases)
  ops::Precision precision;
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}
const Case kCases[] = {
    {"pro1b_und_fp32", "janus-pro-1b", "pro1b_und_fp32", ops::Precision::F32},
    {"pro1b_und_bf16", "janus-pro-1b", "pro1b_und_fp32", ops::Precision::BF16},
    {"j13b_und_fp32", "janus-1.3b", "j13b_und_fp32", ops::Precision::F32},
    {"pro7b_und_fp32", "janus-pro-7b", "pro1b_und_fp32", ops::Precision::F32},
    {"flow_und_fp32", "janusflow-1.3b", "flow_und_fp32", ops::Precision::F32},
    {"flow_und_bf16", "janusflow-1.3b", "flow_und_fp32", ops::Precision::BF16},
};

ImagePreprocessParams params_of(const ModelBundle& b) {
  const PreprocessorConfig& pc = b.preprocessor;
  ImagePreprocessParams p;
  p.image_size = int(pc.image_size);
  p.min_size = int(pc.min_size);
  for (int c = 0; c < 3; ++c)
    p.image_mean[c] = pc.image_mean[size_t(c)], p.image_std[c] = pc.image_std[size_t(c)];
  p.rescale_factor = pc.rescale_factor;
  p.do_normalize = pc.do_normalize;
  return p;
}

// pixel_values [n, 3, S, S] from the golden's resized+padded RGB (pixel_u8 [n, S, S, 3]) with the
// engine's own normalisation, which equals the processor's to the bit (tests/image).
Tensor pixels_of(const Case& cs, const ModelBundle& b) {
  NpyArray u8 = read_npy(kGoldens / cs.input_case / "pixel_u8.npy");
  EXPECT_EQ(u8.dtype, DType::U8);
  EXPECT_EQ(u8.shape.size(), 4u);
  const int64_t n = u8.shape[0], S = u8.shape[1];
  Tensor px = Tensor::f32({n, 3, S, S});
  for (int64_t i = 0; i < n; ++i) {
    Image im;
    im.width = im.height = int(S);
    im.rgb.assign(u8.data.begin() + i * S * S * 3, u8.data.begin() + (i + 1) * S * S * 3);
    std::vector<float> chw = to_normalized_chw(im, params_of(b));
    std::memcpy(px.f() + i * 3 * S * S, chw.data(), chw.size() * sizeof(float));
  }
  return px;
}

// inputs_embeds [1, T, H]: token rows, with the image positions (ids == image tag; JanusFlow also the
// start tag, which takes beg_of_und_embed) overwritten by `rows` in order — the reference's merge.
Tensor merge(const ops::Context& c, const UnderstandingModel& m, const ModelBundle& b,
             const std::vector<int64_t>& ids, const Tensor& rows) {
  const int64_t T = int64_t(ids.size()), H = m.llm.hidden_size();
  std::vector<int32_t> ids32(ids.begin(), ids.end());
  Tensor x = Tensor::f32({1, T, H});
  m.llm.embed(c, ids32.data(), T, x.f());
  const int32_t img = b.special_id("image_tag"), start = b.special_id("image_start_tag");
  const bool flow = m.beg_of_und_embed != nullptr;
  int64_t r = 0;
  for (int64_t t = 0; t < T; ++t) {
    if (ids32[size_t(t)] != img && !(flow && ids32[size_t(t)] == start)) continue;
    if (r >= rows.dim(0)) break;
    std::memcpy(x.f() + t * H, rows.f() + r * H, size_t(H) * sizeof(float));
    ++r;
  }
  EXPECT_EQ(r, rows.dim(0)) << "image positions vs image rows";
  return x;
}

// Indices of the 5 largest logits, larger first, lower index first on ties (torch.argmax's choice).
std::vector<int32_t> top5(const float* l, int64_t V) {
  std::vector<int32_t> idx(static_cast<size_t>(V));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(),
                    [&](int32_t a, int32_t b) { return l[a] > l[b] || (l[a] == l[b] && a < b); });
  idx.resize(5);
  return idx;
}

class UnderstandingGolden : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (tiny_dir().empty()) GTEST_SKIP() << "python3 with numpy is needed to generate tiny checkpoints";
  }
};

// Image rows: SigLIP features ([n, 576, W]) and aligner rows (576 or 577 per image).
TEST_P(UnderstandingGolden, VisionFeaturesAndImageEmbeds) {
  const Case& cs = GetParam();
  const ModelBundle& b = bundle(cs.model);
  auto m = build_understanding_model(b, cs.precision);
  const ops::Context c = context(cs.precision);
  std::map<std::string, Tensor> dumped;
  Tensor rows =
      m->image_rows(c, pixels_of(cs, b), [&](const std::string& n, const Tensor& t) { dumped[n] = t; });
  const bool f32 = cs.precision == ops::Precision::F32;
  // bf16: measured ≤ 4e-4 (a few one-ulp flips); a misplaced rounding point costs ~3e-3 (the fp32 gap).
  const double tol = f32 ? 1e-5 : 2e-3, amax = f32 ? 1e-4 : 0;
  ASSERT_TRUE(dumped.count("vision_features") && dumped.count("image_embeds"));
  expect_close(std::string(cs.name) + " vision_features", dumped["vision_features"],
               golden_f32(cs.name, "vision_features"), tol, amax);
  expect_close(std::string(cs.name) + " image_embeds", rows, golden_f32(cs.name, "image_embeds"), tol, amax);
  EXPECT_EQ(rows.dim(0), m->rows_per_image() * dumped["vision_features"].dim(0));
  EXPECT_EQ(rows.dim(0), meta(cs.name)["images_seq_mask_count"].get<int64_t>());
  if (!f32) {
    // The bf16 rounding points are right when we sit much closer to the bf16 golden than to the fp32 one.
    const std::string twin = std::string(cs.name).replace(std::string(cs.name).size() - 4, 4, "fp32");
    const double to_bf16 = diff(rows.f(), golden_f32(cs.name, "image_embeds").v).rel_l2;
    const double to_fp32 = diff(rows.f(), golden_f32(twin, "image_embeds").v).rel_l2;
    std::printf("[golden] %s image_embeds: rel_l2 to bf16 golden %.3g, to fp32 golden %.3g\n", cs.name,
                to_bf16, to_fp32);
    EXPECT_LT(to_bf16, 0.5 * to_fp32);
  }
}

// logits_0 and the 32 greedy tokens (fp32: identical; bf16: teacher-forced top-1 agreement ≥ 90 %).
TEST_P(UnderstandingGolden, LogitsAndGreedyTokens) {
  const Case& cs = GetParam();
  const ModelBundle& b = bundle(cs.model);
  const nlohmann::json mt = meta(cs.name);
  // The tags the reference resolved must be the ones the bundle resolved (runtime-added ids included).
  EXPECT_EQ(b.special_id("image_tag"), mt["tags"]["image"].get<int32_t>());
  EXPECT_EQ(b.special_id("image_start_tag"), mt["tags"]["start"].get<int32_t>());
  EXPECT_EQ(b.special_id("eos"), mt["tags"]["eos"].get<int32_t>());

  auto m = build_understanding_model(b, cs.precision);
  const ops::Context c = context(cs.precision);
  const std::vector<int64_t> ids = golden_i64(cs.name, "input_ids");
  const std::vector<int64_t> out = golden_i64(cs.name, "output_ids");
  Tensor x = merge(c, *m, b, ids, m->image_rows(c, pixels_of(cs, b)));
  KvCache kv = m->llm.make_cache(1, int64_t(ids.size() + out.size()));
  Tensor logits = m->llm.logits(c, m->llm.forward(c, x, kv, true));
  const bool f32 = cs.precision == ops::Precision::F32;
  // bf16 logits are bf16 values: the summation-order noise of 630-key attention flips a few hidden
  // elements of the last row, which moves about half the logits by one ulp (measured rel-L2 ~4e-3).
  expect_close(std::string(cs.name) + " logits_0", logits, golden_f32(cs.name, "logits_0"), f32 ? 1e-4 : 1e-2,
               0);

  const int64_t V = m->llm.vocab_size(), H = m->llm.hidden_size();
  int64_t agree = 0, near_ties = 0;
  double min_margin = 1e30, min_abs_margin = 1e30;
  for (size_t i = 0; i < out.size(); ++i) {
    const float* l = logits.f();
    const std::vector<int32_t> top = top5(l, V);
    double scale = 0;
    for (int64_t j = 0; j < V; ++j) scale = std::max(scale, double(std::abs(l[j])));
    // Our fp32 logits equal the reference's to ~1e-6, so our margin stands in for its margin.
    const double margin = (double(l[top[0]]) - l[top[1]]) / std::max(scale, 1e-30);
    min_margin = std::min(min_margin, margin);
    min_abs_margin = std::min(min_abs_margin, double(l[top[0]]) - l[top[1]]);
    agree += top[0] == out[i];
    if (f32) {
      if (margin < 1e-3) {  // near-tie: either order is legitimate; the reference token must be in our top-5
        ++near_ties;
        EXPECT_NE(std::find(top.begin(), top.end(), int32_t(out[i])), top.end()) << cs.name << " step " << i;
      } else {
        EXPECT_EQ(top[0], out[i]) << cs.name << " greedy step " << i;
      }
    }
    if (i + 1 == out.size()) break;
    // Teacher forcing: the next input is the reference's token (equal to ours wherever the check passed).
    const int32_t next = int32_t(out[i]);
    Tensor e = Tensor::f32({1, 1, H});
    m->llm.embed(c, &next, 1, e.f());
    logits = m->llm.logits(c, m->llm.forward(c, e, kv, true));
  }
  std::printf("[golden] %-40s %lld/%zu top-1 agree, %lld near-ties, min top-2 margin %.3g (rel %.3g)\n",
              (std::string(cs.name) + " output_ids").c_str(), (long long)agree, out.size(),
              (long long)near_ties, min_abs_margin, min_margin);
  EXPECT_GE(out.size(), 1u);
  if (!f32) {
    EXPECT_GE(double(agree), 0.9 * double(out.size())) << cs.name;
  }
}

// Issue 6: Q8_0 LLM weights (quantize-at-load) keep the greedy answer. Teacher-forced with the
// reference's output_ids, beside the unquantized model: every step where the unquantized top-2 margin
// exceeds 2 % of the logit scale (the Q8_0 logits move ~1 % rel-L2 on these random models) must pick
// the reference token; closer steps (near-ties) must keep it in the top-5. Also reported: how many
// leading tokens a free-running Q8_0 answer shares with the reference (all 32 in 4 of the 6 cases).
TEST_P(UnderstandingGolden, Q8GreedyTokensEqualReference) {
  const Case& cs = GetParam();
  auto bq = load_model_bundle(tiny_dir() / cs.model, true, WeightQuant::Q8_0);
  ASSERT_EQ(bq->weights->get("language_model.model.layers.0.mlp.up_proj.weight").dtype, DType::Q8_0);
  const ModelBundle& b = bundle(cs.model);
  auto mq = build_understanding_model(*bq, cs.precision);
  auto m = build_understanding_model(b, cs.precision);
  const ops::Context c = context(cs.precision);
  const std::vector<int64_t> ids = golden_i64(cs.name, "input_ids");
  const std::vector<int64_t> out = golden_i64(cs.name, "output_ids");
  const int64_t V = m->llm.vocab_size(), H = m->llm.hidden_size();
  Tensor x = merge(c, *m, b, ids, m->image_rows(c, pixels_of(cs, b)));
  KvCache kv = m->llm.make_cache(1, int64_t(ids.size() + out.size()));
  KvCache kq = mq->llm.make_cache(1, int64_t(ids.size() + out.size()));
  KvCache kf = mq->llm.make_cache(1, int64_t(ids.size() + out.size()));  // free-running
  Tensor l = m->llm.logits(c, m->llm.forward(c, x, kv, true));
  Tensor lq = mq->llm.logits(c, mq->llm.forward(c, x, kq, true));
  Tensor lf = mq->llm.logits(c, mq->llm.forward(c, x, kf, true));
  size_t free_same = 0, near_ties = 0;
  bool free_on = true;
  for (size_t i = 0; i < out.size(); ++i) {
    const std::vector<int32_t> t = top5(l.f(), V), tq = top5(lq.f(), V);
    double scale = 0;
    for (int64_t j = 0; j < V; ++j) scale = std::max(scale, double(std::abs(l.f()[j])));
    if ((double(l.f()[t[0]]) - l.f()[t[1]]) > 0.02 * scale) {
      EXPECT_EQ(tq[0], out[i]) << cs.name << " step " << i;
    } else {
      ++near_ties;
      EXPECT_NE(std::find(tq.begin(), tq.end(), int32_t(out[i])), tq.end()) << cs.name << " step " << i;
    }
    const int32_t free_tok = top5(lf.f(), V)[0];
    free_on = free_on && free_tok == out[i];
    free_same += free_on;
    if (i + 1 == out.size()) break;
    auto step = [&](const Llm& llm, KvCache& k, int32_t tok) {
      Tensor e = Tensor::f32({1, 1, H});
      llm.embed(c, &tok, 1, e.f());
      return llm.logits(c, llm.forward(c, e, k, true));
    };
    l = step(m->llm, kv, int32_t(out[i]));
    lq = step(mq->llm, kq, int32_t(out[i]));
    lf = step(mq->llm, kf, free_tok);
  }
  std::printf("[golden] %-40s q8_0: %zu near-ties; free-running, first %zu of %zu tokens equal\n",
              (std::string(cs.name) + " output_ids").c_str(), near_ties, free_same, out.size());
}

INSTANTIATE_TEST_SUITE_P(Tiny, UnderstandingGolden, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

class TinyUnderstanding : public ::testing::Test {
 protected:
  void SetUp() override {
    if (tiny_dir().empty()) GTEST_SKIP() << "python3 with numpy is needed to generate tiny checkpoints";
  }
};

// Per-layer residual streams of the fp32 run (--dump-layers goldens of pro1b_und_fp32).
TEST_F(TinyUnderstanding, Pro1BLayerDumps) {
  const Case& cs = kCases[0];
  const ModelBundle& b = bundle(cs.model);
  auto m = build_understanding_model(b, cs.precision);
  const ops::Context c = context(cs.precision);
  std::map<std::string, Tensor> d;
  auto keep = [&](const std::string& n, const Tensor& t) { d[n] = t; };
  Tensor rows = m->image_rows(c, pixels_of(cs, b), keep);
  for (int i = 0; i < 2; ++i)
    expect_close("vision block " + std::to_string(i),
                 d.at("vision_model.vision_tower.blocks." + std::to_string(i)),
                 golden_f32(cs.name, "vision_block_" + std::to_string(i)), 1e-5, 1e-4);
  const std::vector<int64_t> ids = golden_i64(cs.name, "input_ids");
  KvCache kv = m->llm.make_cache(1, int64_t(ids.size()));
  Tensor h = m->llm.forward(c, merge(c, *m, b, ids, rows), kv, false, keep);
  for (int i = 0; i < 2; ++i)
    expect_close("llm layer " + std::to_string(i), d.at("language_model.model.layers." + std::to_string(i)),
                 golden_f32(cs.name, "llm_layer_" + std::to_string(i)), 1e-5, 1e-4);
  expect_close("llm final norm", h, golden_f32(cs.name, "llm_final_norm"), 1e-5, 1e-4);
}

// The KV cache changes nothing: one prefill, two chunks, and token by token give the same states.
TEST_F(TinyUnderstanding, KvCacheChunkingInvariant) {
  const Case& cs = kCases[0];
  const ModelBundle& b = bundle(cs.model);
  auto m = build_understanding_model(b, ops::Precision::F32);
  const ops::Context c = context(ops::Precision::F32);
  const std::vector<int64_t> ids = golden_i64(cs.name, "input_ids");
  Tensor x = merge(c, *m, b, ids, m->image_rows(c, pixels_of(cs, b)));
  const int64_t T = x.dim(1), H = x.dim(2);
  auto slice = [&](int64_t t0, int64_t t1) {
    Tensor s = Tensor::f32({1, t1 - t0, H});
    std::memcpy(s.f(), x.f() + t0 * H, size_t((t1 - t0) * H) * sizeof(float));
    return s;
  };
  KvCache one = m->llm.make_cache(1, T);
  Tensor full = m->llm.forward(c, x, one, false);  // [1, T, H]
  EXPECT_EQ(one.len, T);

  // Two chunks, split inside the image rows.
  const int64_t cut = T / 2;
  KvCache two = m->llm.make_cache(1, T);
  Tensor a = m->llm.forward(c, slice(0, cut), two, false), bb = m->llm.forward(c, slice(cut, T), two, false);
  Tensor chunks = Tensor::f32({1, T, H});
  std::memcpy(chunks.f(), a.f(), a.nbytes());
  std::memcpy(chunks.f() + cut * H, bb.f(), bb.nbytes());

  KvCache step = m->llm.make_cache(1, T);
  Tensor tok = Tensor::f32({1, T, H});
  for (int64_t t = 0; t < T; ++t) {
    Tensor h = m->llm.forward(c, slice(t, t + 1), step, true);
    std::memcpy(tok.f() + t * H, h.f(), size_t(H) * sizeof(float));
  }
  const Golden ref{std::vector<float>(full.f(), full.f() + full.numel()), full.shape()};
  expect_close("two-chunk prefill hidden", chunks, ref, 1e-5, 0);
  expect_close("token-by-token hidden", tok, ref, 1e-5, 0);
  // Logits at the last 4 positions (all positions would be T x 102400 floats).
  auto last_rows = [&](const Tensor& h) {
    Tensor r = Tensor::f32({4, H});
    std::memcpy(r.f(), h.f() + (T - 4) * H, size_t(4 * H) * sizeof(float));
    return m->llm.logits(c, r);
  };
  Tensor lf = last_rows(full);
  const Golden lref{std::vector<float>(lf.f(), lf.f() + lf.numel()), lf.shape()};
  expect_close("two-chunk prefill logits", last_rows(chunks), lref, 1e-5, 0);
  expect_close("token-by-token logits", last_rows(tok), lref, 1e-5, 0);
  // A second forward past the capacity is refused, not written out of bounds.
  EXPECT_THROW(m->llm.forward(c, slice(0, 1), step, true), Error);
  // truncate() rewinds: re-running the last position gives the same state again.
  step.truncate(T - 1);
  Tensor again = m->llm.forward(c, slice(T - 1, T), step, true);
  EXPECT_EQ(std::memcmp(again.f(), tok.f() + (T - 1) * H, size_t(H) * sizeof(float)), 0);
}

// Batch rows are independent sequences: a batch of 2 equals two batches of 1 (prefill and a decode step).
TEST_F(TinyUnderstanding, LlmBatchRowsIndependent) {
  const ModelBundle& b = bundle("janus-pro-1b");
  auto m = build_understanding_model(b, ops::Precision::F32);
  const ops::Context c = context(ops::Precision::F32);
  const int64_t T = 40, H = m->llm.hidden_size();
  std::vector<int32_t> ids(size_t(2 * T));
  for (int64_t i = 0; i < 2 * T; ++i) ids[size_t(i)] = int32_t((i * 7919 + 13) % 100000);
  Tensor x = Tensor::f32({2, T, H});
  m->llm.embed(c, ids.data(), 2 * T, x.f());
  KvCache kv2 = m->llm.make_cache(2, T + 1);
  Tensor h2 = m->llm.forward(c, x, kv2, false);
  const int32_t nxt[2] = {5, 77};
  Tensor e2 = Tensor::f32({2, 1, H});
  m->llm.embed(c, nxt, 2, e2.f());
  Tensor d2 = m->llm.forward(c, e2, kv2, true);
  for (int64_t r = 0; r < 2; ++r) {
    Tensor x1 = Tensor::f32({1, T, H}), e1 = Tensor::f32({1, 1, H});
    std::memcpy(x1.f(), x.f() + r * T * H, size_t(T * H) * sizeof(float));
    std::memcpy(e1.f(), e2.f() + r * H, size_t(H) * sizeof(float));
    KvCache kv1 = m->llm.make_cache(1, T + 1);
    Tensor h1 = m->llm.forward(c, x1, kv1, false);
    Tensor d1 = m->llm.forward(c, e1, kv1, true);
    const Golden g{std::vector<float>(h1.f(), h1.f() + h1.numel()), h1.shape()};
    Tensor row = Tensor::f32({1, T, H});
    std::memcpy(row.f(), h2.f() + r * T * H, size_t(T * H) * sizeof(float));
    expect_close("batch row " + std::to_string(r) + " prefill", row, g, 1e-6, 0);
    Tensor drow = Tensor::f32({1, 1, H});
    std::memcpy(drow.f(), d2.f() + r * H, size_t(H) * sizeof(float));
    expect_close("batch row " + std::to_string(r) + " decode", drow,
                 Golden{std::vector<float>(d1.f(), d1.f() + H), d1.shape()}, 1e-6, 0);
  }
}

// Several images in one call equal one call per image; JanusFlow puts beg_of_und_embed before each.
TEST_F(TinyUnderstanding, ImageRowsBatchEqualsSingles) {
  for (const Case* cs : {&kCases[0], &kCases[4]}) {
    const ModelBundle& b = bundle(cs->model);
    auto m = build_understanding_model(b, ops::Precision::BF16);
    const ops::Context c = context(ops::Precision::BF16);
    Tensor one = pixels_of(*cs, b);
    const int64_t n1 = one.numel();
    Tensor two = Tensor::f32({2, 3, one.dim(2), one.dim(3)});
    std::memcpy(two.f(), one.f(), size_t(n1) * sizeof(float));
    for (int64_t i = 0; i < n1; ++i) two.f()[n1 + i] = -one.f()[i];  // a different second image
    Tensor neg = Tensor::f32(one.shape());
    std::memcpy(neg.f(), two.f() + n1, size_t(n1) * sizeof(float));
    Tensor r2 = m->image_rows(c, two), ra = m->image_rows(c, one), rb = m->image_rows(c, neg);
    const int64_t R = m->rows_per_image(), H = m->llm.hidden_size();
    ASSERT_EQ(r2.dim(0), 2 * R);
    EXPECT_EQ(std::memcmp(r2.f(), ra.f(), size_t(R * H) * sizeof(float)), 0) << cs->model;
    EXPECT_EQ(std::memcmp(r2.f() + R * H, rb.f(), size_t(R * H) * sizeof(float)), 0) << cs->model;
    if (m->beg_of_und_embed) {
      EXPECT_EQ(R, 577);
      for (int64_t img = 0; img < 2; ++img)
        for (int64_t i = 0; i < H; ++i)
          ASSERT_EQ(r2.f()[img * R * H + i], ops::weight_at(*m->beg_of_und_embed, i)) << "image " << img;
    } else {
      EXPECT_EQ(R, 576);
    }
  }
}

TEST_F(TinyUnderstanding, BadInputsAreErrors) {
  const ModelBundle& b = bundle("janus-pro-1b");
  auto m = build_understanding_model(b, ops::Precision::F32);
  const ops::Context c = context(ops::Precision::F32);
  EXPECT_THROW(m->image_rows(c, Tensor::f32({1, 3, 384, 380})), Error);
  EXPECT_THROW(m->image_rows(c, Tensor::f32({1, 3, 224, 224})), Error);  // 196 patches, not 576
  EXPECT_THROW(m->image_rows(c, Tensor::f32({3, 384, 384})), Error);
  KvCache kv = m->llm.make_cache(1, 4);
  const int64_t H = m->llm.hidden_size();
  EXPECT_THROW(m->llm.forward(c, Tensor::f32({1, 5, H}), kv, true), Error);  // over capacity
  EXPECT_EQ(kv.len, 0);
  EXPECT_THROW(m->llm.forward(c, Tensor::f32({2, 1, H}), kv, true), Error);  // batch mismatch
  EXPECT_THROW(m->llm.forward(c, Tensor::f32({1, 1, H + 1}), kv, true), Error);
  EXPECT_THROW(m->llm.forward(context(ops::Precision::BF16), Tensor::f32({1, 1, H}), kv, true), Error);
  EXPECT_THROW(m->llm.make_cache(int64_t(1) << 40, int64_t(1) << 40), Error);  // overflow, no allocation
  const int32_t bad = int32_t(m->llm.vocab_size());
  std::vector<float> e(static_cast<size_t>(H));
  EXPECT_THROW(m->llm.embed(c, &bad, 1, e.data()), Error);
}

// The golden's pixel_u8 is what the engine's own preprocessing makes of the original image (when
// shared/images is beside the checkout); this ties the tests above to real image inputs.
TEST_F(TinyUnderstanding, PixelInputMatchesSharedImage) {
  const fs::path images = fs::path(JANUS_SOURCE_DIR) / "../shared/images";
  if (!fs::exists(images)) GTEST_SKIP() << images << " is absent";
  for (const Case& cs : kCases) {
    if (std::string(cs.name) != cs.input_case) continue;
    const ModelBundle& b = bundle(cs.model);
    NpyArray u8 = read_npy(kGoldens / cs.name / "pixel_u8.npy");
    const auto files = meta(cs.name)["images"];
    ASSERT_EQ(int64_t(files.size()), u8.shape[0]);
    const size_t per = size_t(u8.numel() / u8.shape[0]);
    for (size_t i = 0; i < files.size(); ++i) {
      Image im =
          resize_and_pad(decode_image_file((images / files[i].get<std::string>()).string()), params_of(b));
      ASSERT_EQ(im.rgb.size(), per);
      EXPECT_TRUE(std::equal(im.rgb.begin(), im.rgb.end(), u8.data.begin() + i * per)) << cs.name;
    }
  }
}

}  // namespace

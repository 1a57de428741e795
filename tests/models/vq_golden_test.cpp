// VQ-16 decoder against the PyTorch reference (tools/reference/modules.py VQDecoder, goldens
// pro1b_vq_{fp32,bf16} from regen.sh: tiny Janus-Pro-1B of gen_tiny.py --seed 0, seeded 24x24 grid).
//
// Tolerances. fp32 mode: both sides compute in f32 from the same bf16 weights; only summation order
// differs (oneDNN blocking vs MKL's), ~1e-6 relative per conv. The decoder is ~30 convs deep with
// GroupNorms between, so errors stay ~1e-5 of the activation scale; the decoded output is O(1), so
// max-abs ≤ 1e-4 (tools/reference/README.md) leaves ~10x headroom while any wrong op or layout costs
// ≥ 1e-2. image_u8: a 1e-4 error can only move a value across a truncation boundary: ±1 level.
// bf16 mode: our rounding points equal the reference's (checked op by op: post_quant_conv and
// conv_in bit-equal on 99.997 %, mid attention 99.96 % from the same input), but the decoder is
// chaotic in bf16 on random tiny weights: each rounding flip from a different summation order
// spreads through ~30 convs and GroupNorm statistics. The reference is not even reproducible
// against itself: rerun with another MKL thread count it lands rel-L2 1.9e-2 from its own golden,
// image_u8 mean |diff| 0.97, 76 % within ±1, max 11 (we measure 2.4e-2 / 1.22 / 68 % / 14). So:
// rel-L2 ≤ 4e-2 (2x the reference's own spread) and image_u8 mean-abs ≤ 2 levels (README) with
// ≥ 60 % within ±1 (histogram printed). On this model the bf16-vs-fp32 gap (2.4e-2) is as large as the
// noise, so this case checks the decoder's structure in bf16 mode; its rounding points rest on the
// op tests (tests/core/conv_test.cpp) and the op-by-op comparison above.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../common/model_fixtures.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "io/npy/npy.h"
#include "models/model_bundle.h"
#include "models/vq_decoder.h"

using namespace janus;
namespace fs = std::filesystem;

namespace {

using janus::test::context;
using janus::test::pool;
using janus::test::tiny_dir;
const std::filesystem::path& kGoldens = janus::test::goldens();

struct Loaded {
  std::unique_ptr<ModelBundle> bundle;
  std::unique_ptr<VqDecoder> vq;
};
const Loaded& load(const fs::path& dir) {
  static std::map<std::string, Loaded> cache;
  Loaded& l = cache[dir.string()];
  if (!l.bundle) {
    l.bundle = load_model_bundle(dir, true);
    l.vq = std::make_unique<VqDecoder>(*l.bundle->weights, *l.bundle->dims);
  }
  return l;
}

std::vector<int32_t> tokens_of(const std::string& cs, int64_t* grid) {
  NpyArray a = read_npy(kGoldens / cs / "vq_tokens.npy");
  std::vector<int64_t> t = a.to_i64();
  *grid = int64_t(std::lround(std::sqrt(double(t.size()))));
  return std::vector<int32_t>(t.begin(), t.end());
}

// Decoded image 0 as uint8 HWC vs the golden image_u8: histogram of |diff| (0, 1, 2, 3+), mean-abs.
struct U8Diff {
  int64_t hist[4] = {0, 0, 0, 0};
  double mean_abs = 0;
  int max_abs = 0;
};
U8Diff compare_u8(const std::vector<uint8_t>& got, const std::string& cs) {
  NpyArray a = read_npy(kGoldens / cs / "image_u8.npy");
  EXPECT_EQ(a.data.size(), got.size());
  U8Diff d;
  for (size_t i = 0; i < got.size() && i < a.data.size(); ++i) {
    const int e = std::abs(int(got[i]) - int(a.data[i]));
    ++d.hist[std::min(e, 3)];
    d.mean_abs += e;
    d.max_abs = std::max(d.max_abs, e);
  }
  d.mean_abs /= double(std::max<size_t>(got.size(), 1));
  std::printf("[golden] %s image_u8 |diff| histogram 0:%ld 1:%ld 2:%ld 3+:%ld  mean %.4f  max %d\n",
              cs.c_str(), long(d.hist[0]), long(d.hist[1]), long(d.hist[2]), long(d.hist[3]), d.mean_abs,
              d.max_abs);
  return d;
}

struct FDiff {
  double rel_l2 = 0, max_abs = 0;
};
// got [1, 3, S, S] vs ref (the same positions, `stride` subsampled in both spatial dims).
FDiff compare_f32(const Tensor& got, const std::vector<float>& ref, int64_t stride) {
  const int64_t S = got.dim(2), s = (S + stride - 1) / stride;
  EXPECT_EQ(int64_t(ref.size()), 3 * s * s);
  double num = 0, den = 0;
  FDiff d;
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < s; ++y)
      for (int64_t x = 0; x < s; ++x) {
        const double r = ref[size_t((c * s + y) * s + x)];
        const double e = double(got.f()[(c * S + y * stride) * S + x * stride]) - r;
        num += e * e, den += r * r;
        d.max_abs = std::max(d.max_abs, std::abs(e));
      }
  d.rel_l2 = std::sqrt(num / std::max(den, 1e-30));
  return d;
}

#define REQUIRE_TINY() \
  if (tiny_dir().empty()) GTEST_SKIP() << "python3 with numpy is needed to make the tiny checkpoints"

}  // namespace

TEST(VqGolden, Pro1bFp32) {
  REQUIRE_TINY();
  const Loaded& m = load(tiny_dir() / "janus-pro-1b");
  int64_t grid = 0;
  const std::vector<int32_t> codes = tokens_of("pro1b_vq_fp32", &grid);
  const Tensor dec = m.vq->decode(context(ops::Precision::F32), codes.data(), 1, grid);
  ASSERT_EQ(dec.shape(), (std::vector<int64_t>{1, 3, grid * 16, grid * 16}));
  const U8Diff u = compare_u8(to_uint8_hwc(dec, 0), "pro1b_vq_fp32");
  EXPECT_LE(u.max_abs, 1);
  EXPECT_LE(u.hist[1], int64_t(u.hist[0]) / 100);  // boundary cases only
  NpyArray ref = read_npy(kGoldens / "pro1b_vq_fp32" / "decoded_s4.npy");
  const FDiff d = compare_f32(dec, ref.to_f32(), 4);
  std::printf("[golden] pro1b_vq_fp32 decoded (every 4th pixel) rel_l2 %.3g  max_abs %.3g\n", d.rel_l2,
              d.max_abs);
  EXPECT_LE(d.max_abs, 1e-4);
}

TEST(VqGolden, Pro1bBf16) {
  REQUIRE_TINY();
  const Loaded& m = load(tiny_dir() / "janus-pro-1b");
  int64_t grid = 0;
  const std::vector<int32_t> codes = tokens_of("pro1b_vq_bf16", &grid);
  const Tensor dec = m.vq->decode(context(ops::Precision::BF16), codes.data(), 1, grid);
  NpyArray ref = read_npy(kGoldens / "pro1b_vq_bf16" / "decoded.npy");
  const FDiff d = compare_f32(dec, ref.to_f32(), 1);
  std::printf("[golden] pro1b_vq_bf16 decoded rel_l2 %.3g  max_abs %.3g\n", d.rel_l2, d.max_abs);
  EXPECT_LE(d.rel_l2, 4e-2);
  for (int64_t i = 0; i < dec.numel(); ++i)
    ASSERT_EQ(dec.f()[i], bf16_to_f32(f32_to_bf16(dec.f()[i]))) << "bf16 mode output must be bf16 values";
  const U8Diff u = compare_u8(to_uint8_hwc(dec, 0), "pro1b_vq_bf16");
  EXPECT_LE(u.mean_abs, 2.0);
  EXPECT_GE(double(u.hist[0] + u.hist[1]), 0.6 * double(dec.numel()));
}

// Two images decode independently: image 1 of a batch equals a batch of one.
TEST(VqGolden, BatchRowsAreIndependent) {
  REQUIRE_TINY();
  const Loaded& m = load(tiny_dir() / "janus-pro-1b");
  const int64_t grid = 4, P = grid * grid;  // a small grid keeps this fast: 64x64 output
  std::vector<int32_t> codes(size_t(2 * P));
  for (int64_t i = 0; i < 2 * P; ++i) codes[size_t(i)] = int32_t((i * 7919) % m.vq->codebook_size());
  const ops::Context c = context(ops::Precision::BF16);
  const Tensor two = m.vq->decode(c, codes.data(), 2, grid);
  const Tensor one = m.vq->decode(c, codes.data() + P, 1, grid);
  ASSERT_EQ(two.dim(0), 2);
  for (int64_t i = 0; i < one.numel(); ++i) ASSERT_EQ(two.f()[one.numel() + i], one.f()[i]) << i;
}

TEST(VqGolden, BadCodesAreErrors) {
  REQUIRE_TINY();
  const Loaded& m = load(tiny_dir() / "janus-pro-1b");
  std::vector<int32_t> codes(16, 0);
  const ops::Context c = context(ops::Precision::F32);
  codes[5] = int32_t(m.vq->codebook_size());
  EXPECT_THROW(m.vq->decode(c, codes.data(), 1, 4), Error);
  codes[5] = -1;
  EXPECT_THROW(m.vq->decode(c, codes.data(), 1, 4), Error);
  codes[5] = 0;
  EXPECT_THROW(m.vq->decode(c, codes.data(), 0, 4), Error);
  EXPECT_THROW(m.vq->decode(c, codes.data(), 1, 0), Error);
  Tensor bad = Tensor::f32({1, 4, 8, 8});
  EXPECT_THROW(to_uint8_hwc(bad, 0), Error);
}

// to_uint8_hwc: (x+1)/2·255 truncated and clipped, channels-last.
TEST(VqGolden, Uint8Mapping) {
  Tensor t = Tensor::f32({1, 3, 1, 2});
  const float v[6] = {-1.0f, 1.0f, 0.0f, 2.0f, -3.0f, 0.999f};
  for (int i = 0; i < 6; ++i) t.f()[i] = v[i];
  const std::vector<uint8_t> u = to_uint8_hwc(t, 0);
  // pixel 0: R=-1 -> 0, G=0 -> 127 (127.5 truncated), B=-3 -> 0; pixel 1: R=1 -> 255, G=2 -> 255, B -> 254.
  EXPECT_EQ(u, (std::vector<uint8_t>{0, 127, 0, 255, 255, 254}));
}

// Full-size timing (not run by default): JANUS_VQ_BENCH_MODEL=DIR of a realwidth checkpoint
// (gen_tiny.py --size realwidth: real VQ channels 128/256), 24x24 codes -> 384x384.
TEST(VqGolden, DISABLED_RealwidthTiming) {
  const char* dir = std::getenv("JANUS_VQ_BENCH_MODEL");
  if (!dir) GTEST_SKIP() << "set JANUS_VQ_BENCH_MODEL";
  const Loaded& m = load(dir);
  std::vector<int32_t> codes(576);
  for (int64_t i = 0; i < 576; ++i) codes[size_t(i)] = int32_t((i * 7919) % m.vq->codebook_size());
  for (ops::Precision p : {ops::Precision::BF16, ops::Precision::F32}) {
    for (int rep = 0; rep < 2; ++rep) {  // the first run also converts the weights to f32
      const auto t0 = std::chrono::steady_clock::now();
      const Tensor dec = m.vq->decode(context(p), codes.data(), 1, 24);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("[bench] VQ decode %s run %d: %.3f s (%s)\n", p == ops::Precision::BF16 ? "bf16" : "fp32",
                  rep, s, shape_str(dec.shape()).c_str());
    }
  }
}
